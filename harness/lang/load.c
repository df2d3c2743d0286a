/* A program from a file in either form: replay, triage and mmrig-conv all
 * take seeds (*.mmr text) and fuzzer outputs (raw bytes) alike. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lang_internal.h"

/* Far above any useful program (4096 ops), low enough that a wrong path
 * (a disk image, say) fails fast instead of filling memory. */
#define LOAD_MAX_BYTES (64u << 20)

int prog_read_file(const char *path, char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int saved;

	if (!f)
		return -1;
	for (;;) {
		if (n == cap) {
			char *nb;
			cap = cap ? cap * 2 : 64 * 1024;
			if (cap > LOAD_MAX_BYTES) {
				errno = EFBIG;
				goto fail;
			}
			nb = realloc(buf, cap);
			if (!nb)
				goto fail; /* realloc set ENOMEM */
			buf = nb;
		}
		n += fread(buf + n, 1, cap - n, f);
		if (ferror(f))
			goto fail; /* errno from the failed read, e.g. EISDIR */
		if (feof(f))
			break;
	}
	fclose(f);
	*data = buf;
	*len = n;
	return 0;
fail:
	saved = errno;
	free(buf);
	fclose(f);
	errno = saved;
	return -1;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

int prog_load(const char *path, enum prog_form form, struct program *p, struct parse_error *err)
{
	return prog_load_set(path, form, NULL, p, err);
}

int prog_load_set(const char *path, enum prog_form form, const struct op_set *set,
		  struct program *p, struct parse_error *err)
{
	char *data;
	size_t len;
	int rc = 0;

	if (prog_read_file(path, &data, &len) < 0)
		return -1;
	if (form == PROG_FORM_AUTO)
		form = ends_with(path, ".mmr") ? PROG_FORM_TEXT : PROG_FORM_BINARY;
	if (form == PROG_FORM_TEXT) {
		rc = prog_parse(data, len, p, err) < 0 ? -2 : 0;
	} else if (prog_decode_set((const uint8_t *)data, len, set, p) < 0) {
		err->line = 0;
		err->col = 0;
		prog_format_explain((const uint8_t *)data, len, err->msg, sizeof err->msg);
		rc = -2;
	}
	free(data);
	return rc;
}

void prog_error_print(FILE *f, const char *path, const struct parse_error *err)
{
	if (err->line > 0)
		fprintf(f, "%s:%d:%d: error: %s\n", path, err->line, err->col, err->msg);
	else
		fprintf(f, "%s: error: %s\n", path, err->msg);
}
