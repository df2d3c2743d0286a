/* page_template.c: a small page allocator to copy and replace with yours.
 *
 * A binary buddy allocator whose only metadata is one byte per page (the
 * order of the free block that page heads, or TP_NOT_FREE) plus a few
 * counters. Allocation scans that map; there are no free lists. It is slow
 * for big memories and that is fine: what it shows is the contract
 * (allocators/include/mmrig_page.h, docs/your-allocator.md), and it is
 * correct, so a seed that fails against it points at the rig, not at it.
 *
 * Only mmrig_page.h is included: an adapter sees none of the rig's or the
 * kernel's headers, and its symbols are made local to its directory, so
 * these function names may be whatever your allocator already uses. */
#include <string.h>

#include "mmrig_page.h"

/* The rig's kernel serves orders 0..10 and the model is built for that:
 * max_order may be lower, never higher (the rig refuses to start). */
#define TP_MAX_ORDER 10
#define TP_NOT_FREE ((signed char)-1)

/* The metadata lives INSIDE the memory being managed, at the start of the
 * largest range, and those pages are claimed (mmrig_claim) so the rig's
 * model knows they are neither free nor handed out. An allocator that
 * keeps its state in static storage or in malloc'd memory works too; one
 * that keeps it in the managed memory MUST claim it, or the first block
 * handed out over it is reported as overlapping free memory's owner. */
struct tp_meta {
	unsigned long base_pfn; /* first page of the span the map covers */
	unsigned long nr_pages; /* pages in the span, holes included */
	unsigned long free_pages;
	unsigned long counts[TP_MAX_ORDER + 1]; /* free blocks per order */
	signed char order[];                    /* per page of the span */
};

/* The one static: a pointer, re-set by every init. Nothing else may
 * survive from one program to the next (init is called before each). */
static struct tp_meta *tp;

static void *addr_of(unsigned long pfn)
{
	return (void *)(uintptr_t)(pfn << MMRIG_PAGE_SHIFT);
}

static unsigned long pfn_of(const void *p)
{
	return (unsigned long)((uintptr_t)p >> MMRIG_PAGE_SHIFT);
}

static void mark_free(unsigned long pfn, unsigned int order)
{
	tp->order[pfn - tp->base_pfn] = (signed char)order;
	tp->counts[order]++;
	tp->free_pages += 1ul << order;
}

static void unmark_free(unsigned long pfn)
{
	unsigned int order = (unsigned int)tp->order[pfn - tp->base_pfn];

	tp->order[pfn - tp->base_pfn] = TP_NOT_FREE;
	tp->counts[order]--;
	tp->free_pages -= 1ul << order;
}

/* Is pfn the head of a free block of exactly this order? Pages outside the
 * span (holes between ranges, memory before the first one) never are. */
static bool is_free_head(unsigned long pfn, unsigned int order)
{
	if (pfn < tp->base_pfn || pfn - tp->base_pfn >= tp->nr_pages)
		return false;
	return tp->order[pfn - tp->base_pfn] == (signed char)order;
}

/* Frees [pfn, end) as the largest aligned blocks that fit. This greedy
 * cut is exactly the canonical buddy form the model expects at boot when
 * MMRIG_PG_CANONICAL is declared: a block never crosses a range's edge,
 * and two free buddies are always one block of the next order. */
static void free_run(unsigned long pfn, unsigned long end)
{
	while (pfn < end) {
		unsigned int o = TP_MAX_ORDER;

		while (o && ((pfn & ((1ul << o) - 1)) || pfn + (1ul << o) > end))
			o--;
		mark_free(pfn, o);
		pfn += 1ul << o;
	}
}

/* Called before EVERY program, on memory the rig has just zeroed. Whatever
 * the last program left (it may have stopped half-way, at a finding) is
 * simply forgotten: rebuild everything from the ranges given. */
static int tp_init(const struct mmrig_range *ranges, int nr)
{
	unsigned long lo = ~0ul, hi = 0, meta_pages;
	size_t meta_bytes;
	int big = -1;

	for (int i = 0; i < nr; i++) {
		unsigned long s = ranges[i].start >> MMRIG_PAGE_SHIFT;
		unsigned long e = s + (ranges[i].len >> MMRIG_PAGE_SHIFT);

		lo = s < lo ? s : lo;
		hi = e > hi ? e : hi;
		if (big < 0 || ranges[i].len > ranges[big].len)
			big = i;
	}
	if (big < 0)
		return -1;
	meta_bytes = sizeof(struct tp_meta) + (hi - lo);
	meta_pages = (meta_bytes + MMRIG_PAGE_SIZE - 1) >> MMRIG_PAGE_SHIFT;
	if (meta_pages >= ranges[big].len >> MMRIG_PAGE_SHIFT)
		return -1; /* the run stops with harness.init: say so, don't guess */

	/* Claim before use, whole pages, inside a range given, and only here:
	 * the rig refuses claims made outside init. */
	if (mmrig_claim(ranges[big].start, meta_pages << MMRIG_PAGE_SHIFT))
		return -1;
	tp = (struct tp_meta *)ranges[big].start;
	memset(tp, 0, sizeof(*tp));
	tp->base_pfn = lo;
	tp->nr_pages = hi - lo;
	memset(tp->order, (unsigned char)TP_NOT_FREE, hi - lo);

	for (int i = 0; i < nr; i++) {
		unsigned long s = ranges[i].start >> MMRIG_PAGE_SHIFT;
		unsigned long e = s + (ranges[i].len >> MMRIG_PAGE_SHIFT);

		if (i == big)
			s += meta_pages; /* the claimed pages are never free */
		free_run(s, e);
	}
	return 0;
}

/* The lowest free block of the smallest order that fits, split down. The
 * search covers every order up to the top, so a request fails only when
 * no free block of that order or above exists: that is the honest basis
 * of MMRIG_PG_NO_SPURIOUS_FAILURE below. */
static void *tp_alloc(unsigned int order, bool zero)
{
	if (order > TP_MAX_ORDER)
		return NULL; /* required: above max_order must fail */
	for (unsigned int o = order; o <= TP_MAX_ORDER; o++) {
		unsigned long step = 1ul << o;
		/* Blocks are aligned to their size in absolute pfns, so the
		 * scan starts at the first aligned page of the span. */
		unsigned long pfn = (tp->base_pfn + step - 1) & ~(step - 1);

		for (; pfn < tp->base_pfn + tp->nr_pages; pfn += step) {
			if (!is_free_head(pfn, o))
				continue;
			unmark_free(pfn);
			/* Split: keep the low half, free the high half. */
			while (o > order) {
				o--;
				mark_free(pfn + (1ul << o), o);
			}
			/* The rig checks zero blocks byte by byte; a free block
			 * holds whatever the last owner wrote. */
			if (zero)
				memset(addr_of(pfn), 0, MMRIG_PAGE_SIZE << order);
			return addr_of(pfn);
		}
	}
	return NULL;
}

/* Frees and coalesces eagerly, as MMRIG_PG_CANONICAL promises. The rig
 * never frees a block twice nor one it did not get, so the checks below
 * can only fire when this allocator's own state is wrong: reporting it
 * with MMRIG_ALLOC_ERROR turns silent corruption into a clear finding,
 * "alloc.error in tp_free [template-page]". */
static void tp_free(void *block, unsigned int order)
{
	unsigned long pfn = pfn_of(block);

	if (order > TP_MAX_ORDER || (pfn & ((1ul << order) - 1)) || pfn < tp->base_pfn ||
	    pfn - tp->base_pfn + (1ul << order) > tp->nr_pages) {
		MMRIG_ALLOC_ERROR("free of a block this allocator cannot have made "
				  "(pfn %#lx, order %u)",
				  pfn, order);
		return;
	}
	if (tp->order[pfn - tp->base_pfn] != TP_NOT_FREE) {
		MMRIG_ALLOC_ERROR("block at pfn %#lx freed while already free", pfn);
		return;
	}
	while (order < TP_MAX_ORDER) {
		unsigned long buddy = pfn ^ (1ul << order);

		if (!is_free_head(buddy, order))
			break;
		unmark_free(buddy);
		pfn &= ~(1ul << order);
		order++;
	}
	mark_free(pfn, order);
}

/* The three optional views below are what lets the rig compare this
 * allocator's free structure with its model, not just the blocks it
 * returns. Leave out what your allocator cannot report. */
static bool tp_free_counts(unsigned long *counts)
{
	memcpy(counts, tp->counts, sizeof(tp->counts));
	return true;
}

static unsigned long tp_free_total(void)
{
	return tp->free_pages;
}

static int tp_walk_free(struct mmrig_free_walk *w)
{
	for (unsigned long i = 0; i < tp->nr_pages; i++)
		if (tp->order[i] != TP_NOT_FREE)
			w->block(w, (tp->base_pfn + i) << MMRIG_PAGE_SHIFT,
				 (unsigned int)tp->order[i]);
	return 0;
}

/* The name is what --allocator selects; it must differ from every other
 * allocator in the build (the tools refuse to start on a duplicate), so a
 * second version of this allocator in another directory needs its own. */
MMRIG_PAGE_ALLOCATOR(template_page) = {
	.name = "template-page",
	.summary = "template buddy allocator, metadata in claimed pages (allocators/template)",
	/* Declare only what is true: each flag switches an oracle on. */
	.guarantees = MMRIG_PG_ALIGNED | MMRIG_PG_CANONICAL | MMRIG_PG_NO_SPURIOUS_FAILURE,
	.max_order = TP_MAX_ORDER,
	.max_ranges = 0, /* the span map handles any number of ranges */
	.init = tp_init,
	.alloc = tp_alloc,
	.free = tp_free,
	/* get/put left NULL: the rig counts references and calls free once. */
	.free_counts = tp_free_counts,
	.free_total = tp_free_total,
	.walk_free = tp_walk_free,
};
