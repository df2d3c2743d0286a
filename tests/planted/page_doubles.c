/* A first-fit page allocator that keeps its metadata inside the memory it
 * manages and has no "reserve" call, written only against mmrig_page.h:
 * one state byte per page at the start of its range, claimed at init.
 * Blocks are page-aligned runs, not buddies, so it declares no alignment
 * and no canonical structure, only that it fails when no run is free.
 * Its variants plant the bugs such an allocator is known for. */
#include <string.h>

#include "mmrig_page.h"

#define FF_MAX_ORDER 10

enum { FREE = 0, HEAD = 1, TAIL = 2 };

enum bug {
	BUG_NONE,
	BUG_SHORT,        /* the run search accepts one page too few */
	BUG_PUT_EARLY,    /* put frees when the count drops to one: a later put frees twice */
	BUG_NO_CLAIM,     /* init keeps its metadata pages without claiming them */
	BUG_CLAIM_EACH,   /* each metadata array claimed rounded out to pages: they share one */
	BUG_ALIGNED_SCAN, /* the search only tries runs starting at a multiple of their size */
};

static struct {
	enum bug bug;
	unsigned char *state; /* per page, inside the managed memory */
	unsigned char *order; /* per page: the order of the run it heads */
	unsigned char *refs;  /* per page: references to the run it heads */
	uintptr_t base;
	size_t nr;
} ff;

static size_t page_of(const void *p)
{
	return ((uintptr_t)p - ff.base) >> MMRIG_PAGE_SHIFT;
}

/* The metadata takes the first pages of the one range it is given, and
 * those pages are claimed so the rig leaves them out of the free memory. */
static int ff_init(const struct mmrig_range *r, int n)
{
	size_t meta, meta_pages;

	if (n != 1)
		return -1;
	ff.base = r[0].start;
	ff.nr = r[0].len >> MMRIG_PAGE_SHIFT;
	meta = 3 * ff.nr;
	meta_pages = (meta + MMRIG_PAGE_SIZE - 1) / MMRIG_PAGE_SIZE;
	ff.state = (unsigned char *)ff.base;
	ff.order = ff.state + ff.nr;
	ff.refs = ff.order + ff.nr;
	memset(ff.state, FREE, meta);
	for (size_t i = 0; i < meta_pages; i++)
		ff.state[i] = HEAD;
	if (ff.bug == BUG_NO_CLAIM)
		return 0;
	if (ff.bug == BUG_CLAIM_EACH) {
		uintptr_t arrays[3] = { (uintptr_t)ff.state, (uintptr_t)ff.order,
					(uintptr_t)ff.refs };

		for (int a = 0; a < 3; a++) {
			uintptr_t lo = arrays[a] & ~(uintptr_t)(MMRIG_PAGE_SIZE - 1);
			uintptr_t hi = (arrays[a] + ff.nr + MMRIG_PAGE_SIZE - 1) &
				       ~(uintptr_t)(MMRIG_PAGE_SIZE - 1);
			if (mmrig_claim(lo, hi - lo))
				return -1;
		}
		return 0;
	}
	return mmrig_claim(ff.base, meta_pages * MMRIG_PAGE_SIZE);
}

static void *ff_alloc(unsigned int order, bool zero)
{
	size_t want = (size_t)1 << order, run = 0;

	if (order > FF_MAX_ORDER)
		return NULL;
	if (ff.bug == BUG_SHORT && want > 1)
		want--;
	for (size_t i = 0; i < ff.nr; i++) {
		if (ff.bug == BUG_ALIGNED_SCAN && i % want == 0)
			run = 0;
		run = ff.state[i] == FREE ? run + 1 : 0;
		if (run < want)
			continue;
		size_t first = i + 1 - run;

		ff.state[first] = HEAD;
		for (size_t k = first + 1; k < first + run; k++)
			ff.state[k] = TAIL;
		ff.order[first] = (unsigned char)order;
		ff.refs[first] = 1;
		void *p = (void *)(ff.base + first * MMRIG_PAGE_SIZE);
		if (zero)
			memset(p, 0, MMRIG_PAGE_SIZE << order);
		return p;
	}
	return NULL;
}

static void release(size_t first, unsigned int order)
{
	if (first >= ff.nr || ff.state[first] != HEAD || ff.order[first] != order) {
		MMRIG_ALLOC_ERROR("release of page %zu, which heads no order-%u run", first, order);
		return;
	}
	for (size_t k = first; k < first + ((size_t)1 << order); k++)
		ff.state[k] = FREE;
}

/* free and put both drop a reference, as Linux's __free_pages does. */
static void ff_free(void *block, unsigned int order)
{
	size_t first = page_of(block);
	unsigned int left = first < ff.nr ? --ff.refs[first] : 0;

	if (left == 0 || (ff.bug == BUG_PUT_EARLY && left == 1))
		release(first, order);
}

static void ff_get(void *block)
{
	ff.refs[page_of(block)]++;
}

static void ff_put(void *block)
{
	size_t first = page_of(block);

	ff_free(block, first < ff.nr ? ff.order[first] : 0);
}

static unsigned long ff_free_total(void)
{
	unsigned long n = 0;

	for (size_t i = 0; i < ff.nr; i++)
		n += ff.state[i] == FREE;
	return n;
}

#define FF_INIT(variant, bugval)                                         \
	static int ff_init_##variant(const struct mmrig_range *r, int n) \
	{                                                                \
		ff.bug = bugval;                                         \
		return ff_init(r, n);                                    \
	}
FF_INIT(ok, BUG_NONE)
FF_INIT(short, BUG_SHORT)
FF_INIT(putearly, BUG_PUT_EARLY)
FF_INIT(noclaim, BUG_NO_CLAIM)
FF_INIT(claimeach, BUG_CLAIM_EACH)
FF_INIT(alignedscan, BUG_ALIGNED_SCAN)

#define FF(variant, nm, text)                               \
	MMRIG_PAGE_ALLOCATOR(ff_##variant) = {              \
		.name = nm,                                 \
		.summary = text,                            \
		.guarantees = MMRIG_PG_NO_SPURIOUS_FAILURE, \
		.max_order = FF_MAX_ORDER,                  \
		.max_ranges = 1,                            \
		.init = ff_init_##variant,                  \
		.alloc = ff_alloc,                          \
		.free = ff_free,                            \
		.get = ff_get,                              \
		.put = ff_put,                              \
		.free_total = ff_free_total,                \
	};
FF(ok, "firstfit", "first-fit runs, metadata inside its memory (test double, correct)")
FF(short, "firstfit-short", "planted bug: the run search accepts one page too few")
FF(putearly, "firstfit-putearly", "planted bug: put frees at one reference, then again")
FF(noclaim, "firstfit-noclaim", "planted bug: metadata pages kept without a claim")
FF(claimeach, "firstfit-claimeach", "planted bug: each metadata array claimed by whole pages")
FF(alignedscan, "firstfit-alignedscan", "planted bug: runs tried only at aligned starts")
