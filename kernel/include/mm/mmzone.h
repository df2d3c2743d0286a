/* Zones: the buddy's memory split by what may address it. Each zone has its
 * own free lists, watermarks and lowmem reserve; an allocation walks the
 * zonelist from the highest zone its gfp allows down to ZONE_DMA32 and takes
 * the first zone whose watermark check passes (mm/page_alloc.c). */
#ifndef MMRIG_MM_MMZONE_H
#define MMRIG_MM_MMZONE_H

#include "../arch.h"
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

/* Per-CPU page lists (mm/pcp.c): blocks up to PAGE_ALLOC_COSTLY_ORDER
 * parked in front of the buddy, one list per order and migrate type, so a
 * CPU allocates and frees small blocks without the zone lock. Parked pages
 * are allocated as far as the zone's free count goes. Active only with
 * more than one CPU. */
#define PAGE_ALLOC_COSTLY_ORDER 3u
#define NR_PCP_LISTS (MIGRATE_TYPES * (PAGE_ALLOC_COSTLY_ORDER + 1))

struct per_cpu_pages {
	spinlock_t lock;
	unsigned long count; /* pages parked on the lists */
	struct list_head lists[NR_PCP_LISTS];
};

static inline unsigned int order_to_pindex(int migratetype, unsigned int order)
{
	return order * MIGRATE_TYPES + (unsigned int)migratetype;
}

struct zone {
	unsigned long zone_start_pfn, spanned_pages;
	unsigned long managed_pages; /* handed to the buddy at boot */
	unsigned long _watermark[NR_WMARK];
	/* Pages a request whose highest usable zone is [i] must leave here:
	 * lower zones are kept for the callers that can use nothing else. */
	unsigned long lowmem_reserve[MAX_NR_ZONES];
	unsigned long nr_free;
	struct free_area free_area[NR_PAGE_ORDERS];
	spinlock_t lock;         /* the free lists and nr_free */
	unsigned long pcp_batch; /* blocks a refill takes, pages a bulk free gives back */
	struct per_cpu_pages pcp[NR_CPUS];
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

/* The per-CPU lists (mm/pcp.c). */
bool pcp_enabled(void);
/* A CPU's lists are drained back to the buddy once they hold this many
 * pages: the zone's low watermark shared among the CPUs, at least four
 * batches (Linux's zone_highsize without a high fraction). */
unsigned long zone_pcp_high(const struct zone *z);
void zone_pcp_init(struct zone *z);
/* Both trace the block under the pcp lock (pgc: the caller class the
 * tracepoint reports). */
struct page *rmqueue_pcplist(struct zone *z, unsigned int order, gfp_t gfp);
void free_unref_page(struct page *page, unsigned int order, unsigned int pgc);
/* Every CPU's lists of every zone back to the buddy. */
void drain_all_pages(void);
bool pcp_has_pages(void);
/* Introspection: the i-th block of a CPU's list (head first), or NULL. */
struct page *pcp_list_entry(const struct zone *z, unsigned int cpu, unsigned int pindex,
			    unsigned long i);

bool zone_watermark_ok(const struct zone *z, unsigned int order, unsigned long mark,
		       enum zone_type highest_zoneidx, unsigned int alloc_flags);

#endif
