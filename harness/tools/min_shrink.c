/* Argument shrinking: for each op and each argument, try lower values,
 * lowest first, and keep the first that keeps the signature. Candidates
 * pass through the canonical form, so a field the op kind does not have
 * (or a value its table does not allow) comes back unchanged or wraps
 * upward, and min_simpler rejects it without a run. */
#include <stdlib.h>

#include "min.h"

/* Tables: one line per argument. */
/* clang-format off */
enum arg { A_ORDER, A_MT, A_GFP, A_N, A_ALIGN, A_FLAGS, A_PROT, A_MFLAGS, A_PGOFF, A_RAW, A_SIZE, NR_ARGS };

static uint32_t get(const struct op *o, int a)
{
	switch (a) {
	case A_ORDER: return o->order;
	case A_MT: return o->mt;
	case A_GFP: return o->gfp;
	case A_N: return o->n;
	case A_ALIGN: return o->align;
	case A_FLAGS: return o->flags;
	case A_PROT: return o->prot;
	case A_MFLAGS: return o->mflags;
	case A_PGOFF: return o->pgoff;
	case A_RAW: return o->raw;
	default: return o->size;
	}
}

static void set(struct op *o, int a, uint32_t v)
{
	switch (a) {
	case A_ORDER: o->order = (uint8_t)v; break;
	case A_MT: o->mt = (uint8_t)v; break;
	case A_GFP: o->gfp = (uint8_t)v; break;
	case A_N: o->n = (uint8_t)v; break;
	case A_ALIGN: o->align = (uint8_t)v; break;
	case A_FLAGS: o->flags = (uint8_t)v; break;
	case A_PROT: o->prot = (uint8_t)v; break;
	case A_MFLAGS: o->mflags = (uint8_t)v; break;
	case A_PGOFF: o->pgoff = (uint16_t)v; break;
	case A_RAW: o->raw = (uint8_t)v; break;
	default: o->size = v; break;
	}
}
/* clang-format on */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Values below cur, ascending and without repeats. Small fields (orders,
 * flag sets, align indices) try every lower value; counts, offsets and
 * byte values try 0, 1, powers of two, half and one less; sizes try 0 and
 * the size table's entries, where the kernel's class boundaries are. */
static size_t candidates(int a, uint32_t cur, uint32_t *v)
{
	size_t n = 0;

	if (cur == 0)
		return 0;
	if (a == A_SIZE) {
		v[n++] = 0;
		for (size_t i = 0; i < SIZE_TABLE_LEN; i++)
			if (size_table[i] < cur)
				v[n++] = size_table[i];
	} else if (a != A_N && a != A_PGOFF && cur <= 16) {
		for (uint32_t x = 0; x < cur; x++)
			v[n++] = x;
	} else {
		v[n++] = 0;
		for (uint32_t x = 1; x < cur; x *= 2)
			v[n++] = x;
		v[n++] = cur / 2;
		v[n++] = cur - 1;
	}
	qsort(v, n, sizeof(*v), cmp_u32);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (!u || v[i] != v[u - 1])
			v[u++] = v[i];
	return u;
}

static bool shrink_arg(struct min_state *s, size_t i, int a)
{
	uint32_t v[64];
	size_t nv = candidates(a, get(&s->cur->ops[i], a), v);

	for (size_t k = 0; k < nv && !s->budget_out; k++) {
		struct op o = s->cur->ops[i];

		set(&o, a, v[k]);
		min_canon(&o);
		s->cand->n = s->cur->n;
		for (size_t j = 0; j < s->cur->n; j++)
			s->cand->ops[j] = j == i ? o : s->cur->ops[j];
		if (!min_simpler(s->cand, s->cur))
			continue;
		if (min_try(s, s->cand))
			return true;
	}
	return false;
}

bool min_shrink(struct min_state *s)
{
	bool changed = false;

	for (size_t i = 0; i < s->cur->n && !s->budget_out; i++)
		for (int a = 0; a < NR_ARGS; a++)
			if (shrink_arg(s, i, a))
				changed = true;
	return changed;
}
