/* The buddy page allocator (Linux-style API). */
#ifndef MMRIG_MM_PAGE_H
#define MMRIG_MM_PAGE_H

#include "../config.h"
#include "../list.h"
#include "gfp.h"

/* page->flags bits */
#define PG_reserved 0x01u      /* never handed to the buddy allocator */
#define PG_buddy 0x02u         /* head of a block on a free_area list */
#define PG_head 0x04u          /* head of an allocated block */
#define PG_tail 0x08u          /* tail of a compound block; page->head is valid */
#define PG_slab 0x10u          /* head of a slab; slab fields are valid */
#define PG_large_kmalloc 0x20u /* head of a kmalloc() that bypassed the caches */
#define PG_pcp 0x40u           /* head of a block parked on a CPU's pcp list */

struct kmem_cache;

/* Allocator metadata lives here, never in the pages themselves, so free
 * memory can be poisoned whole. */
struct page {
	unsigned int flags;
	int _refcount;
	unsigned int order;   /* PG_buddy or PG_head: block order */
	unsigned int pgclass; /* PG_head: enum page_class of the allocation */
	struct list_head lru; /* free_area list, or a cache's slab list */
	struct page *head;    /* PG_tail: the block's head page */
	/* slab fields, valid on a PG_slab head */
	struct kmem_cache *slab_cache;
	void *s_mem;              /* first object */
	unsigned short *freelist; /* indices of free objects */
	unsigned int active;      /* objects handed out */
	/* Both fit the padding after active, so struct page and with it the
	 * mem_map memblock carves at boot keep their size. */
	unsigned char pageblock_mt; /* first page of a pageblock: its migrate type */
	unsigned char alloc_mt;     /* PG_head: the migrate type it was asked with */
};

/* Mobility of a block (Linux's first three): pages of one pageblock are
 * handed out from the list of that pageblock's type, so blocks that can be
 * moved gather apart from those that cannot (mm/migrate.c). */
enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_TYPES,
};

/* 2 MiB with 4 KiB pages: Linux's with THP. */
#define pageblock_order 9u
#define pageblock_nr_pages (1UL << pageblock_order)

struct free_area {
	struct list_head free_list[MIGRATE_TYPES];
	unsigned long nr_free; /* blocks on the lists, all types */
};

/* A usable physical range, in page frame numbers: [start_pfn, end_pfn). */
struct mem_range {
	unsigned long start_pfn, end_pfn;
};

/* Set up the allocator over the span [base_pfn, base_pfn + nr_pfns) whose
 * page array is map; only pages inside the usable ranges become free.
 * Pages below dma32_end_pfn form ZONE_DMA32, the rest ZONE_NORMAL
 * (mm/mmzone.h). base_pfn must be aligned to 1 << MAX_ORDER. Initial frees
 * are not traced. */
void buddy_init(struct page *map, unsigned long base_pfn, unsigned long nr_pfns,
		const struct mem_range *usable, int nr_usable, unsigned long dma32_end_pfn);

struct page *alloc_pages(gfp_t gfp, unsigned int order);
static inline struct page *alloc_page(gfp_t gfp)
{
	return alloc_pages(gfp, 0);
}
void __free_pages(struct page *page, unsigned int order);
unsigned long __get_free_pages(gfp_t gfp, unsigned int order);
unsigned long get_zeroed_page(gfp_t gfp);
void free_pages(unsigned long addr, unsigned int order);
#define __get_free_page(gfp) __get_free_pages((gfp), 0)
#define free_page(addr) free_pages((addr), 0)

void get_page(struct page *page);
void put_page(struct page *page); /* frees the block when the count hits 0 */
int page_ref_count(const struct page *page);

unsigned long page_to_pfn(const struct page *page);
struct page *pfn_to_page(unsigned long pfn);
void *page_address(const struct page *page);
struct page *virt_to_page(const void *addr);
bool pfn_valid(unsigned long pfn);
struct page *compound_head(struct page *page);

unsigned long nr_free_pages(void);
unsigned long nr_free_blocks(unsigned int order);

/* Bounds of the managed span (for walkers and checkers). */
unsigned long buddy_base_pfn(void);
unsigned long buddy_nr_pfns(void);

#endif
