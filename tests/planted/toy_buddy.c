/* A toy buddy allocator behind the page_allocator interface: a second,
 * deliberately naive implementation (linear scans, no lists) whose
 * variants each plant one bug for the oracle self-tests. The correct
 * variant shows that page-level programs run against any allocator. */
#include <stdlib.h>
#include <string.h>

#include "mmrig_page.h"

#define TOY_MAX_ORDER 10
#define PAGE_SHIFT MMRIG_PAGE_SHIFT
#define PAGE_SIZE MMRIG_PAGE_SIZE

enum toy_bug {
	BUG_NONE,
	BUG_OVERLAP,    /* every 3rd order-0 request returns the previous block again */
	BUG_NOCOALESCE, /* freed blocks never merge with their buddy */
	BUG_SPURIOUS,   /* requests of order >= 4 fail although memory is free */
	BUG_BADCOUNT,   /* a split forgets to count its order-0 remainder */
	BUG_SCRIBBLE,   /* free writes a link word into the buddy, live or not */
};

static struct {
	enum toy_bug bug;
	unsigned long base, nr;
	signed char *free_order; /* per page: order of the free block it heads, or -1 */
	unsigned long counts[TOY_MAX_ORDER + 1];
	unsigned long order0_allocs;
	void *last_order0;
} toy;

static void *addr_of(unsigned long pfn)
{
	return (void *)(uintptr_t)(pfn << PAGE_SHIFT);
}

static void put_free(unsigned long off, unsigned int order)
{
	toy.free_order[off] = (signed char)order;
	toy.counts[order]++;
}

static void take_free(unsigned long off)
{
	toy.counts[toy.free_order[off]]--;
	toy.free_order[off] = -1;
}

/* The span from the first range's start, rounded down to a top-order
 * block, to the last one's end: buddies are found by xor within it. */
static int toy_init(const struct mmrig_range *ranges, int nr)
{
	unsigned long lo = ~0ul, hi = 0;

	for (int r = 0; r < nr; r++) {
		unsigned long s = ranges[r].start >> PAGE_SHIFT;
		unsigned long e = (ranges[r].start + ranges[r].len) >> PAGE_SHIFT;
		lo = s < lo ? s : lo;
		hi = e > hi ? e : hi;
	}
	lo &= ~((1ul << TOY_MAX_ORDER) - 1);
	free(toy.free_order);
	toy.free_order = malloc(hi - lo);
	if (!toy.free_order)
		return -1;
	memset(toy.free_order, -1, hi - lo);
	memset(toy.counts, 0, sizeof(toy.counts));
	toy.base = lo;
	toy.nr = hi - lo;
	toy.order0_allocs = 0;
	toy.last_order0 = NULL;
	for (int r = 0; r < nr; r++) {
		unsigned long p = ranges[r].start >> PAGE_SHIFT;
		unsigned long end = (ranges[r].start + ranges[r].len) >> PAGE_SHIFT;

		while (p < end) {
			unsigned int o = TOY_MAX_ORDER;
			while (o && ((p & ((1ul << o) - 1)) || p + (1ul << o) > end))
				o--;
			put_free(p - toy.base, o);
			p += 1ul << o;
		}
	}
	return 0;
}

static void *toy_alloc(unsigned int order, bool zero)
{
	if (order > TOY_MAX_ORDER || (toy.bug == BUG_SPURIOUS && order >= 4))
		return NULL;
	if (toy.bug == BUG_OVERLAP && order == 0 && ++toy.order0_allocs % 3 == 0 && toy.last_order0)
		return toy.last_order0;
	for (unsigned int o = order; o <= TOY_MAX_ORDER; o++) {
		for (unsigned long off = 0; off < toy.nr; off += 1ul << o) {
			if (toy.free_order[off] != (signed char)o)
				continue;
			take_free(off);
			while (o > order) {
				o--;
				if (!(toy.bug == BUG_BADCOUNT && o == 0))
					put_free(off + (1ul << o), o);
				else
					toy.free_order[off + 1] = 0;
			}
			void *p = addr_of(toy.base + off);
			if (zero)
				memset(p, 0, PAGE_SIZE << order);
			if (order == 0)
				toy.last_order0 = p;
			return p;
		}
	}
	return NULL;
}

static void toy_free(void *block, unsigned int order)
{
	unsigned long off = ((uintptr_t)block >> PAGE_SHIFT) - toy.base;

	if (toy.bug == BUG_SCRIBBLE && order < TOY_MAX_ORDER)
		memset(addr_of(toy.base + (off ^ (1ul << order))), 0x5a, 8);
	while (order < TOY_MAX_ORDER && toy.bug != BUG_NOCOALESCE) {
		unsigned long buddy = off ^ (1ul << order);

		if (buddy >= toy.nr || toy.free_order[buddy] != (signed char)order)
			break;
		take_free(buddy);
		off &= ~(1ul << order);
		order++;
	}
	put_free(off, order);
}

static bool toy_free_counts(unsigned long *counts)
{
	memcpy(counts, toy.counts, sizeof(toy.counts));
	return true;
}

static int toy_walk_free(struct mmrig_free_walk *w)
{
	w->error[0] = '\0';
	for (unsigned long off = 0; off < toy.nr; off++)
		if (toy.free_order[off] >= 0)
			w->block(w, (toy.base + off) << PAGE_SHIFT,
				 (unsigned int)toy.free_order[off]);
	return 0;
}

#define TOY_INIT(variant, bugval)                                         \
	static int toy_init_##variant(const struct mmrig_range *r, int n) \
	{                                                                 \
		toy.bug = bugval;                                         \
		return toy_init(r, n);                                    \
	}
TOY_INIT(ok, BUG_NONE)
TOY_INIT(overlap, BUG_OVERLAP)
TOY_INIT(nocoalesce, BUG_NOCOALESCE)
TOY_INIT(spurious, BUG_SPURIOUS)
TOY_INIT(badcount, BUG_BADCOUNT)
TOY_INIT(scribble, BUG_SCRIBBLE)

#define TOY(variant, nm, text)                                        \
	MMRIG_PAGE_ALLOCATOR(toy_##variant) = {                       \
		.name = nm,                                           \
		.summary = text,                                      \
		.guarantees = MMRIG_PG_ALIGNED | MMRIG_PG_CANONICAL | \
			      MMRIG_PG_NO_SPURIOUS_FAILURE,           \
		.max_order = TOY_MAX_ORDER,                           \
		.init = toy_init_##variant,                           \
		.alloc = toy_alloc,                                   \
		.free = toy_free,                                     \
		.free_counts = toy_free_counts,                       \
		.walk_free = toy_walk_free,                           \
	};
TOY(ok, "toy", "naive buddy allocator (test double, correct)")
TOY(overlap, "toy-overlap", "planted bug: hands out a live block again")
TOY(nocoalesce, "toy-nocoalesce", "planted bug: never coalesces")
TOY(spurious, "toy-spurious", "planted bug: fails order >= 4 with memory free")
TOY(badcount, "toy-badcount", "planted bug: split miscounts the order-0 half")
TOY(scribble, "toy-scribble", "planted bug: free writes into the buddy block")
