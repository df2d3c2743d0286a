#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "replay_out.h"

char *read_all(int fd)
{
	size_t n = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t got;

	while (buf && (got = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)got;
		if (cap - n < 2)
			buf = realloc(buf, cap *= 2);
	}
	if (buf)
		buf[n] = '\0';
	return buf ? buf : strdup("");
}

enum verdict { V_PASS, V_FAIL, V_ERROR, V_NA };

static enum verdict verdict_of(const struct replay_result *r)
{
	if (r->status == 0)
		return V_PASS;
	if (r->status == REPLAY_NOT_APPLICABLE)
		return V_NA;
	if (r->status == 2 || r->status == 3)
		return V_ERROR;
	return V_FAIL;
}

/* Copies the rest of the line after "key" in the output, or fallback. */
static void line_value(const char *out, const char *key, char *buf, size_t cap,
		       const char *fallback)
{
	const char *p = out ? strstr(out, key) : NULL;

	if (!p) {
		snprintf(buf, cap, "%s", fallback);
		return;
	}
	p += strlen(key);
	size_t len = strcspn(p, "\n");
	if (len >= cap)
		len = cap - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
}

static const char *allocator_named;

static void crash_signature(const struct replay_result *r, char *buf, size_t cap)
{
	child_signature(r->stop_signature, r->output, r->status, allocator_named, buf, cap);
}

static void print_indented(const char *text, FILE *out)
{
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, "\n");
		fprintf(out, "    %.*s\n", (int)len, p);
		p += len + (p[len] == '\n');
	}
}

/* Only the comment lines before the first op are a header: a comment
 * further down is about the ops around it. */
void read_expectation(const char *path, struct replay_result *r)
{
	static const char key[] = "# expect:";
	char line[512];
	size_t n = strlen(path);
	FILE *f;

	r->expect[0] = '\0';
	if (n < 4 || strcmp(path + n - 4, ".mmr") || !(f = fopen(path, "r")))
		return;
	while (fgets(line, sizeof(line), f) && line[0] == '#') {
		if (strncmp(line, key, sizeof(key) - 1))
			continue;
		const char *v = line + sizeof(key) - 1;
		v += strspn(v, " \t");
		snprintf(r->expect, sizeof(r->expect), "%.*s", (int)strcspn(v, "\r\n"), v);
		break;
	}
	fclose(f);
}

/* Against the file's expectation: a known-open bug failing with its own
 * signature is as expected; one that passes, or fails otherwise, is not
 * (its header needs updating, or something changed). */
enum outcome { O_PASS, O_FAIL, O_ERROR, O_KNOWN_OPEN, O_UNEXPECTED_PASS, O_NA };

static enum outcome outcome_of(const struct replay_result *r, enum verdict v)
{
	char sig[512];

	if (v == V_ERROR)
		return O_ERROR;
	if (v == V_NA)
		return O_NA;
	if (!r->expect[0] || !strcmp(r->expect, "pass"))
		return v == V_PASS ? O_PASS : O_FAIL;
	if (v == V_PASS)
		return O_UNEXPECTED_PASS;
	crash_signature(r, sig, sizeof(sig));
	return strcmp(sig, r->expect) ? O_FAIL : O_KNOWN_OPEN;
}

void replay_result_add(struct replay_results *res, const struct replay_result *r,
		       const struct replay_opts *opts)
{
	allocator_named = opts->allocator && opts->allocator->kind != ALLOC_KERNEL
				  ? opts->allocator->name
				  : NULL;
	enum verdict v = verdict_of(r);
	enum outcome o = outcome_of(r, v);
	char sig[512];

	if (o == O_PASS)
		res->passed++;
	else if (o == O_KNOWN_OPEN)
		res->known_open++;
	else if (o == O_ERROR)
		res->errors++;
	else if (o == O_NA)
		res->not_applicable++;
	else
		res->failed++;
	if (opts->text_only) {
		free(r->output);
		return;
	}
	if (opts->json) {
		if (res->n == res->cap) {
			res->cap = res->cap ? res->cap * 2 : 64;
			res->v = realloc(res->v, res->cap * sizeof(*res->v));
		}
		res->v[res->n] = *r;
		res->v[res->n++].path = strdup(r->path);
		return;
	}
	if (v == V_ERROR) {
		fprintf(stderr, "%s", r->output);
		printf("ERROR %s\n", r->path);
	} else if (v == V_NA) {
		printf("N/A %s\n", r->path);
		print_indented(r->output, stdout);
	} else if (o == O_UNEXPECTED_PASS) {
		printf("FAIL %s\n    passed, but its header expects the open bug \"%s\": "
		       "update the header\n",
		       r->path, r->expect);
	} else if (v == V_PASS) {
		printf("PASS %s\n", r->path);
	} else if (o == O_KNOWN_OPEN) {
		printf("KNOWN-OPEN %s\n    SIGNATURE: %s (as its header expects)\n", r->path,
		       r->expect);
	} else {
		crash_signature(r, sig, sizeof(sig));
		printf("FAIL %s\n", r->path);
		if (!opts->quiet)
			print_indented(r->output, stdout);
		/* A crash with no report of its own still gets a signature line. */
		if (opts->quiet || r->stop_signature[0] || !strstr(r->output, "SIGNATURE: "))
			printf("    SIGNATURE: %s\n", sig);
	}
	fflush(stdout);
	free(r->output);
}

static void json_string(const char *s, FILE *out)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void replay_results_finish(struct replay_results *res, const struct replay_opts *opts)
{
	static const char *const names[] = { "PASS", "FAIL", "ERROR", "N/A" };
	char sig[512], check[128];

	if (opts->text_only)
		return;
	if (!opts->json) {
		if (res->not_applicable)
			printf("replay: %lu not applicable (an op or a geometry the allocator "
			       "cannot run)\n",
			       res->not_applicable);
		printf("replay: %lu passed, %lu failed\n", res->passed, res->failed);
		if (res->known_open)
			printf("replay: %lu failed as their headers expect (known open bugs)\n",
			       res->known_open);
		if (res->errors)
			printf("replay: %lu unreadable or malformed\n", res->errors);
		return;
	}
	printf("{\"passed\": %lu, \"failed\": %lu, \"errors\": %lu, \"known_open\": %lu, "
	       "\"not_applicable\": %lu, \"results\": [",
	       res->passed, res->failed, res->errors, res->known_open, res->not_applicable);
	for (size_t i = 0; i < res->n; i++) {
		struct replay_result *r = &res->v[i];
		enum verdict v = verdict_of(r);

		printf("%s\n  {\"file\": ", i ? "," : "");
		json_string(r->path, stdout);
		printf(", \"result\": \"%s\"", names[v]);
		if (r->expect[0]) {
			enum outcome o = outcome_of(r, v);

			printf(", \"expect\": ");
			json_string(r->expect, stdout);
			printf(", \"as_expected\": %s",
			       o == O_PASS || o == O_KNOWN_OPEN ? "true" : "false");
		}
		line_value(r->output, "DIGEST: ", check, sizeof(check), "");
		if (check[0]) {
			printf(", \"digest\": ");
			json_string(check, stdout);
		}
		if (v == V_FAIL) {
			crash_signature(r, sig, sizeof(sig));
			if (r->stop_signature[0])
				snprintf(check, sizeof(check), "%.*s",
					 (int)strcspn(r->stop_signature, " "), r->stop_signature);
			else
				line_value(r->output, "check:     ", check, sizeof(check), "crash");
			printf(", \"signature\": ");
			json_string(sig, stdout);
			printf(", \"check\": ");
			json_string(check, stdout);
		}
		if (v == V_NA) {
			line_value(r->output, "op:        ", check, sizeof(check), "");
			printf(", \"not_applicable\": ");
			json_string(check, stdout);
		}
		if (v != V_PASS) {
			printf(", \"report\": ");
			json_string(r->output, stdout);
		}
		printf("}");
		free(r->output);
		free((char *)r->path);
	}
	printf("\n]}\n");
	free(res->v);
}
