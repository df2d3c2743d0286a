/* Helpers shared by the op-language tests: a fixed-seed PRNG (the same
 * inputs on every run and build) and program comparison / printing. */
#ifndef MMRIG_LANG_TEST_H
#define MMRIG_LANG_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "prog.h"

/* splitmix64: tiny, and good enough to spread bytes over every opcode. */
static uint64_t rng_state = 0x6d6d726967ull; /* "mmrig" */

static inline uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint32_t rng_below(uint32_t n)
{
	return (uint32_t)(rng_next() % n);
}

/* The bytes after the format byte, as the current version reads them:
 * what a fuzzer's mutations act on. */
static inline void decode_body(const uint8_t *data, size_t len, struct program *p)
{
	prog_decode_body(data, len, PROG_FORMAT_VERSION, NULL, p);
}

static inline int prog_equal(const struct program *a, const struct program *b)
{
	return a->n == b->n && memcmp(&a->geom, &b->geom, sizeof a->geom) == 0 &&
	       memcmp(a->ops, b->ops, a->n * sizeof a->ops[0]) == 0;
}

/* The canonical text of p, its geometry header and one line per op, into
 * buf (NUL-terminated).
 * Returns the length, or 0 if buf is too small. */
static inline size_t prog_to_text(const struct program *p, char *buf, size_t cap)
{
	size_t len = 0;

	if (cap == 0)
		return 0;
	buf[0] = '\0';
	if (!geom_is_default(&p->geom)) {
		int n = snprintf(buf, cap, "geometry ");

		n += geom_format(&p->geom, buf + n, cap - (size_t)n);
		if (n < 0 || (size_t)n + 2 > cap)
			return 0;
		len = (size_t)n;
		buf[len++] = '\n';
	}
	for (size_t i = 0; i < p->n; i++) {
		int n = op_format(&p->ops[i], buf + len, cap - len);
		if (n < 0 || (size_t)n + 2 > cap - len)
			return 0;
		len += (size_t)n;
		buf[len++] = '\n';
	}
	buf[len] = '\0';
	return len;
}

/* A text the parser must refuse, and where and why. */
struct parse_case {
	const char *text;
	int line, col;
	const char *msg; /* a part of the message */
};

static inline void check_parse_errors(const struct parse_case *bad, size_t n)
{
	static struct program p;

	for (size_t i = 0; i < n; i++) {
		struct parse_error err;
		int rc = prog_parse(bad[i].text, strlen(bad[i].text), &p, &err);
		int ok = rc == -1 && err.line == bad[i].line && err.col == bad[i].col &&
			 strstr(err.msg, bad[i].msg) != NULL;

		CHECK(ok);
		if (!ok)
			fprintf(stderr, "  input %zu: rc %d, %d:%d: %s (want %d:%d: %s)\n", i, rc,
				err.line, err.col, err.msg, bad[i].line, bad[i].col, bad[i].msg);
	}
}

#endif
