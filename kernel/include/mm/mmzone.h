/* Zones: the buddy's memory split by what may address it. Each zone has its
 * own free lists, watermarks and lowmem reserve; an allocation walks the
 * zonelist from the highest zone its gfp allows down to ZONE_DMA32 and takes
 * the first zone whose watermark check passes (mm/page_alloc.c). */
#ifndef MMRIG_MM_MMZONE_H
#define MMRIG_MM_MMZONE_H

#include "page.h"

enum zone_type {
	ZONE_DMA32,  /* below the 32-bit DMA limit (the host: a geometry's choice) */
	ZONE_NORMAL, /* the rest */
	MAX_NR_ZONES,
};

enum zone_watermarks {
	WMARK_MIN,
	WMARK_LOW,
	WMARK_HIGH,
	NR_WMARK,
};

struct zone {
	unsigned long zone_start_pfn, spanned_pages;
	unsigned long managed_pages; /* handed to the buddy at boot */
	unsigned long _watermark[NR_WMARK];
	/* Pages a request whose highest usable zone is [i] must leave here:
	 * lower zones are kept for the callers that can use nothing else. */
	unsigned long lowmem_reserve[MAX_NR_ZONES];
	unsigned long nr_free;
	struct free_area free_area[NR_PAGE_ORDERS];
};

extern struct zone zones[MAX_NR_ZONES];

#define for_each_zone(z) for ((z) = zones; (z) < zones + MAX_NR_ZONES; (z)++)

/* alloc_flags: which watermark (low bits) and how far into the reserve. */
#define ALLOC_WMARK_MIN WMARK_MIN
#define ALLOC_WMARK_LOW WMARK_LOW
#define ALLOC_WMARK_HIGH WMARK_HIGH
#define ALLOC_NO_WATERMARKS 0x3u
#define ALLOC_WMARK_MASK 0x3u
#define ALLOC_MIN_RESERVE 0x4u /* __GFP_HIGH: half the min watermark */
#define ALLOC_NON_BLOCK 0x8u   /* cannot sleep: with MIN_RESERVE, a quarter more */

/* The sysctl ratio Linux gives each zone (sysctl_lowmem_reserve_ratio). */
#define DMA32_RESERVE_RATIO 256

/* Split [base_pfn, base_pfn + nr_pfns) at dma32_end_pfn (clamped into the
 * span) and empty every free list; buddy_init() does this first. */
void zones_init(unsigned long base_pfn, unsigned long nr_pfns, unsigned long dma32_end_pfn);
/* After the boot memory is free: managed pages, watermarks, reserves. */
void setup_per_zone_wmarks(void);

enum zone_type pfn_zone_idx(unsigned long pfn);
static inline struct zone *page_zone(const struct page *page)
{
	return &zones[pfn_zone_idx(page_to_pfn(page))];
}
static inline enum zone_type zone_idx(const struct zone *z)
{
	return (enum zone_type)(z - zones);
}
unsigned long min_free_kbytes(void);

/* The migrate type of the pageblock holding page, kept in the pageblock's
 * first struct page (mm/migrate.c). */
int get_pageblock_migratetype(const struct page *page);
void set_pageblock_migratetype(struct page *page, int migratetype);
/* Introspection for the harness and the self-tests: the first free block
 * found on another type's list than its pageblock's (list walks only). */
bool find_misplaced_free_block(unsigned long *pfn, unsigned int *order, int *list_mt);
static inline int gfp_migratetype(gfp_t gfp)
{
	/* Both bits is no caller's request: 3 % 3 reads it as unmovable, the
	 * type that fragments nothing it does not already pin. */
	return (int)((gfp & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT) % MIGRATE_TYPES;
}

bool zone_watermark_ok(const struct zone *z, unsigned int order, unsigned long mark,
		       enum zone_type highest_zoneidx, unsigned int alloc_flags);

#endif
