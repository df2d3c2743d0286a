/* Migrate types on the real machine, after the zones self-test: that one
 * took all of RAM as GFP_KERNEL, so its unmovable requests stole most
 * pageblocks. A movable, a reclaimable and an unmovable request must each
 * come from a pageblock of its own type (stealing one when its lists are
 * empty); every free block must sit on its pageblock type's list before
 * and after; and giving everything back must leave the free structure as
 * it was, since all three types merge. */
#include "arch.h"
#include "lib.h"
#include "mm/mmzone.h"
#include "selftest.h"

static unsigned long before[NR_PAGE_ORDERS];

static const char *const type_names[MIGRATE_TYPES] = { "unmovable", "movable", "reclaimable" };

static void check_lists(const char *when)
{
	unsigned long pfn;
	unsigned int order;
	int list_mt;

	if (find_misplaced_free_block(&pfn, &order, &list_mt))
		st_check(false,
			 "%s: free block at pfn %lx (order %u) on the %s list of a %s pageblock",
			 when, pfn, order, type_names[list_mt],
			 type_names[get_pageblock_migratetype(pfn_to_page(pfn))]);
}

static struct page *take(gfp_t gfp, unsigned int order, int want)
{
	struct page *page = alloc_pages(gfp | __GFP_NOWARN, order);

	if (!st_check(page != NULL, "no order-%u %s block", order, type_names[want]))
		return NULL;
	st_check(get_pageblock_migratetype(page) == want,
		 "an order-%u %s block at pfn %lx in a %s pageblock", order, type_names[want],
		 page_to_pfn(page), type_names[get_pageblock_migratetype(page)]);
	/* the block is really the caller's, all of it (identity map, paging off) */
	memset(page_address(page), 0x5a, PAGE_SIZE << order);
	return page;
}

void selftest_migrate(void)
{
	unsigned long free0 = nr_free_pages();
	struct page *m, *r, *u;

	st_begin("migrate");
	st_free_blocks(before);
	check_lists("at the start");
	m = take(GFP_HIGHUSER_MOVABLE, pageblock_order, MIGRATE_MOVABLE);
	r = take(GFP_KERNEL | __GFP_RECLAIMABLE, 0, MIGRATE_RECLAIMABLE);
	u = take(GFP_KERNEL, 0, MIGRATE_UNMOVABLE);
	check_lists("with the three taken");
	if (m)
		__free_pages(m, pageblock_order);
	if (r)
		__free_pages(r, 0);
	if (u)
		__free_pages(u, 0);
	check_lists("after giving back");
	st_check(nr_free_pages() == free0, "%lu pages free after giving back, %lu before",
		 nr_free_pages(), free0);
	st_check_free_blocks(before, "after giving back");
	st_end();
}
