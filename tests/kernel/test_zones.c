/* Zones, watermarks and the gfp rule: the kernel (mm/zone.c,
 * mm/page_alloc.c) against the reference models on random geometries and
 * random allocation streams. The buddy model, split at the same zone line,
 * gives each zone's free pages and largest free block; the zone model
 * decides, before every allocation, the zone it must come from or that it
 * must fail; the kernel must agree every time, warn exactly for failures
 * without __GFP_NOWARN, and keep its watermarks where the model puts them. */
#include "ktest_bm.h"
#include "mm/mmzone.h"
#include "zone_model.h"

static unsigned long long lcg = 0x2545f4914f6cdd1dull;

static unsigned long below(unsigned long n)
{
	lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned long)((lcg >> 33) % n);
}

static unsigned int warnings;

static void on_warn(void *ctx, unsigned int order, gfp_t gfp)
{
	(void)ctx;
	(void)order;
	(void)gfp;
	warnings++;
}

/* Figures worked by hand from Linux's formulas (docs/zones.md). */
static void test_figures(void)
{
	struct zone_model zm;
	const unsigned long one[2] = { 4014, 0 }, two[2] = { 1973, 2041 };
	const unsigned long big[2] = { 200000, 300000 };

	zm_setup(&zm, one);
	CHECK_EQ_UL(zm.min_free_kbytes, 506); /* isqrt(16 * 16056) */
	CHECK_EQ_UL(zm.mark[0][ZM_MIN], 126);
	CHECK_EQ_UL(zm.mark[0][ZM_LOW], 157); /* + max(126 / 4, 4) */
	CHECK_EQ_UL(zm.mark[0][ZM_HIGH_MARK], 188);
	zm_setup(&zm, two);
	CHECK_EQ_UL(zm.mark[0][ZM_MIN], 61); /* 126 * 1973 / 4014 */
	CHECK_EQ_UL(zm.mark[1][ZM_MIN], 64);
	CHECK_EQ_UL(zm.reserve[0][1], 7); /* 2041 / 256 */
	CHECK_EQ_UL(zm.reserve[0][0] + zm.reserve[1][0] + zm.reserve[1][1], 0);
	zm_setup(&zm, big); /* 2 GB: the scale factor outgrows min / 4 */
	CHECK_EQ_UL(zm.min_free_kbytes, 5656);
	CHECK_EQ_UL(zm.mark[1][ZM_MIN], 848);
	CHECK_EQ_UL(zm.mark[1][ZM_LOW], 848 + 300);
	/* The floors: min 126 -> high 63 -> atomic 48 (63 - 63 / 4). */
	zm_setup(&zm, one);
	CHECK_EQ_UL(zm_threshold(&zm, 0, 0, ZM_STEP_MIN), 126);
	CHECK_EQ_UL(zm_threshold(&zm, 0, ZM_HIGH, ZM_STEP_MIN), 63);
	CHECK_EQ_UL(zm_threshold(&zm, 0, ZM_HIGH | ZM_NOWAIT, ZM_STEP_MIN), 48);
	CHECK_EQ_UL(zm_threshold(&zm, 0, ZM_NOWAIT, ZM_STEP_MIN), 126);
}

static gfp_t random_gfp(void)
{
	gfp_t gfp = below(4) ? __GFP_DIRECT_RECLAIM : 0;

	if (below(3) == 0)
		gfp |= __GFP_HIGH;
	if (below(4) == 0)
		gfp |= __GFP_DMA32;
	if (below(3) == 0)
		gfp |= __GFP_NOWARN;
	if (below(6) == 0)
		gfp = (gfp | __GFP_NOFAIL | __GFP_DIRECT_RECLAIM) & ~__GFP_NORETRY;
	return gfp;
}

struct held {
	struct page *page;
	unsigned int order;
};

static struct held held[512];

static unsigned int zm_flags_of(gfp_t gfp)
{
	return (!(gfp & __GFP_DIRECT_RECLAIM) ? ZM_NOWAIT : 0) |
	       ((gfp & __GFP_HIGH) ? ZM_HIGH : 0) | ((gfp & __GFP_DMA32) ? ZM_DMA32 : 0) |
	       ((gfp & __GFP_NOFAIL) ? ZM_NOFAIL : 0);
}

static int one_run(unsigned long pages, unsigned long dma32, struct buddy_model *bm)
{
	struct mem_range hole = { pages / 3, pages / 3 + 1 + below(40) };
	struct zone_model zm;
	unsigned long managed[2];
	int n = 0, failures = check_failures;

	if (ktest_layout_with_model(bm, pages, (unsigned int)below(4), &hole, 1, dma32))
		return 0;
	for (int z = 0; z < 2; z++)
		managed[z] = bm_zone_free_pages(bm, (unsigned int)z);
	zm_setup(&zm, managed);
	CHECK_EQ_UL(min_free_kbytes(), zm.min_free_kbytes);
	for (int z = 0; z < 2; z++) {
		CHECK_EQ_UL(zones[z].managed_pages, managed[z]);
		CHECK_EQ_UL(zones[z]._watermark[WMARK_MIN], zm.mark[z][ZM_MIN]);
		CHECK_EQ_UL(zones[z]._watermark[WMARK_LOW], zm.mark[z][ZM_LOW]);
		CHECK_EQ_UL(zones[z]._watermark[WMARK_HIGH], zm.mark[z][ZM_HIGH_MARK]);
		CHECK_EQ_UL(zones[z].lowmem_reserve[1], zm.reserve[z][1]);
	}
	for (int step = 0; step < 600 && check_failures == failures; step++) {
		if (n > 0 && (n == (int)ARRAY_SIZE(held) || below(3) == 0)) {
			int i = (int)below((unsigned long)n);

			CHECK(bm_free(bm, page_to_pfn(held[i].page), held[i].order) == BM_OK);
			__free_pages(held[i].page, held[i].order);
			held[i] = held[--n];
			continue;
		}
		unsigned int order = below(5) ? (unsigned int)below(4) : (unsigned int)below(12);
		gfp_t gfp = random_gfp();
		struct zm_zone_state st[2];
		int want;
		enum zm_step why;

		for (int z = 0; z < 2; z++) {
			st[z].free_pages = bm_zone_free_pages(bm, (unsigned int)z);
			st[z].max_free_order = bm_zone_max_free_order(bm, (unsigned int)z);
		}
		enum zm_outcome out = zm_decide(&zm, st, order, MAX_ORDER, zm_flags_of(gfp), &want,
						&why);
		if (out == ZM_PANIC)
			continue; /* the kernel would panic, by its rule */
		unsigned int before = warnings;
		struct page *p = alloc_pages(gfp, order);

		if (out == ZM_FAIL) {
			CHECK(p == NULL);
			CHECK_EQ_UL(warnings - before, (gfp & __GFP_NOWARN) ? 0 : 1);
			if (p)
				__free_pages(p, order);
			continue;
		}
		CHECK(p != NULL);
		if (!p)
			continue;
		CHECK_EQ_UL(warnings, before);
		CHECK_EQ_UL(bm_zone_of(bm, page_to_pfn(p)), (unsigned long)want);
		CHECK(bm_alloc(bm, page_to_pfn(p), order, 0) == BM_OK);
		held[n++] = (struct held){ p, order };
		for (int z = 0; z < 2; z++)
			CHECK_EQ_UL(zones[z].nr_free, bm_zone_free_pages(bm, (unsigned int)z));
	}
	while (n > 0) {
		n--;
		__free_pages(held[n].page, held[n].order);
	}
	return 1;
}

static void test_random(void)
{
	struct host_hooks hooks = { .page_alloc_warn = on_warn };
	int runs = 0;

	ktest_boot();
	host_set_hooks(&hooks);
	for (int r = 0; r < 120; r++) {
		unsigned long pages = 512 + below(ktest_arena.cap_pfns - 512);
		unsigned long dma32 = below(3) == 0 ? 0 : below(pages + 1);
		struct buddy_model *bm = bm_create(ktest_arena.base_pfn, pages, MAX_ORDER);

		runs += one_run(pages, dma32, bm);
		bm_destroy(bm);
	}
	host_set_hooks(NULL);
	CHECK(runs > 100);
	host_arena_layout_default(&ktest_arena, ktest_arena.cap_pfns);
}

int main(void)
{
	test_figures();
	test_random();
	return check_finish("test_zones");
}
