/* Helpers shared by the op-language tests: a fixed-seed PRNG (the same
 * inputs on every run and build) and program comparison / printing. */
#ifndef MMRIG_LANG_TEST_H
#define MMRIG_LANG_TEST_H

#include <stdint.h>
#include <string.h>

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

static inline int prog_equal(const struct program *a, const struct program *b)
{
	return a->n == b->n && memcmp(a->ops, b->ops, a->n * sizeof a->ops[0]) == 0;
}

/* The canonical text of p, one line per op, into buf (NUL-terminated).
 * Returns the length, or 0 if buf is too small. */
static inline size_t prog_to_text(const struct program *p, char *buf, size_t cap)
{
	size_t len = 0;

	if (cap == 0)
		return 0;
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

#endif
