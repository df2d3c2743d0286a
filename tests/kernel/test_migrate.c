/* Migrate types: the kernel (mm/migrate.c, mm/buddy.c) against the
 * migrate model on random geometries and random streams of unmovable,
 * movable and reclaimable allocations and frees. Before each allocation
 * is recorded the model judges the list and order it came from; after
 * every step every pageblock's type must be the model's and every free
 * block must sit on its pageblock type's list. */
#include "ktest_bm.h"
#include "migrate_model.h"
#include "mm/mmzone.h"

static unsigned long long lcg = 0x9e3779b97f4a7c15ull;

static unsigned long below(unsigned long n)
{
	lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned long)((lcg >> 33) % n);
}

struct held {
	struct page *page;
	unsigned int order;
};

static struct held held[512];

static void check_types(const struct migrate_model *mgm, unsigned long pages)
{
	unsigned long pfn;
	unsigned int order;
	int list_mt;

	for (unsigned long p = 0; p < pages; p += pageblock_nr_pages)
		CHECK_EQ_UL(get_pageblock_migratetype(pfn_to_page(ktest_arena.base_pfn + p)),
			    mgm_pageblock_type(mgm, ktest_arena.base_pfn + p));
	CHECK(!find_misplaced_free_block(&pfn, &order, &list_mt));
}

static int one_run(unsigned long pages, unsigned long dma32, struct buddy_model *bm,
		   struct migrate_model *mgm)
{
	int n = 0, failures = check_failures;
	char why[200];

	if (ktest_layout_with_model(bm, pages, (unsigned int)below(4), NULL, 0, dma32))
		return 0;
	mgm_reset(mgm);
	check_types(mgm, pages);
	for (int step = 0; step < 800 && check_failures == failures; step++) {
		if (n > 0 && (n == (int)ARRAY_SIZE(held) || below(3) == 0)) {
			int i = (int)below((unsigned long)n);
			unsigned long pfn = page_to_pfn(held[i].page);

			__free_pages(held[i].page, held[i].order);
			CHECK(bm_free(bm, pfn, held[i].order) == BM_OK);
			mgm_free(mgm, bm, pfn);
			held[i] = held[--n];
			check_types(mgm, pages);
			continue;
		}
		unsigned int order = below(5) ? (unsigned int)below(4) : (unsigned int)below(11);
		int type = (int)below(MIGRATE_TYPES);
		gfp_t gfp = (below(4) ? GFP_KERNEL : GFP_ATOMIC) | __GFP_NOWARN |
			    (gfp_t)type << GFP_MOVABLE_SHIFT;
		struct page *p = alloc_pages(gfp, order);

		if (!p)
			continue;
		unsigned long pfn = page_to_pfn(p);
		bool ok = mgm_alloc(mgm, bm, bm_zone_of(bm, pfn), pfn, order, type, why,
				    sizeof why);

		if (!ok)
			fprintf(stderr, "step %d: order %u %s at pfn offset %lu: %s\n", step, order,
				mgm_type_name(type), pfn - ktest_arena.base_pfn, why);
		CHECK(ok);
		CHECK(bm_alloc(bm, pfn, order, 0) == BM_OK);
		held[n++] = (struct held){ p, order };
		check_types(mgm, pages);
	}
	while (n > 0) {
		n--;
		__free_pages(held[n].page, held[n].order);
	}
	return 1;
}

int main(void)
{
	int runs = 0;

	ktest_boot();
	for (int r = 0; r < 60; r++) {
		unsigned long pages = 1024 + below(ktest_arena.cap_pfns - 1024);
		unsigned long dma32 = below(3) == 0 ? 0 : below(pages + 1);
		struct buddy_model *bm = bm_create(ktest_arena.base_pfn, pages, MAX_ORDER);
		struct migrate_model *mgm = mgm_create(ktest_arena.base_pfn, pages, MAX_ORDER);

		runs += one_run(pages, dma32, bm, mgm);
		mgm_destroy(mgm);
		bm_destroy(bm);
	}
	CHECK(runs > 50);
	host_arena_layout_default(&ktest_arena, ktest_arena.cap_pfns);
	return check_finish("test_migrate");
}
