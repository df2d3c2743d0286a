/* Reference model of boot memory (memblock). Shares no code with
 * kernel/mm/memblock.c: where the kernel keeps two lists merged on every
 * insertion, the model sweeps over the endpoints of everything the memory
 * map says, once per boot, and derives what memblock must hold and what
 * the buddy allocator must get. */
#ifndef MMRIG_MEMBLOCK_MODEL_H
#define MMRIG_MEMBLOCK_MODEL_H

#include <stdint.h>

#define MBM_MAX_RANGES 16

struct mbm_range {
	uint64_t start, end; /* [start, end) */
};

struct mbm_boot {
	/* What memblock must hold after boot, as byte ranges: sorted,
	 * disjoint, none touching the next. */
	struct mbm_range memory[MBM_MAX_RANGES];
	int nr_memory;
	struct mbm_range reserved[MBM_MAX_RANGES];
	int nr_reserved;
	/* Where the one early allocation (mem_map) must land: the lowest
	 * address, aligned, with its bytes in memory and outside every
	 * reservation; 0 if it cannot. */
	uint64_t alloc_at;
	/* The buddy's free memory, as pfn ranges: every whole page of memory
	 * outside the reservations (mem_map's included). */
	struct mbm_range free_pfns[MBM_MAX_RANGES];
	int nr_free;
};

/* Banks and reservations in bytes, any order, may overlap. Returns 0, or
 * -1 when a result would need more than MBM_MAX_RANGES ranges. */
int mbm_boot(const struct mbm_range *banks, int nr_banks, const struct mbm_range *reserved,
	     int nr_reserved, uint64_t alloc_size, uint64_t alloc_align, uint64_t page_size,
	     struct mbm_boot *out);

#endif
