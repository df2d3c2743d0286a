/* Reference model of a vmalloc window. Shares no code with kernel/mm:
 * the window is [start, start + size), areas are page runs each followed
 * by one guard page, pairwise disjoint guards included, and a new area of
 * n pages goes at the lowest address where n + 1 pages are free of every
 * live area and its guard. The model knows areas by the handle the
 * program gave them. */
#ifndef MMRIG_VMALLOC_MODEL_H
#define MMRIG_VMALLOC_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#define VMM_MAX_AREAS 64

struct vmm_area {
	bool live;
	uint64_t start; /* first mapped byte */
	uint64_t pages; /* mapped pages; the guard page follows */
};

struct vmalloc_model {
	uint64_t start, end, page;
	struct vmm_area area[VMM_MAX_AREAS];
};

/* An empty window [start, end) of pages of page bytes. */
void vmm_reset(struct vmalloc_model *m, uint64_t start, uint64_t end, uint64_t page);
/* Where an area of pages pages goes, or 0: no gap holds it and its guard. */
uint64_t vmm_place(const struct vmalloc_model *m, uint64_t pages);
/* Record area id at start (the kernel's choice, judged by the caller).
 * false when it is outside the window or overlaps a live area or guard. */
bool vmm_insert(struct vmalloc_model *m, int id, uint64_t start, uint64_t pages);
void vmm_remove(struct vmalloc_model *m, int id);
/* The live area whose pages (not guard) hold addr, or -1. */
int vmm_find(const struct vmalloc_model *m, uint64_t addr);

#endif
