/* A toy buddy allocator behind the page_allocator interface: a second,
 * deliberately naive implementation (linear scans, no lists) whose
 * variants each plant one bug for the oracle self-tests. The correct
 * variant shows that page-level programs run against any allocator. */
#include <stdlib.h>
#include <string.h>

#include "allocator.h"

enum toy_bug {
	BUG_NONE,
	BUG_OVERLAP,     /* every 3rd order-0 request returns the previous block again */
	BUG_NOCOALESCE,  /* freed blocks never merge with their buddy */
	BUG_SPURIOUS,    /* requests of order >= 4 fail although memory is free */
	BUG_BADCOUNT,    /* a split forgets to count its order-0 remainder */
	BUG_SCRIBBLE,    /* free writes a link word into the buddy, live or not */
};

static struct {
	enum toy_bug bug;
	unsigned long base, nr;
	signed char *free_order;  /* per page: order of the free block it heads, or -1 */
	unsigned long counts[NR_PAGE_ORDERS];
	unsigned long order0_allocs;
	void *last_order0;
} toy;

static void *addr_of(unsigned long pfn) { return (void *)(uintptr_t)(pfn << PAGE_SHIFT); }

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

static int toy_init(struct host_arena *a)
{
	free(toy.free_order);
	toy.free_order = malloc(a->nr_pfns);
	if (!toy.free_order)
		return -1;
	memset(toy.free_order, -1, a->nr_pfns);
	memset(toy.counts, 0, sizeof(toy.counts));
	toy.base = a->base_pfn;
	toy.nr = a->nr_pfns;
	toy.order0_allocs = 0;
	toy.last_order0 = NULL;
	for (int r = 0; r < a->nr_usable; r++) {
		unsigned long p = a->usable[r].start_pfn, end = a->usable[r].end_pfn;

		while (p < end) {
			unsigned int o = MAX_ORDER;
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
	if (order > MAX_ORDER || (toy.bug == BUG_SPURIOUS && order >= 4))
		return NULL;
	if (toy.bug == BUG_OVERLAP && order == 0 && ++toy.order0_allocs % 3 == 0 &&
	    toy.last_order0)
		return toy.last_order0;
	for (unsigned int o = order; o <= MAX_ORDER; o++) {
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

	if (toy.bug == BUG_SCRIBBLE && order < MAX_ORDER)
		memset(addr_of(toy.base + (off ^ (1ul << order))), 0x5a, 8);
	while (order < MAX_ORDER && toy.bug != BUG_NOCOALESCE) {
		unsigned long buddy = off ^ (1ul << order);

		if (buddy >= toy.nr || toy.free_order[buddy] != (signed char)order)
			break;
		take_free(buddy);
		off &= ~(1ul << order);
		order++;
	}
	put_free(off, order);
}

static bool toy_free_counts(unsigned long counts[NR_PAGE_ORDERS])
{
	memcpy(counts, toy.counts, sizeof(toy.counts));
	return true;
}

static int toy_walk_free(struct free_walk *w)
{
	w->error[0] = '\0';
	for (unsigned long off = 0; off < toy.nr; off++)
		if (toy.free_order[off] >= 0)
			w->block(w, toy.base + off, (unsigned int)toy.free_order[off]);
	return 0;
}

#define TOY_INIT(variant, bugval)                                   \
	static int toy_init_##variant(struct host_arena *a)          \
	{                                                            \
		toy.bug = bugval;                                    \
		return toy_init(a);                                  \
	}
TOY_INIT(ok, BUG_NONE)
TOY_INIT(overlap, BUG_OVERLAP)
TOY_INIT(nocoalesce, BUG_NOCOALESCE)
TOY_INIT(spurious, BUG_SPURIOUS)
TOY_INIT(badcount, BUG_BADCOUNT)
TOY_INIT(scribble, BUG_SCRIBBLE)

#define TOY(variant, nm, text)                                             \
	static const struct page_allocator toy_##variant = {               \
		.name = nm, .summary = text, .traced = false,               \
		.init = toy_init_##variant, .alloc = toy_alloc, .free = toy_free, \
		.free_counts = toy_free_counts, .walk_free = toy_walk_free, \
	};
TOY(ok, "toy", "naive buddy allocator (test double, correct)")
TOY(overlap, "toy-overlap", "planted bug: hands out a live block again")
TOY(nocoalesce, "toy-nocoalesce", "planted bug: never coalesces")
TOY(spurious, "toy-spurious", "planted bug: fails order >= 4 with memory free")
TOY(badcount, "toy-badcount", "planted bug: split miscounts the order-0 half")
TOY(scribble, "toy-scribble", "planted bug: free writes into the buddy block")

const struct page_allocator *mmrig_extra_allocators[] = {
	&toy_ok, &toy_overlap, &toy_nocoalesce, &toy_spurious, &toy_badcount, &toy_scribble, NULL,
};
