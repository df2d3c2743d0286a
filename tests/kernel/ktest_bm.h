/* The kernel unit tests that run the kernel against the buddy model on
 * random geometries: lay the arena out, boot, and start the model from
 * the same usable pages, split at the same zone line. */
#ifndef MMRIG_KTEST_BM_H
#define MMRIG_KTEST_BM_H

#include "buddy_model.h"
#include "ktest.h"

/* 0, or -1 when the geometry does not fit the arena's mapping. */
static inline int ktest_layout_with_model(struct buddy_model *bm, unsigned long pages,
					  unsigned int align_order, const struct mem_range *holes,
					  int nr_holes, unsigned long dma32)
{
	struct bm_range usable[HOST_MAX_RANGES];

	if (host_arena_layout(&ktest_arena, pages, align_order, holes, nr_holes, dma32))
		return -1;
	host_mm_reset(&ktest_arena);
	for (int i = 0; i < ktest_arena.nr_usable; i++)
		usable[i] = (struct bm_range){ ktest_arena.usable[i].start_pfn,
					       ktest_arena.usable[i].end_pfn };
	bm_set_split(bm, ktest_arena.base_pfn + ktest_arena.nr_dma32_pfns);
	bm_reset(bm, usable, ktest_arena.nr_usable);
	return 0;
}

#endif
