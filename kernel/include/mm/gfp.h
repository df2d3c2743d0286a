#ifndef MMRIG_MM_GFP_H
#define MMRIG_MM_GFP_H

#include "../types.h"

#define __GFP_ZERO 0x01u   /* return zeroed memory */
#define __GFP_COMP 0x02u   /* compound block: tail pages point at the head */
#define __GFP_NOWARN 0x04u /* failure is expected; do not print */
/* May dip into part of the min watermark's reserve (Linux ALLOC_MIN_RESERVE). */
#define __GFP_HIGH 0x08u
/* Only ZONE_DMA32 will do: the device behind the caller addresses 32 bits. */
#define __GFP_DMA32 0x10u
/* Give up after the first pass below the min watermark (no retry). */
#define __GFP_NORETRY 0x20u
/* Never fails: the allocator goes into the reserves, then panics (mm/page_alloc.c). */
#define __GFP_NOFAIL 0x40u
/* The caller may sleep; without it the allocation is non-blocking and is
 * allowed a little further into the reserve when __GFP_HIGH is set too. */
#define __GFP_DIRECT_RECLAIM 0x80u
#define __GFP_FLAGS_MASK 0xffu
/* Mobility, above the class field: neither bit is MIGRATE_UNMOVABLE; the
 * bit values are the enum's, so the type is a shift away (page.h). */
#define __GFP_MOVABLE 0x1000u
#define __GFP_RECLAIMABLE 0x2000u
#define GFP_MOVABLE_SHIFT 12
#define GFP_MOVABLE_MASK (__GFP_MOVABLE | __GFP_RECLAIMABLE)

#define GFP_KERNEL __GFP_DIRECT_RECLAIM
#define GFP_ATOMIC __GFP_HIGH
#define GFP_NOWAIT 0u
#define GFP_DMA32 (GFP_KERNEL | __GFP_DMA32)
#define GFP_HIGHUSER_MOVABLE (GFP_KERNEL | __GFP_MOVABLE)

/* Caller class, carried in the gfp word so every page-block tracepoint can
 * say who asked (a leak report then names the subsystem, not an address). */
enum page_class {
	PGC_KERNEL = 0,        /* direct alloc_pages() by kernel code */
	PGC_HARNESS = 1,       /* the test harness, through the allocator interface */
	PGC_SLAB = 2,          /* slab pages of a kmem_cache */
	PGC_KMALLOC_LARGE = 3, /* kmalloc() above the largest size class */
	PGC_PGTABLE = 4,       /* page-table pages */
	PGC_COW = 5,           /* copy-on-write copies */
	PGC_USER = 6,          /* demand-paged user memory */
	PGC_SOURCE = 7,        /* pages handed to a plugged byte allocator */
	PGC_VMALLOC = 8,       /* pages of vmalloc areas */
	NR_PAGE_CLASSES = 9,
};

#define GFP_CLASS_SHIFT 8
#define GFP_CLASS_MASK (0xfu << GFP_CLASS_SHIFT)
#define GFP_CLASS(c) ((gfp_t)(c) << GFP_CLASS_SHIFT)
#define gfp_class(gfp) (((gfp)&GFP_CLASS_MASK) >> GFP_CLASS_SHIFT)

const char *page_class_name(unsigned int pgc);

#endif
