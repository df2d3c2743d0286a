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

/* [start, end) in pfns from the arena's base, appended to one of its lists. */
static void add_range(struct mem_range *list, int *n, unsigned long base_pfn, unsigned long start,
		      unsigned long end)
{
	list[*n].start_pfn = base_pfn + start;
	list[*n].end_pfn = base_pfn + end;
	(*n)++;
}

int host_arena_layout(struct host_arena *a, unsigned long nr, unsigned int align_order,
		      const struct mem_range *holes, int nr_holes, unsigned long nr_dma32)
{
	struct host_arena next = *a;
	unsigned long meta, first, start, bank;

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
	next.nr_early_pfns = 1 + align_order % 4;
	next.nr_dma32_pfns = nr_dma32 == 0 || nr_dma32 > nr ? nr : nr_dma32;
	next.nr_usable = next.nr_memory = next.nr_reserved = 0;
	memset(next.usable, 0, sizeof(next.usable));
	memset(next.memory, 0, sizeof(next.memory));
	memset(next.reserved, 0, sizeof(next.reserved));
	/* Firmware keeps the pages between mem_map and the first usable one. */
	add_range(next.reserved, &next.nr_reserved, next.base_pfn, meta, first);
	start = first;
	bank = 0;
	for (int i = 0, kept = 0; i < nr_holes; i++) {
		unsigned long hs = holes[i].start_pfn, he = holes[i].end_pfn;

		if (hs <= first)
			hs = first + 1;
		if (he > nr)
			he = nr;
		if (hs < start)
			hs = start;
		if (hs >= he)
			continue;
		if (hs > start)
			add_range(next.usable, &next.nr_usable, next.base_pfn, start, hs);
		start = he;
		/* Both kinds of hole give the same free memory; memblock sees
		 * one as a gap between banks, the other as a reservation. */
		if (kept++ % 2 == 0) {
			if (hs > bank)
				add_range(next.memory, &next.nr_memory, next.base_pfn, bank, hs);
			bank = he;
		} else {
			add_range(next.reserved, &next.nr_reserved, next.base_pfn, hs, he);
		}
	}
	if (start < nr)
		add_range(next.usable, &next.nr_usable, next.base_pfn, start, nr);
	if (bank < nr)
		add_range(next.memory, &next.nr_memory, next.base_pfn, bank, nr);
	if (a->nr_pfns == next.nr_pfns && a->nr_early_pfns == next.nr_early_pfns &&
	    a->nr_dma32_pfns == next.nr_dma32_pfns && a->nr_usable == next.nr_usable &&
	    !memcmp(a->usable, next.usable, sizeof(next.usable)) &&
	    a->nr_memory == next.nr_memory &&
	    !memcmp(a->memory, next.memory, sizeof(next.memory)) &&
	    a->nr_reserved == next.nr_reserved &&
	    !memcmp(a->reserved, next.reserved, sizeof(next.reserved)))
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

	return host_arena_layout(a, nr, 0, &hole, nr >= (2UL << MAX_ORDER) ? 1 : 0, 0);
}
