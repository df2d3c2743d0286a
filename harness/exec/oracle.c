/* Whole-structure oracles: per-order free counts after every op, the full
 * free-list walk at check ops, and the leak check at the end. */
#include <stdlib.h>
#include <string.h>

#include "world.h"

#ifdef HOST_ASAN
#include <sanitizer/asan_interface.h>
#endif

/* Free pages in a row from the model's canonical blocks, in pfn order. */
struct run_state {
	unsigned long want, end, len;
	bool found;
};

static void run_block(void *arg, unsigned long pfn, unsigned int order)
{
	struct run_state *r = arg;

	r->len = pfn == r->end ? r->len + (1ul << order) : 1ul << order;
	r->end = pfn + (1ul << order);
	if (r->len >= r->want)
		r->found = true;
}

/* Could a block of this order be had? An aligned free block for an
 * aligned allocator, any run of free pages for one that is not. */
bool page_model_could(struct exec *e, unsigned int order)
{
	struct run_state r = { .want = 1ul << order };

	if (bm_max_free_order(e->model) >= (int)order)
		return true;
	if (e->pa->guarantees & MMRIG_PG_ALIGNED)
		return false;
	bm_for_each_free(e->model, run_block, &r);
	return r.found;
}

void oracle_free_counts(struct exec *e)
{
	unsigned long got[MMRIG_MAX_ORDERS];
	const unsigned long *want = bm_free_counts(e->model);
	unsigned int n = e->pa->max_order + 1;

	if (!(e->pa->guarantees & MMRIG_PG_CANONICAL) || !e->pa->free_counts ||
	    !e->pa->free_counts(got))
		return;
	if (!memcmp(got, want, n * sizeof(got[0])))
		return;
	for (unsigned int o = 0; o < n; o++) {
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
	struct mmrig_free_walk w;
	struct exec *e;
	unsigned char *seen; /* per pfn offset: order + 1 of the listed block */
	bool bad;
	char why[DIV_TEXT];
};

/* A non-canonical allocator may hold its free memory in any blocks: each
 * page it lists must be free in the model, once. */
static bool pages_free(struct exec *e, unsigned long pfn, unsigned int order)
{
	unsigned long head;
	unsigned int o, cls;

	for (unsigned long i = 0; i < (1ul << order); i++)
		if (bm_find_allocated(e->model, pfn + i, &head, &o, &cls))
			return false;
	return true;
}

static void walk_block(struct mmrig_free_walk *w, uintptr_t addr, unsigned int order)
{
	struct walk_state *s = (struct walk_state *)w;
	struct exec *e = s->e;
	unsigned long pfn = addr >> PAGE_SHIFT;
	unsigned long off = pfn - e->arena.base_pfn;
	bool canonical = e->pa->guarantees & MMRIG_PG_CANONICAL;

	if (s->bad)
		return;
	if (pfn < e->arena.base_pfn || off >= e->arena.nr_pfns || order > e->pa->max_order ||
	    off + (1ul << order) > e->arena.nr_pfns) {
		s->bad = true;
		snprintf(s->why, sizeof(s->why), "listed block outside the arena (order %u)",
			 order);
	} else if (s->seen[off]) {
		s->bad = true;
		snprintf(s->why, sizeof(s->why), "pfn offset %lu listed twice", off);
	} else if (canonical ? !bm_is_free_block(e->model, pfn, order)
			     : !pages_free(e, pfn, order)) {
		s->bad = true;
		snprintf(s->why, sizeof(s->why),
			 "pfn offset %lu listed as a free block of order %u", off, order);
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
		snprintf(s->why, sizeof(s->why),
			 "free block at pfn offset %lu (order %u) is on no free list", off, order);
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
	if (!s.bad && (e->pa->guarantees & MMRIG_PG_CANONICAL))
		bm_for_each_free(e->model, walk_expect, &s);
	if (s.bad) {
		diverge(e, "buddy.free-list", "free lists equal to the model's canonical blocks");
		diverge_actual(e, "%s", s.why);
		return;
	}
	oracle_migrate_free_lists(e);
}

/* At check: every struct page as the model's blocks say it must be. A
 * free page carries nothing of its last owner (no class, reference, slab
 * pointer or stray flag), a free block's head alone says PG_buddy and its
 * order; an allocated block's head says PG_head, its order, its class and
 * a reference, its tails nothing but (when compound) PG_tail and the way
 * home. Metadata left stale shows here,
 * before some later allocation trips on it. */
struct state_walk {
	struct exec *e;
	bool bad;
	char why[DIV_TEXT];
};

static void state_bad(struct state_walk *w, unsigned long pfn, const char *what)
{
	if (w->bad)
		return;
	w->bad = true;
	snprintf(w->why, sizeof(w->why), "pfn offset %lu: %s", pfn - w->e->arena.base_pfn, what);
}

/* Under ASan a free page must be poisoned (arch_poison), or a use after
 * free reads it silently; the first byte of each page stands for it.
 * Other builds have no poison to look at. */
static bool free_page_poisoned(unsigned long pfn)
{
#ifdef HOST_ASAN
	return __asan_address_is_poisoned((const void *)(uintptr_t)(pfn << PAGE_SHIFT));
#else
	(void)pfn;
	return true;
#endif
}

static void free_state(void *arg, unsigned long pfn, unsigned int order)
{
	struct state_walk *w = arg;

	for (unsigned long i = 0; i < (1ul << order) && !w->bad; i++) {
		const struct page *p = pfn_to_page(pfn + i);

		if (p->head)
			state_bad(w, pfn + i, "a free page still points at a compound head");
		else if (!free_page_poisoned(pfn + i))
			state_bad(w, pfn + i,
				  "a free page is not poisoned (a use after free would go unseen)");
		else if (p->flags != (i ? 0u : PG_buddy))
			state_bad(w, pfn + i,
				  i ? "a free tail page has flags"
				    : "a free block's head is not (only) PG_buddy");
		else if (p->order != (i ? 0u : order))
			state_bad(w, pfn + i, "a free page with the wrong order");
		else if (p->_refcount || p->pgclass)
			state_bad(w, pfn + i, "a free page keeps a reference or a class");
		else if (p->slab_cache || p->s_mem || p->freelist)
			state_bad(w, pfn + i, "a free page keeps its slab fields");
	}
}

/* A block parked on a CPU's list is free to everyone but its CPU: its
 * head says PG_pcp and its order, and nothing of its last owner. */
static void parked_state(struct state_walk *w, unsigned long pfn, unsigned int order)
{
	for (unsigned long i = 0; i < (1ul << order) && !w->bad; i++) {
		const struct page *p = pfn_to_page(pfn + i);

		if (p->flags != (i ? 0u : PG_pcp) || p->order != (i ? 0u : order))
			state_bad(
				w, pfn + i,
				"a parked block's head is not (only) PG_pcp and its order, or a tail has flags");
		else if (p->head || p->_refcount || p->pgclass || p->slab_cache || p->s_mem ||
			 p->freelist)
			state_bad(w, pfn + i, "a parked page keeps something of its last owner");
		else if (!free_page_poisoned(pfn + i))
			state_bad(
				w, pfn + i,
				"a parked page is not poisoned (a use after free would go unseen)");
	}
}

static void allocated_state(void *arg, unsigned long pfn, unsigned int order, unsigned int cls)
{
	struct state_walk *w = arg;
	const struct page *h = pfn_to_page(pfn);

	if (cls == CLS_PCP) {
		parked_state(w, pfn, order);
		return;
	}
	if (!(h->flags & PG_head) || (h->flags & (PG_buddy | PG_tail)))
		state_bad(w, pfn, "an allocated block's head is not PG_head alone");
	else if (h->order != order || h->pgclass != cls || h->_refcount < 1)
		state_bad(w, pfn,
			  "an allocated block's head has the wrong order, class or no reference");
	for (unsigned long i = 1; i < (1ul << order) && !w->bad; i++) {
		const struct page *p = pfn_to_page(pfn + i);

		/* Tails are marked only in compound blocks, and then point home. */
		if ((p->flags & ~PG_tail) || ((p->flags & PG_tail) && p->head != h))
			state_bad(w, pfn + i,
				  "a tail page of an allocated block has a flag "
				  "other than PG_tail, or points at another head");
	}
}

void oracle_page_state(struct exec *e)
{
	struct state_walk w = { .e = e };

	bm_for_each_free(e->model, free_state, &w);
	if (!w.bad)
		bm_for_each_allocated(e->model, allocated_state, &w);
	if (w.bad) {
		diverge(e, "buddy.page-state",
			"every struct page as its block (free or allocated) says");
		diverge_actual(e, "%s", w.why);
	}
}

struct leak_state {
	struct exec *e;
	unsigned long count, claimed;
	unsigned long first_pfn;
	unsigned int first_order, first_cls;
};

static void count_leak(void *arg, unsigned long pfn, unsigned int order, unsigned int cls)
{
	struct leak_state *l = arg;

	if (cls == CLS_CLAIMED) {
		l->claimed++;
		return;
	}
	if (cls == CLS_PCP) /* free, to its CPU */
		return;
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
		diverge_actual(e,
			       "%lu block(s) still allocated; the first: %s, order %u at pfn "
			       "offset %lu",
			       l.count, page_class_name(l.first_cls), l.first_order,
			       l.first_pfn - e->arena.base_pfn);
		return;
	}
	oracle_free_counts(e);
	if (!diverged(e))
		oracle_free_lists(e);
}
