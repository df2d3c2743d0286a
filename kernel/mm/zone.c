/* Zone layout, watermarks and lowmem reserves, by Linux's rules
 * (mm/page_alloc.c: calculate_min_free_kbytes, __setup_per_zone_wmarks,
 * setup_per_zone_lowmem_reserve, __zone_watermark_ok), so that a policy bug
 * found here is one a kernel developer recognises. The one constant that is
 * ours is that nothing is tunable: min_free_kbytes follows the memory. */
#include "arch.h"
#include "lib.h"
#include "mm/mmzone.h"

struct zone zones[MAX_NR_ZONES];

static unsigned long dma32_end;
static unsigned long min_free_kb;

/* Watermark gaps above min: the larger of a quarter of min and this many
 * ten-thousandths of the zone (Linux's default watermark_scale_factor). */
#define WATERMARK_SCALE_FACTOR 10

enum zone_type pfn_zone_idx(unsigned long pfn)
{
	return pfn < dma32_end ? ZONE_DMA32 : ZONE_NORMAL;
}

unsigned long min_free_kbytes(void)
{
	return min_free_kb;
}

void zones_init(unsigned long base_pfn, unsigned long nr_pfns, unsigned long dma32_end_pfn)
{
	unsigned long end = base_pfn + nr_pfns;
	struct zone *z;

	dma32_end = dma32_end_pfn < base_pfn ? base_pfn : dma32_end_pfn > end ? end : dma32_end_pfn;
	min_free_kb = 0;
	for_each_zone(z) {
		for (unsigned int o = 0; o <= MAX_ORDER; o++) {
			for (int t = 0; t < MIGRATE_TYPES; t++)
				INIT_LIST_HEAD(&z->free_area[o].free_list[t]);
			z->free_area[o].nr_free = 0;
		}
		z->nr_free = 0;
		z->managed_pages = 0;
		spin_lock_init(&z->lock, "zone->lock");
	}
	zones[ZONE_DMA32].zone_start_pfn = base_pfn;
	zones[ZONE_DMA32].spanned_pages = dma32_end - base_pfn;
	zones[ZONE_NORMAL].zone_start_pfn = dma32_end;
	zones[ZONE_NORMAL].spanned_pages = end - dma32_end;
}

static unsigned long int_sqrt(unsigned long x)
{
	unsigned long r = 0;

	while ((r + 1) * (r + 1) <= x)
		r++;
	return r;
}

/* min_free_kbytes = sqrt(16 * lowmem KiB), held to [128, 262144]: it grows
 * with the square root of memory, so a small machine keeps a larger share. */
static unsigned long calculate_min_free_kbytes(unsigned long lowmem_pages)
{
	unsigned long kb = int_sqrt(lowmem_pages * (PAGE_SIZE >> 10) * 16);

	return kb < 128 ? 128 : kb > 262144 ? 262144 : kb;
}

/* Each lower zone keeps back, from requests that could have used a higher
 * zone, the managed pages of the zones above it divided by its ratio. */
static void setup_per_zone_lowmem_reserve(void)
{
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		unsigned long above = 0;

		zones[i].lowmem_reserve[i] = 0;
		for (int j = i + 1; j < MAX_NR_ZONES; j++) {
			above += zones[j].managed_pages;
			zones[i].lowmem_reserve[j] = i == ZONE_DMA32 ? above / DMA32_RESERVE_RATIO
								     : 0;
		}
	}
}

void setup_per_zone_wmarks(void)
{
	unsigned long lowmem = 0, pages_min;
	struct zone *z;

	for_each_zone(z) {
		z->managed_pages = z->nr_free;
		lowmem += z->managed_pages;
	}
	min_free_kb = calculate_min_free_kbytes(lowmem);
	pages_min = min_free_kb >> (PAGE_SHIFT - 10);
	for_each_zone(z) {
		/* The min watermark is shared out in proportion to size. */
		unsigned long min = lowmem ? pages_min * z->managed_pages / lowmem : 0;
		unsigned long gap = z->managed_pages * WATERMARK_SCALE_FACTOR / 10000;

		if (gap < min / 4)
			gap = min / 4;
		z->_watermark[WMARK_MIN] = min;
		z->_watermark[WMARK_LOW] = min + gap;
		z->_watermark[WMARK_HIGH] = min + 2 * gap;
		zone_pcp_init(z);
	}
	setup_per_zone_lowmem_reserve();
}

/* Would taking 2^order pages leave the zone above mark plus the reserve
 * kept from this request, with a block of the order actually free? The
 * pages of the block beyond the first do not count: they are about to go. */
bool zone_watermark_ok(const struct zone *z, unsigned int order, unsigned long mark,
		       enum zone_type highest_zoneidx, unsigned int alloc_flags)
{
	long min = (long)mark;
	long free_pages = (long)z->nr_free - ((1L << order) - 1);

	if (alloc_flags & ALLOC_MIN_RESERVE) {
		min -= min / 2;
		if (alloc_flags & ALLOC_NON_BLOCK)
			min -= min / 4;
	}
	if (free_pages <= min + (long)z->lowmem_reserve[highest_zoneidx])
		return false;
	if (order == 0)
		return true;
	for (unsigned int o = order; o <= MAX_ORDER; o++)
		if (z->free_area[o].nr_free)
			return true;
	return false;
}
