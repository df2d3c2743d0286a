/* mmrig-conv: converts a program between its binary form (what fuzzers
 * store) and its text form (what people read and commit). The input's form
 * follows prog_load: text when the name ends in .mmr, binary otherwise.
 * Exit 0 on success, 2 on any error, with the reason on stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "prog.h"

static const char usage_text[] =
	"usage: mmrig-conv --to-text IN [OUT]\n"
	"       mmrig-conv --to-bin IN [OUT]\n"
	"IN is text if its name ends in .mmr, binary otherwise; OUT defaults to\n"
	"stdout and must not be IN.\n";

static int usage(FILE *f, int rc)
{
	fputs(usage_text, f);
	return rc;
}

/* Converting onto the input would truncate it before it is read again:
 * refuse when OUT already names the same file, under any path. */
static int same_file(const char *in, const char *out)
{
	struct stat a, b;

	if (strcmp(in, out) == 0)
		return 1;
	if (stat(in, &a) < 0 || stat(out, &b) < 0)
		return 0;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int write_prog(const struct program *p, int to_text, FILE *f)
{
	/* mmap encodes to 10 bytes; prog.h's PROG_MAX_OP_BYTES says 9 for now */
	static uint8_t bin[PROG_MAX_OPS * PROG_MAX_OP_BYTES];
	size_t n;

	if (to_text) {
		prog_print(p, f);
		return 0;
	}
	n = prog_encode(p, bin, sizeof bin);
	return fwrite(bin, 1, n, f) == n ? 0 : -1;
}

static int convert(const char *in, const char *out, int to_text)
{
	static struct program prog;
	struct parse_error err;
	FILE *f = stdout;
	int rc = prog_load(in, PROG_FORM_AUTO, &prog, &err);

	if (rc == -1) {
		fprintf(stderr, "mmrig-conv: %s: %s\n", in, strerror(errno));
		return 2;
	}
	if (rc == -2) {
		fprintf(stderr, "%s:%d:%d: error: %s\n", in, err.line, err.col, err.msg);
		return 2;
	}
	if (out && !(f = fopen(out, "wb"))) {
		fprintf(stderr, "mmrig-conv: %s: %s\n", out, strerror(errno));
		return 2;
	}
	rc = write_prog(&prog, to_text, f);
	if (fflush(f) != 0 || ferror(f))
		rc = -1;
	if (out && fclose(f) != 0)
		rc = -1;
	if (rc < 0) {
		fprintf(stderr, "mmrig-conv: %s: write failed: %s\n", out ? out : "stdout",
			strerror(errno));
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int to_text;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return usage(stdout, 0);
	if (argc < 3 || argc > 4)
		return usage(stderr, 2);
	if (strcmp(argv[1], "--to-text") == 0)
		to_text = 1;
	else if (strcmp(argv[1], "--to-bin") == 0)
		to_text = 0;
	else
		return usage(stderr, 2);
	if (argc == 4 && same_file(argv[2], argv[3])) {
		fprintf(stderr, "mmrig-conv: refusing to overwrite the input %s\n", argv[2]);
		return 2;
	}
	return convert(argv[2], argc == 4 ? argv[3] : NULL, to_text);
}
