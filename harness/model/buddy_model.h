/* Reference buddy model. Shares no code with kernel/mm: with eager
 * coalescing the free structure is a function of the allocated set, so the
 * model keeps the allocated blocks and derives the canonical free blocks
 * (maximal aligned runs of free pages, capped at max_order). It accepts any
 * block the allocator picks, provided it was entirely free and aligned. */
#ifndef MMRIG_BUDDY_MODEL_H
#define MMRIG_BUDDY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BM_MAX_ORDER_LIMIT 20
/* Classes are opaque numbers to the model; those below this are counted. */
#define BM_NR_CLASSES 16

struct bm_range {
	unsigned long start_pfn, end_pfn; /* usable: [start, end) */
};

enum bm_status {
	BM_OK = 0,
	BM_OUT_OF_RANGE,  /* block not inside the managed span */
	BM_MISALIGNED,    /* pfn not a multiple of 1 << order */
	BM_BAD_ORDER,     /* order > max_order */
	BM_NOT_FREE,      /* alloc: some page of the block is not free */
	BM_NOT_ALLOCATED, /* free: no allocated block starts at pfn */
	BM_WRONG_ORDER,   /* free: the block at pfn has another order */
};

struct buddy_model;

/* base_pfn must be aligned to 1 << max_order. */
struct buddy_model *bm_create(unsigned long base_pfn, unsigned long nr_pfns,
			      unsigned int max_order);
void bm_destroy(struct buddy_model *m);

/* Two zones: pages below pfn form zone 0, the rest zone 1, and no block
 * is canonical across the line (a buddy in the other zone never merges).
 * Default: everything is zone 0. Takes effect at the next bm_reset. */
void bm_set_split(struct buddy_model *m, unsigned long pfn);
#define BM_NR_ZONES 2

/* Boot state: exactly the usable pages are free. */
void bm_reset(struct buddy_model *m, const struct bm_range *usable, int nr);

enum bm_status bm_alloc(struct buddy_model *m, unsigned long pfn, unsigned int order,
			unsigned int cls);
enum bm_status bm_free(struct buddy_model *m, unsigned long pfn, unsigned int order);
const char *bm_status_name(enum bm_status s);

/* Canonical free structure. */
unsigned long bm_free_blocks(const struct buddy_model *m, unsigned int order);
/* All per-order counts at once, orders 0..max_order (checked after every op). */
const unsigned long *bm_free_counts(const struct buddy_model *m);
unsigned long bm_free_pages(const struct buddy_model *m);
bool bm_is_free_block(const struct buddy_model *m, unsigned long pfn, unsigned int order);
/* Largest order with a free block, or -1 when nothing is free. */
int bm_max_free_order(const struct buddy_model *m);
/* The same for one zone, and its free pages. */
int bm_zone_max_free_order(const struct buddy_model *m, unsigned int zone);
unsigned long bm_zone_free_pages(const struct buddy_model *m, unsigned int zone);
unsigned int bm_zone_of(const struct buddy_model *m, unsigned long pfn);

/* The allocated block containing pfn: returns true and fills head/order/cls. */
bool bm_find_allocated(const struct buddy_model *m, unsigned long pfn, unsigned long *head,
		       unsigned int *order, unsigned int *cls);

/* Visit every allocated block (ascending pfn) / every canonical free block. */
void bm_for_each_allocated(const struct buddy_model *m,
			   void (*fn)(void *arg, unsigned long pfn, unsigned int order,
				      unsigned int cls),
			   void *arg);
void bm_for_each_free(const struct buddy_model *m,
		      void (*fn)(void *arg, unsigned long pfn, unsigned int order), void *arg);
unsigned long bm_nr_allocated(const struct buddy_model *m);
/* Allocated blocks of one class (0 for cls >= BM_NR_CLASSES): lets an
 * oracle that can account for every block of a class compare totals and
 * walk the blocks only when they differ. */
unsigned long bm_nr_allocated_class(const struct buddy_model *m, unsigned int cls);

#endif
