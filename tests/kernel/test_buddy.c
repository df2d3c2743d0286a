/* Buddy allocator unit tests over the default host arena. */
#include "ktest.h"
#include "mm/mmzone.h"

/* Hook counters: every traced event, by kind. */
static struct {
	unsigned long allocs, frees, fails;
	unsigned long last_pfn;
	unsigned int last_order, last_pgc;
	unsigned int fail_order;
} ev;

static void on_alloc(void *ctx, unsigned long pfn, unsigned int order, unsigned int pgc)
{
	(void)ctx;
	ev.allocs++;
	ev.last_pfn = pfn;
	ev.last_order = order;
	ev.last_pgc = pgc;
}

static void on_free(void *ctx, unsigned long pfn, unsigned int order, unsigned int pgc)
{
	(void)ctx;
	ev.frees++;
	ev.last_pfn = pfn;
	ev.last_order = order;
	ev.last_pgc = pgc;
}

static void on_fail(void *ctx, unsigned int order, gfp_t gfp)
{
	(void)ctx;
	(void)gfp;
	ev.fails++;
	ev.fail_order = order;
}

static const struct host_hooks counting_hooks = {
	.page_alloc = on_alloc,
	.page_free = on_free,
	.page_alloc_fail = on_fail,
};

static void boot_counting(void)
{
	ktest_boot();
	memset(&ev, 0, sizeof(ev));
	host_set_hooks(&counting_hooks);
}

/* The default 16 MiB layout, by hand: 4096 pfns, 72 pages of mem_map
 * (4096 * 72-byte struct page), usable from offset 75, a 7-page hole at
 * 2048 + 13 = 2061. Free blocks then are
 *   [75, 2061):   75 o0, 76 o2, 80 o4, 96 o5, 128 o7, 256 o8, 512 o9,
 *                 1024 o10, 2048 o3, 2056 o2, 2060 o0
 *   [2068, 4096): 2068 o2, 2072 o3, 2080 o5, 2112 o6, 2176 o7, 2304 o8,
 *                 2560 o9, 3072 o10 */
static void test_boot_layout(void)
{
	static const unsigned long expect[NR_PAGE_ORDERS] = { 2, 0, 3, 2, 1, 2, 1, 2, 2, 2, 2 };
	const struct host_arena *a = &ktest_arena;

	ktest_boot();
	CHECK_EQ_UL(sizeof(struct page), 72);
	CHECK_EQ_UL(a->nr_pfns, 4096);
	CHECK_EQ_UL(a->nr_meta_pfns, 72);
	CHECK(((uintptr_t)a->base & ((PAGE_SIZE << MAX_ORDER) - 1)) == 0);
	CHECK_EQ_UL(a->base_pfn, (uintptr_t)a->base >> PAGE_SHIFT);
	CHECK_EQ_UL(a->nr_usable, 2);
	CHECK_EQ_UL(a->usable[0].start_pfn - a->base_pfn, 75);
	CHECK_EQ_UL(a->usable[0].end_pfn - a->base_pfn, 2061);
	CHECK_EQ_UL(a->usable[1].start_pfn - a->base_pfn, 2068);
	CHECK_EQ_UL(a->usable[1].end_pfn - a->base_pfn, 4096);
	CHECK_EQ_UL(buddy_base_pfn(), a->base_pfn);
	CHECK_EQ_UL(buddy_nr_pfns(), a->nr_pfns);

	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		CHECK_EQ_UL(nr_free_blocks(o), expect[o]);
	CHECK_EQ_UL(nr_free_blocks(MAX_ORDER + 1), 0);
	CHECK_EQ_UL(nr_free_pages(), 4096 - 75 - 7);

	/* Reserved: mem_map, the gap, the hole; nothing else. */
	CHECK(pfn_to_page(a->base_pfn)->flags & PG_reserved);
	CHECK(pfn_to_page(a->base_pfn + 74)->flags & PG_reserved);
	CHECK(!(pfn_to_page(a->base_pfn + 75)->flags & PG_reserved));
	CHECK(pfn_to_page(a->base_pfn + 2061)->flags & PG_reserved);
	CHECK(pfn_to_page(a->base_pfn + 2067)->flags & PG_reserved);
	CHECK(!(pfn_to_page(a->base_pfn + 2068)->flags & PG_reserved));
	CHECK(!(pfn_to_page(a->base_pfn + 4095)->flags & PG_reserved));
}

static bool in_usable(unsigned long pfn)
{
	for (int r = 0; r < ktest_arena.nr_usable; r++) {
		if (pfn >= ktest_arena.usable[r].start_pfn && pfn < ktest_arena.usable[r].end_pfn)
			return true;
	}
	return false;
}

/* Walk every free list: well-linked, flagged, aligned, inside usable
 * memory, and as long as nr_free says. */
static void check_free_lists(void)
{
	const struct zone *z;

	for_each_zone(z) {
		for (unsigned int o = 0; o <= MAX_ORDER; o++) {
			unsigned long n = 0;

			for (int t = 0; t < MIGRATE_TYPES; t++) {
				const struct list_head *head = &z->free_area[o].free_list[t];
				struct list_head *pos;

				list_for_each(pos, head) {
					struct page *p = list_entry(pos, struct page, lru);
					unsigned long pfn = page_to_pfn(p);

					CHECK(pos->next->prev == pos);
					CHECK(p->flags & PG_buddy);
					CHECK_EQ_UL(p->order, o);
					CHECK_EQ_UL(pfn & ((1UL << o) - 1), 0);
					CHECK(in_usable(pfn) && in_usable(pfn + (1UL << o) - 1));
					CHECK_EQ_UL(get_pageblock_migratetype(p), t);
					if (++n > ktest_arena.nr_pfns)
						break;
				}
			}
			CHECK_EQ_UL(n, z->free_area[o].nr_free);
		}
	}
}

static void test_free_lists_at_boot(void)
{
	ktest_boot();
	check_free_lists();
}

static void test_every_order(void)
{
	boot_counting();
	for (unsigned int o = 0; o <= MAX_ORDER; o++) {
		struct page *p = alloc_pages(GFP_CLASS(PGC_HARNESS), o);

		CHECK(p != NULL);
		if (!p)
			continue;
		CHECK_EQ_UL(page_to_pfn(p) & ((1UL << o) - 1), 0);
		CHECK(p->flags & PG_head);
		CHECK(!(p->flags & PG_buddy));
		CHECK_EQ_UL(p->order, o);
		CHECK_EQ_UL(p->pgclass, PGC_HARNESS);
		CHECK_EQ_UL(page_ref_count(p), 1);
		CHECK_EQ_UL(ev.allocs, 1);
		CHECK_EQ_UL(ev.last_pfn, page_to_pfn(p));
		CHECK_EQ_UL(ev.last_order, o);
		CHECK_EQ_UL(ev.last_pgc, PGC_HARNESS);
		CHECK_EQ_UL(nr_free_pages(), 4014 - (1UL << o));
		/* The whole block is usable memory. */
		memset(page_address(p), 0x5a, PAGE_SIZE << o);
		__free_pages(p, o);
		CHECK_EQ_UL(ev.frees, 1);
		CHECK_EQ_UL(ev.last_pgc, PGC_HARNESS);
		CHECK(ktest_at_boot("every order"));
		ev.allocs = ev.frees = 0;
	}
	CHECK_EQ_UL(ev.fails, 0);
	check_free_lists();
}

static void test_order_too_big(void)
{
	boot_counting();
	CHECK(alloc_pages(GFP_KERNEL, MAX_ORDER + 1) == NULL);
	CHECK_EQ_UL(ev.fails, 1);
	CHECK_EQ_UL(ev.fail_order, MAX_ORDER + 1);
	CHECK(alloc_pages(GFP_KERNEL, 40) == NULL);
	CHECK_EQ_UL(ev.fails, 2);
	CHECK_EQ_UL(ev.allocs, 0);
	CHECK(ktest_at_boot("too big"));
}

/* Splitting takes the smallest sufficient block and leaves the upper
 * halves on the lists; freeing merges them back. */
#define GFP_MOVABLE_TEST (GFP_KERNEL | __GFP_MOVABLE)

static void test_split_merge(void)
{
	struct page *a, *b, *c, *d;

	ktest_boot();
	/* Movable: every pageblock is MOVABLE at boot, so these take from
	 * their own type's lists and nothing is stolen (test_migrate.c). The
	 * two order-0 blocks go first (LIFO: the last freed at boot). */
	a = alloc_pages(GFP_MOVABLE_TEST, 0);
	b = alloc_pages(GFP_MOVABLE_TEST, 0);
	CHECK_EQ_UL(ktest_pfn_off(a), 2060);
	CHECK_EQ_UL(ktest_pfn_off(b), 75);
	CHECK_EQ_UL(nr_free_blocks(0), 0);

	/* Next order-0 splits the head order-2 block (2068): 2068 is handed
	 * out, 2069 stays as order 0 and 2070 as order 1. */
	c = alloc_pages(GFP_MOVABLE_TEST, 0);
	CHECK_EQ_UL(ktest_pfn_off(c), 2068);
	CHECK_EQ_UL(nr_free_blocks(2), 2);
	CHECK_EQ_UL(nr_free_blocks(1), 1);
	CHECK_EQ_UL(nr_free_blocks(0), 1);
	/* Its buddy is what comes next. */
	d = alloc_pages(GFP_MOVABLE_TEST, 0);
	CHECK_EQ_UL(ktest_pfn_off(d), 2069);
	CHECK_EQ_UL(nr_free_blocks(0), 0);
	check_free_lists();

	/* Freeing c alone cannot merge (d is allocated)... */
	__free_pages(c, 0);
	CHECK_EQ_UL(nr_free_blocks(0), 1);
	CHECK_EQ_UL(nr_free_blocks(2), 2);
	/* ...freeing d merges d+c, then with 2070 into the order-2 block. */
	__free_pages(d, 0);
	CHECK_EQ_UL(nr_free_blocks(0), 0);
	CHECK_EQ_UL(nr_free_blocks(1), 0);
	CHECK_EQ_UL(nr_free_blocks(2), 3);
	__free_pages(b, 0);
	__free_pages(a, 0);
	CHECK(ktest_at_boot("split/merge"));
	check_free_lists();

	/* A split of the biggest block all the way down, and back. */
	ktest_boot();
	struct page *big = alloc_pages(GFP_KERNEL, MAX_ORDER);
	CHECK(big != NULL);
	__free_pages(big, MAX_ORDER);
	CHECK(ktest_at_boot("max order"));
}

static struct page *held[4096];

/* Take everything, one page at a time: GFP_KERNEL down to the min
 * watermark, GFP_ATOMIC further, __GFP_NOFAIL the rest; then every
 * request must fail. The figures are Linux's rule on 4014 pages
 * (docs/zones.md): min_free_kbytes = isqrt(16 * 16056) = 506, so min is
 * 126 pages; GFP_ATOMIC may go to 126 - 63 - 15 = 48. */
static void test_exhaustion(void)
{
	unsigned long n = 0;
	struct page *p;

	boot_counting();
	CHECK_EQ_UL(min_free_kbytes(), 506);
	CHECK_EQ_UL(zones[ZONE_DMA32]._watermark[WMARK_MIN], 126);
	while (n < ARRAY_SIZE(held) && (p = alloc_pages(GFP_KERNEL, 0)))
		held[n++] = p;
	CHECK_EQ_UL(n, 4014 - 126);
	CHECK_EQ_UL(nr_free_pages(), 126);
	CHECK_EQ_UL(ev.fails, 1);
	while (n < ARRAY_SIZE(held) && (p = alloc_pages(GFP_ATOMIC, 0)))
		held[n++] = p;
	CHECK_EQ_UL(nr_free_pages(), 48);
	CHECK_EQ_UL(ev.fails, 2);
	while (n < ARRAY_SIZE(held) && nr_free_pages())
		held[n++] = alloc_pages(GFP_KERNEL | __GFP_NOFAIL, 0);
	CHECK_EQ_UL(n, 4014);
	CHECK_EQ_UL(ev.fails, 2);
	CHECK(alloc_pages(GFP_KERNEL, 0) == NULL);
	CHECK(alloc_pages(GFP_KERNEL, 3) == NULL);
	CHECK_EQ_UL(ev.fails, 4);
	/* Every page handed out exactly once. */
	static unsigned char seen[4096];
	memset(seen, 0, sizeof(seen));
	for (unsigned long i = 0; i < n; i++) {
		unsigned long off = ktest_pfn_off(held[i]);
		CHECK(off < 4096 && !seen[off]);
		if (off < 4096)
			seen[off] = 1;
	}
	/* Free in a scrambled (but fixed) order: coalescing must not care. */
	for (unsigned long i = 0; i < n; i++) {
		unsigned long j = (i * 1237) % n;
		__free_pages(held[j], 0);
	}
	CHECK(ktest_at_boot("exhaustion"));
	check_free_lists();

	/* Exhaustion at a high order: only the order-10 blocks serve it. */
	ktest_boot();
	struct page *x = alloc_pages(GFP_KERNEL, MAX_ORDER);
	struct page *y = alloc_pages(GFP_KERNEL, MAX_ORDER);
	CHECK(x && y);
	CHECK(alloc_pages(GFP_KERNEL, MAX_ORDER) == NULL);
	CHECK(alloc_pages(GFP_KERNEL, MAX_ORDER - 1) != NULL);
	ktest_boot();
}

static void test_refcount(void)
{
	struct page *p;

	boot_counting();
	p = alloc_pages(GFP_KERNEL, 2);
	CHECK_EQ_UL(page_ref_count(p), 1);
	get_page(p);
	CHECK_EQ_UL(page_ref_count(p), 2);
	put_page(p);
	CHECK_EQ_UL(page_ref_count(p), 1);
	CHECK_EQ_UL(ev.frees, 0);
	get_page(p);
	/* __free_pages drops one reference, like put_page. */
	__free_pages(p, 2);
	CHECK_EQ_UL(ev.frees, 0);
	CHECK_EQ_UL(page_ref_count(p), 1);
	CHECK(!ktest_same_as_boot());
	put_page(p);
	CHECK_EQ_UL(ev.frees, 1);
	CHECK_EQ_UL(ev.last_order, 2);
	CHECK_EQ_UL(page_ref_count(p), 0);
	CHECK(ktest_at_boot("refcount"));

	/* On a compound block any page's reference is the head's. */
	p = alloc_pages(__GFP_COMP, 1);
	get_page(p + 1);
	CHECK_EQ_UL(page_ref_count(p), 2);
	put_page(p + 1);
	put_page(p);
	CHECK(ktest_at_boot("compound refcount"));
}

static void test_zero(void)
{
	struct page *p, *q;

	ktest_boot();
	p = alloc_pages(GFP_KERNEL, 1);
	memset(page_address(p), 0xab, 2 * PAGE_SIZE);
	__free_pages(p, 1);
	/* LIFO: the same block comes back, and must come back zeroed. */
	q = alloc_pages(__GFP_ZERO, 1);
	CHECK(q == p);
	const unsigned char *b = page_address(q);
	size_t nonzero = 0;
	for (size_t i = 0; i < 2 * PAGE_SIZE; i++)
		nonzero += b[i] != 0;
	CHECK_EQ_UL(nonzero, 0);
	__free_pages(q, 1);

	unsigned long addr = get_zeroed_page(GFP_KERNEL);
	CHECK(addr != 0);
	CHECK(((const unsigned char *)addr)[PAGE_SIZE - 1] == 0);
	free_page(addr);
	free_pages(0, 0); /* a no-op, like Linux */
	CHECK(ktest_at_boot("zero"));
}

static void test_compound(void)
{
	struct page *p;

	ktest_boot();
	p = alloc_pages(__GFP_COMP, 3);
	for (int i = 1; i < 8; i++) {
		CHECK(p[i].flags & PG_tail);
		CHECK(p[i].head == p);
		CHECK(compound_head(&p[i]) == p);
	}
	CHECK(compound_head(p) == p);
	CHECK(!(p->flags & PG_tail));
	__free_pages(p, 3);
	for (int i = 0; i < 8; i++)
		CHECK(!(p[i].flags & (PG_tail | PG_head)) && p[i].head == NULL);

	/* Without __GFP_COMP the tails are plain pages. */
	p = alloc_pages(GFP_KERNEL, 3);
	CHECK(!(p[1].flags & PG_tail));
	CHECK(compound_head(&p[1]) == &p[1]);
	__free_pages(p, 3);
	CHECK(ktest_at_boot("compound"));
}

static void test_conversions(void)
{
	const struct host_arena *a = &ktest_arena;
	struct page *p;
	unsigned long addr;

	ktest_boot();
	p = alloc_pages(GFP_KERNEL, 0);
	CHECK(pfn_to_page(page_to_pfn(p)) == p);
	CHECK(virt_to_page(page_address(p)) == p);
	CHECK(virt_to_page((char *)page_address(p) + PAGE_SIZE - 1) == p);
	CHECK_EQ_UL((uintptr_t)page_address(p), page_to_pfn(p) << PAGE_SHIFT);
	CHECK(page_address(pfn_to_page(a->base_pfn)) == a->base);
	CHECK(pfn_to_page(a->base_pfn) == a->mem_map);
	CHECK(pfn_valid(a->base_pfn));
	CHECK(pfn_valid(a->base_pfn + a->nr_pfns - 1));
	CHECK(!pfn_valid(a->base_pfn + a->nr_pfns));
	CHECK(!pfn_valid(a->base_pfn - 1));
	CHECK(pfn_to_page(a->base_pfn + a->nr_pfns) == NULL);
	CHECK(virt_to_page(&addr) == NULL);
	__free_pages(p, 0);

	addr = __get_free_pages(GFP_KERNEL, 4);
	CHECK(addr != 0 && (addr & ((PAGE_SIZE << 4) - 1)) == 0);
	CHECK_EQ_UL(virt_to_page((void *)addr)->order, 4);
	free_pages(addr, 4);
	CHECK(ktest_at_boot("conversions"));

	CHECK(strcmp(page_class_name(PGC_SLAB), "slab") == 0);
	CHECK(strcmp(page_class_name(PGC_KMALLOC_LARGE), "kmalloc-large") == 0);
	CHECK(strcmp(page_class_name(99), "unknown") == 0);
}

/* buddy_init (directly, or through host_mm_reset) forgets every allocation
 * and rebuilds the same structure, without tracing the initial frees. */
static void test_reinit(void)
{
	const struct host_arena *a = &ktest_arena;

	boot_counting();
	for (int i = 0; i < 20; i++)
		alloc_pages(GFP_KERNEL, (unsigned int)i % 5);
	CHECK(!ktest_same_as_boot());
	buddy_init(a->mem_map, a->base_pfn, a->nr_pfns, a->usable, a->nr_usable,
		   a->base_pfn + a->nr_pfns);
	CHECK(ktest_at_boot("buddy_init again"));
	check_free_lists();
	CHECK_EQ_UL(ev.frees, 0);

	alloc_pages(GFP_KERNEL, 7);
	host_mm_reset(&ktest_arena);
	CHECK(ktest_at_boot("host_mm_reset"));
	CHECK_EQ_UL(ev.frees, 0);
	check_free_lists();

	/* Two usable ranges that touch merge into canonical blocks. */
	struct mem_range halves[2] = {
		{ a->base_pfn + 1024, a->base_pfn + 1536 },
		{ a->base_pfn + 1536, a->base_pfn + 2048 },
	};
	buddy_init(a->mem_map, a->base_pfn, a->nr_pfns, halves, 2, a->base_pfn + a->nr_pfns);
	CHECK_EQ_UL(nr_free_blocks(MAX_ORDER), 1);
	CHECK_EQ_UL(nr_free_blocks(MAX_ORDER - 1), 0);
	CHECK_EQ_UL(nr_free_pages(), 1024);
	host_set_hooks(NULL);
	ktest_boot();
}

int main(void)
{
	test_boot_layout();
	test_free_lists_at_boot();
	test_every_order();
	test_order_too_big();
	test_split_merge();
	test_exhaustion();
	test_refcount();
	test_zero();
	test_compound();
	test_conversions();
	test_reinit();
	return check_finish("test_buddy");
}
