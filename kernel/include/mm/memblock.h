/* memblock: the boot-time view of physical memory, before the buddy
 * allocator exists. The arch adds the RAM it found and reserves what is
 * already in use (firmware, the kernel image, the device tree); early
 * allocations (the mem_map) are carved out of what is left, lowest first;
 * memblock_free_all() then hands every whole free page to the buddy. */
#ifndef MMRIG_MM_MEMBLOCK_H
#define MMRIG_MM_MEMBLOCK_H

#include "page.h"

/* Enough for a device tree's banks and reservations; the host arena needs
 * at most a handful. */
#define MEMBLOCK_MAX_REGIONS 32

struct memblock_region {
	phys_addr_t base;
	phys_addr_t size;
};

/* Sorted by base, disjoint, and never touching: adjacent or overlapping
 * additions are merged, so a range is one region however it was built. */
struct memblock_type {
	unsigned long cnt;
	phys_addr_t total_size;
	struct memblock_region regions[MEMBLOCK_MAX_REGIONS];
};

struct memblock {
	struct memblock_type memory;
	struct memblock_type reserved;
};

extern struct memblock memblock;

/* Forget everything: the start of every boot. */
void memblock_init(void);

/* 0, -EINVAL for an empty or wrapping range, -ENOSPC when a region would
 * not fit (nothing is changed then). */
int memblock_add(phys_addr_t base, phys_addr_t size);
int memblock_reserve(phys_addr_t base, phys_addr_t size);
/* Gives back part of a reservation (an early allocation no longer needed). */
int memblock_phys_free(phys_addr_t base, phys_addr_t size);

/* The lowest address, aligned to align (a power of two), where size bytes
 * of memory are free of reservations; reserved before returning. 0 when
 * nothing fits. Callers use the address as it is (the kernel's identity
 * map) and clear what they need cleared. */
phys_addr_t memblock_phys_alloc(phys_addr_t size, phys_addr_t align);

/* The whole pages of memory outside every reservation, in ascending pfn
 * order, into out (at most cap); returns how many there are (more than
 * cap means out holds the first cap). */
int memblock_free_ranges(struct mem_range *out, int cap);

/* The end of boot: the buddy allocator takes over the span [base_pfn,
 * base_pfn + nr_pfns) with page array map, and every free page of
 * memblock becomes its free memory. */
void memblock_free_all(struct page *map, unsigned long base_pfn, unsigned long nr_pfns,
		       unsigned long dma32_end_pfn);

#endif
