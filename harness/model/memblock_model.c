/* See memblock_model.h. Every result comes from one sweep: the ranges'
 * endpoints sorted, a coverage count per kind, and an output range
 * wherever the predicate on the counts holds. */
#include <stdbool.h>
#include <string.h>

#include "memblock_model.h"

enum { MEM = 0, RES = 1 };

struct edge {
	uint64_t at;
	int kind;  /* MEM or RES */
	int delta; /* +1 at a start, -1 at an end */
};

#define MAX_EDGES (4 * MBM_MAX_RANGES + 2)

/* By position; a few dozen edges, so insertion sort (and no libc qsort,
 * which the riscv replay's C library does not have). */
static void sort_edges(struct edge *e, int n)
{
	for (int i = 1; i < n; i++) {
		struct edge x = e[i];
		int j = i;

		for (; j > 0 && e[j - 1].at > x.at; j--)
			e[j] = e[j - 1];
		e[j] = x;
	}
}

struct sweep {
	struct edge e[MAX_EDGES];
	int n;
};

static int add(struct sweep *s, int kind, const struct mbm_range *r, int nr)
{
	for (int i = 0; i < nr; i++) {
		if (r[i].end <= r[i].start)
			continue;
		if (s->n + 2 > MAX_EDGES)
			return -1;
		s->e[s->n++] = (struct edge){ r[i].start, kind, +1 };
		s->e[s->n++] = (struct edge){ r[i].end, kind, -1 };
	}
	return 0;
}

/* The ranges where want(count[MEM], count[RES]) holds, maximal: ranges
 * that touch come out as one. */
static int collect(struct sweep *s, bool (*want)(int mem, int res), struct mbm_range *out)
{
	int count[2] = { 0, 0 }, n = 0;
	bool in = false;

	sort_edges(s->e, s->n);
	for (int i = 0; i < s->n;) {
		uint64_t at = s->e[i].at;

		/* Every edge at one position first, then judge. */
		for (; i < s->n && s->e[i].at == at; i++)
			count[s->e[i].kind] += s->e[i].delta;
		if (want(count[MEM], count[RES]) && !in) {
			if (n == MBM_MAX_RANGES)
				return -1;
			out[n].start = at;
			in = true;
		} else if (!want(count[MEM], count[RES]) && in) {
			out[n++].end = at;
			in = false;
		}
	}
	return n;
}

static bool is_memory(int mem, int res)
{
	(void)res;
	return mem > 0;
}

static bool is_reserved(int mem, int res)
{
	(void)mem;
	return res > 0;
}

static bool is_free(int mem, int res)
{
	return mem > 0 && res == 0;
}

static int sweep(const struct mbm_range *mem, int nm, const struct mbm_range *res, int nr,
		 bool (*want)(int, int), struct mbm_range *out)
{
	struct sweep s = { .n = 0 };

	if (add(&s, MEM, mem, nm) || add(&s, RES, res, nr))
		return -1;
	return collect(&s, want, out);
}

int mbm_boot(const struct mbm_range *banks, int nr_banks, const struct mbm_range *reserved,
	     int nr_reserved, uint64_t alloc_size, uint64_t alloc_align, uint64_t page_size,
	     struct mbm_boot *out)
{
	struct mbm_range free[MBM_MAX_RANGES], res[MBM_MAX_RANGES + 1];
	int nf, n = 0;

	memset(out, 0, sizeof(*out));
	if (nr_reserved > MBM_MAX_RANGES)
		return -1;
	nf = sweep(banks, nr_banks, reserved, nr_reserved, is_free, free);
	if (nf < 0)
		return -1;
	memcpy(res, reserved, (size_t)nr_reserved * sizeof(res[0]));
	n = nr_reserved;
	for (int i = 0; i < nf && alloc_size; i++) {
		uint64_t at = (free[i].start + alloc_align - 1) / alloc_align * alloc_align;

		/* Address 0 is the kernel's failure value: never a placement. */
		if (at && at >= free[i].start && at < free[i].end &&
		    free[i].end - at >= alloc_size) {
			out->alloc_at = at;
			res[n++] = (struct mbm_range){ at, at + alloc_size };
			break;
		}
	}
	out->nr_memory = sweep(banks, nr_banks, NULL, 0, is_memory, out->memory);
	out->nr_reserved = sweep(NULL, 0, res, n, is_reserved, out->reserved);
	nf = sweep(banks, nr_banks, res, n, is_free, free);
	if (out->nr_memory < 0 || out->nr_reserved < 0 || nf < 0)
		return -1;
	for (int i = 0; i < nf; i++) {
		uint64_t first = (free[i].start + page_size - 1) / page_size;
		uint64_t last = free[i].end / page_size;

		if (first < last)
			out->free_pfns[out->nr_free++] = (struct mbm_range){ first, last };
	}
	return 0;
}
