/* The arena's memory map for one geometry, shared by the hosted arena and
 * the in-kernel replay's (harness/targets/riscv-replay/ram.c): the same
 * geometry must give the same usable ranges, or the two builds' runs (and
 * digests) would differ for no bug. */
#include "host.h"
#include "host_internal.h"
#include "lib.h"

/* Reserved pages between mem_map and the first usable page, so that even
 * the smallest start alignment leaves the start off mem_map's end. */
#define META_GAP_PFNS 3
/* The hole of the default layout, half-way in (firmware, MMIO...). */
#define DEFAULT_HOLE_PFNS 7
#define DEFAULT_HOLE_OFFSET 13

static unsigned long first_usable(unsigned long meta, unsigned int order)
{
	unsigned long unit = 1UL << order, first = ALIGN_UP(meta + META_GAP_PFNS, unit);

	/* Aligned to exactly unit: a start aligned to more would exercise the
	 * larger alignment instead, never the partial blocks of this one. */
	if (order < MAX_ORDER && IS_ALIGNED(first, unit << 1))
		first += unit;
	return first;
}

static void add_range(struct host_arena *a, unsigned long start, unsigned long end)
{
	a->usable[a->nr_usable].start_pfn = a->base_pfn + start;
	a->usable[a->nr_usable].end_pfn = a->base_pfn + end;
	a->nr_usable++;
}

int host_arena_layout(struct host_arena *a, unsigned long nr, unsigned int align_order,
		      const struct mem_range *holes, int nr_holes)
{
	struct host_arena next = *a;
	unsigned long meta, first, start;

	if (nr == 0 || nr > a->cap_pfns || align_order > MAX_ORDER || nr_holes < 0 ||
	    nr_holes > HOST_MAX_HOLES)
		return -1;
	meta = (nr * sizeof(struct page) + PAGE_SIZE - 1) / PAGE_SIZE;
	first = first_usable(meta, align_order);
	if (first >= nr)
		return -1;
	next.nr_pfns = nr;
	next.size = nr << PAGE_SHIFT;
	next.nr_meta_pfns = meta;
	next.nr_usable = 0;
	memset(next.usable, 0, sizeof(next.usable));
	start = first;
	for (int i = 0; i < nr_holes; i++) {
		unsigned long hs = holes[i].start_pfn, he = holes[i].end_pfn;

		if (hs <= first)
			hs = first + 1;
		if (he > nr)
			he = nr;
		if (hs >= he)
			continue;
		if (hs > start)
			add_range(&next, start, hs);
		if (he > start)
			start = he;
	}
	if (start < nr)
		add_range(&next, start, nr);
	if (a->nr_pfns == next.nr_pfns && a->nr_usable == next.nr_usable &&
	    !memcmp(a->usable, next.usable, sizeof(next.usable)))
		return 0;
	if (a->nr_pfns)
		host_arena_forget(a, nr);
	next.poisoned = a->poisoned;
	*a = next;
	return 0;
}

int host_arena_layout_default(struct host_arena *a, unsigned long nr)
{
	struct mem_range hole = { nr / 2 + DEFAULT_HOLE_OFFSET,
				  nr / 2 + DEFAULT_HOLE_OFFSET + DEFAULT_HOLE_PFNS };

	return host_arena_layout(a, nr, 0, &hole, nr >= (2UL << MAX_ORDER) ? 1 : 0);
}
