/* Zones and watermarks on the real machine, right after the hand-over:
 * all of RAM lies below 4 GiB, so ZONE_DMA32 manages every free page and
 * ZONE_NORMAL is empty. Then each gfp class is driven to its floor with
 * the pages threaded into a list through their own first word (written
 * and read through the real memory): GFP_KERNEL must stop exactly at the
 * min watermark, __GFP_HIGH at half of it, GFP_ATOMIC a quarter of that
 * lower, and __GFP_NOFAIL must go on to the last page. Everything comes
 * back and the free structure must be the boot one again. */
#include "arch.h"
#include "lib.h"
#include "mm/mmzone.h"
#include "selftest.h"

static unsigned long boot_blocks[NR_PAGE_ORDERS];
static uintptr_t chain; /* first page of the taken list, 0 when empty */

/* Take order-0 pages until the allocator refuses (a nofail caller: until
 * nothing is left, as one more would panic); returns how many. */
static unsigned long take_all(gfp_t gfp)
{
	unsigned long n = 0;
	unsigned long page;

	while ((!(gfp & __GFP_NOFAIL) || nr_free_pages()) &&
	       (page = __get_free_page(gfp | __GFP_NOWARN))) {
		*(uintptr_t *)page = chain;
		chain = page;
		n++;
	}
	return n;
}

static unsigned long give_back(void)
{
	unsigned long n = 0;

	while (chain) {
		uintptr_t next = *(uintptr_t *)chain;

		free_page(chain);
		chain = next;
		n++;
	}
	return n;
}

void selftest_zones(void)
{
	struct zone *dma = &zones[ZONE_DMA32], *normal = &zones[ZONE_NORMAL];
	unsigned long free0 = nr_free_pages(), min = dma->_watermark[WMARK_MIN];
	unsigned long high_floor = min - min / 2, atomic_floor = high_floor - high_floor / 4;
	unsigned long taken = 0;

	st_begin("zones");
	st_free_blocks(boot_blocks);
	st_check(normal->managed_pages == 0 && normal->nr_free == 0,
		 "ZONE_NORMAL manages %lu pages below 4 GiB", normal->managed_pages);
	st_check(dma->managed_pages == free0 && dma->nr_free == free0,
		 "ZONE_DMA32 manages %lu pages with %lu free, %lu free in all", dma->managed_pages,
		 dma->nr_free, free0);
	/* one zone holds all: min is min_free_kbytes in pages */
	st_check(min == min_free_kbytes() / (PAGE_SIZE / 1024) && min > 0,
		 "min watermark %lu pages for min_free_kbytes %lu", min, min_free_kbytes());
	st_check(dma->_watermark[WMARK_LOW] > min &&
			 dma->_watermark[WMARK_HIGH] - dma->_watermark[WMARK_LOW] ==
				 dma->_watermark[WMARK_LOW] - min,
		 "watermarks %lu/%lu/%lu are not min < low < high, evenly spaced", min,
		 dma->_watermark[WMARK_LOW], dma->_watermark[WMARK_HIGH]);

	taken += take_all(GFP_KERNEL);
	st_check(nr_free_pages() == min, "GFP_KERNEL stopped at %lu free pages, min is %lu",
		 nr_free_pages(), min);
	taken += take_all(GFP_KERNEL | __GFP_HIGH);
	st_check(nr_free_pages() == high_floor, "__GFP_HIGH stopped at %lu free pages, want %lu",
		 nr_free_pages(), high_floor);
	taken += take_all(GFP_ATOMIC);
	st_check(nr_free_pages() == atomic_floor, "GFP_ATOMIC stopped at %lu free pages, want %lu",
		 nr_free_pages(), atomic_floor);
	taken += take_all(GFP_DMA32 | __GFP_NOFAIL);
	st_check(nr_free_pages() == 0 && taken == free0,
		 "__GFP_NOFAIL left %lu pages free (%lu of %lu taken)", nr_free_pages(), taken,
		 free0);
	st_check(give_back() == taken, "the page chain lost pages");
	st_check(nr_free_pages() == free0, "%lu pages free after giving all back, %lu at boot",
		 nr_free_pages(), free0);
	st_check_free_blocks(boot_blocks, "after giving all back");
	st_end();
}
