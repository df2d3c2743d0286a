/* Handle renumbering: swap a slot with a lower one of the same kind across
 * the whole program, so a reproducer reads p0, p1, ... A swap renames
 * every use together, so the ops still refer to the same objects; the run
 * decides whether the rename keeps the signature (the final release walks
 * slots in order, for one). */
#include "min.h"

/* What an op's dst and src name, as prog.h documents per kind. harness/lang
 * keeps its op table private; test_min_slots holds this copy against the
 * printer's handle names so the two cannot drift apart unnoticed. */
static const uint8_t slot_kinds[NR_OPS][2] = {
	[OP_ALLOC_PAGES] = { MS_PAGE, MS_NONE },
	[OP_FREE_PAGES] = { MS_PAGE, MS_NONE },
	[OP_GET_PAGE] = { MS_PAGE, MS_NONE },
	[OP_PUT_PAGE] = { MS_PAGE, MS_NONE },
	[OP_KMALLOC] = { MS_OBJ, MS_NONE },
	[OP_KZALLOC] = { MS_OBJ, MS_NONE },
	[OP_KCALLOC] = { MS_OBJ, MS_NONE },
	[OP_KREALLOC] = { MS_OBJ, MS_OBJ },
	[OP_KFREE] = { MS_OBJ, MS_NONE },
	[OP_CACHE_CREATE] = { MS_CACHE, MS_NONE },
	[OP_CACHE_ALLOC] = { MS_OBJ, MS_CACHE },
	[OP_CACHE_FREE] = { MS_OBJ, MS_NONE },
	[OP_CACHE_SHRINK] = { MS_CACHE, MS_NONE },
	[OP_CACHE_DESTROY] = { MS_CACHE, MS_NONE },
	[OP_FAIL_NTH] = { MS_NONE, MS_NONE },
	[OP_CHECK] = { MS_NONE, MS_NONE },
	[OP_MM_NEW] = { MS_MM, MS_NONE },
	[OP_MM_FORK] = { MS_MM, MS_MM },
	[OP_MM_EXIT] = { MS_MM, MS_NONE },
	[OP_MMAP] = { MS_REGION, MS_MM },
	[OP_MUNMAP] = { MS_MM, MS_REGION },
	[OP_MPROTECT] = { MS_MM, MS_REGION },
	[OP_BRK] = { MS_MM, MS_NONE },
	[OP_TOUCH] = { MS_MM, MS_REGION },
	[OP_KVMMAKE] = { MS_NONE, MS_NONE },
	[OP_KCALLOC_WRAP] = { MS_OBJ, MS_NONE },
	[OP_ALIGNED_ALLOC] = { MS_OBJ, MS_NONE },
	[OP_VMALLOC] = { MS_OBJ, MS_NONE },
	[OP_VFREE] = { MS_OBJ, MS_NONE },
	[OP_VMAP] = { MS_OBJ, MS_PAGE },
	[OP_VUNMAP] = { MS_OBJ, MS_NONE },
	[OP_CPU] = { MS_NONE, MS_NONE },
	[OP_PREEMPT] = { MS_NONE, MS_NONE },
	[OP_CACHE_REAP] = { MS_NONE, MS_NONE },
	[OP_DRAIN_ALL_PAGES] = { MS_NONE, MS_NONE },
};

int min_slot_kind(unsigned int op_kind, bool src)
{
	return op_kind < NR_OPS ? slot_kinds[op_kind][src] : MS_NONE;
}

unsigned int min_slot_count(int slot_kind)
{
	/* A table: one line per slot kind. */
	/* clang-format off */
	switch (slot_kind) {
	case MS_PAGE: return NR_PAGE_SLOTS;
	case MS_OBJ: return NR_OBJ_SLOTS;
	case MS_CACHE: return NR_CACHE_SLOTS;
	case MS_MM: return NR_MM_SLOTS;
	case MS_REGION: return NR_REGION_SLOTS;
	}
	/* clang-format on */
	return 0;
}

static uint8_t swapped(uint8_t v, uint8_t a, uint8_t b)
{
	return v == a ? b : v == b ? a : v;
}

static void swap_slots(const struct program *in, int kind, uint8_t a, uint8_t b,
		       struct program *out)
{
	out->n = in->n;
	for (size_t i = 0; i < in->n; i++) {
		struct op o = in->ops[i];

		if (min_slot_kind(o.kind, false) == kind)
			o.dst = swapped(o.dst, a, b);
		if (min_slot_kind(o.kind, true) == kind)
			o.src = swapped(o.src, a, b);
		out->ops[i] = o;
	}
}

/* Slots of this kind the program names, as a bit set. */
static uint64_t used_slots(const struct program *p, int kind)
{
	uint64_t used = 0;

	for (size_t i = 0; i < p->n; i++) {
		if (min_slot_kind(p->ops[i].kind, false) == kind)
			used |= 1ull << p->ops[i].dst;
		if (min_slot_kind(p->ops[i].kind, true) == kind)
			used |= 1ull << p->ops[i].src;
	}
	return used;
}

bool min_slots(struct min_state *s)
{
	bool changed = false;

	for (int kind = MS_PAGE; kind < MS_COUNT; kind++) {
		for (unsigned int hi = 1; hi < min_slot_count(kind) && !s->budget_out; hi++) {
			if (!(used_slots(s->cur, kind) >> hi & 1))
				continue;
			for (unsigned int lo = 0; lo < hi && !s->budget_out; lo++) {
				swap_slots(s->cur, kind, (uint8_t)lo, (uint8_t)hi, s->cand);
				/* Only a swap that lowers the first use counts:
				 * otherwise two slots could trade places forever. */
				if (min_simpler(s->cand, s->cur) && min_try(s, s->cand)) {
					changed = true;
					break;
				}
			}
		}
	}
	return changed;
}
