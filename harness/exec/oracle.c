/* Whole-structure oracles: per-order free counts after every op, the full
 * free-list walk at check ops, and the leak check at the end. */
#include <stdlib.h>
#include <string.h>

#include "world.h"

bool alloc_failure_legal(struct exec *e, unsigned int order)
{
	return order > MAX_ORDER || e->injected || bm_max_free_order(e->model) < (int)order;
}

void oracle_free_counts(struct exec *e)
{
	unsigned long got[NR_PAGE_ORDERS];
	const unsigned long *want = bm_free_counts(e->model);

	if (!e->pa->free_counts || !e->pa->free_counts(got))
		return;
	if (!memcmp(got, want, sizeof(got)))
		return;
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		if (got[o] != want[o]) {
			diverge(e, "buddy.free-counts", "%lu free blocks of order %u", want[o], o);
			diverge_actual(e, "%lu", got[o]);
			return;
		}
	}
}

/* The walk marks each listed block; the model's canonical blocks must be
 * listed exactly once and nothing else may be. */
struct walk_state {
	struct free_walk w;
	struct exec *e;
	unsigned char *seen; /* per pfn offset: order + 1 of the listed block */
	bool bad;
	char why[DIV_TEXT];
};

static void walk_block(struct free_walk *w, unsigned long pfn, unsigned int order)
{
	struct walk_state *s = (struct walk_state *)w;
	struct exec *e = s->e;
	unsigned long off = pfn - e->arena.base_pfn;

	if (s->bad)
		return;
	if (pfn < e->arena.base_pfn || off >= e->arena.nr_pfns) {
		s->bad = true;
		snprintf(s->why, sizeof(s->why), "listed block outside the arena (order %u)",
			 order);
	} else if (s->seen[off]) {
		s->bad = true;
		snprintf(s->why, sizeof(s->why), "pfn offset %lu listed twice", off);
	} else if (!bm_is_free_block(e->model, pfn, order)) {
		s->bad = true;
		snprintf(s->why, sizeof(s->why), "pfn offset %lu listed as a free block of "
			 "order %u", off, order);
	} else {
		s->seen[off] = (unsigned char)(order + 1);
	}
}

static void walk_expect(void *arg, unsigned long pfn, unsigned int order)
{
	struct walk_state *s = arg;
	unsigned long off = pfn - s->e->arena.base_pfn;

	if (!s->bad && s->seen[off] != order + 1) {
		s->bad = true;
		snprintf(s->why, sizeof(s->why), "free block at pfn offset %lu (order %u) is "
			 "on no free list", off, order);
	}
}

void oracle_free_lists(struct exec *e)
{
	struct walk_state s = { .e = e };

	if (e->pa->free_total && e->pa->free_total() != bm_free_pages(e->model)) {
		diverge(e, "buddy.free-total", "%lu free pages", bm_free_pages(e->model));
		diverge_actual(e, "%lu", e->pa->free_total());
		return;
	}

	if (!e->pa->walk_free)
		return;
	s.w.block = walk_block;
	s.seen = e->walk_seen;
	memset(s.seen, 0, e->arena.nr_pfns);
	if (e->pa->walk_free(&s.w)) {
		s.bad = true;
		snprintf(s.why, sizeof(s.why), "damaged free list: %s", s.w.error);
	}
	if (!s.bad)
		bm_for_each_free(e->model, walk_expect, &s);
	if (s.bad) {
		diverge(e, "buddy.free-list", "free lists equal to the model's canonical blocks");
		diverge_actual(e, "%s", s.why);
	}
}

struct leak_state {
	struct exec *e;
	unsigned long count;
	unsigned long first_pfn;
	unsigned int first_order, first_cls;
};

static void count_leak(void *arg, unsigned long pfn, unsigned int order, unsigned int cls)
{
	struct leak_state *l = arg;

	if (l->count++ == 0) {
		l->first_pfn = pfn;
		l->first_order = order;
		l->first_cls = cls;
	}
}

void oracle_leaks(struct exec *e)
{
	struct leak_state l = { .e = e };
	char check[48];

	bm_for_each_allocated(e->model, count_leak, &l);
	if (l.count) {
		snprintf(check, sizeof(check), "leak.%s", page_class_name(l.first_cls));
		diverge(e, check, "no allocated block once everything is released");
		diverge_actual(e, "%lu block(s) still allocated; the first: %s, order %u at pfn "
			       "offset %lu", l.count, page_class_name(l.first_cls), l.first_order,
			       l.first_pfn - e->arena.base_pfn);
		return;
	}
	oracle_free_counts(e);
	if (!diverged(e))
		oracle_free_lists(e);
}
