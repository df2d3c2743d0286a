/* Fault injection: fail the Nth allocation and check that every error path
 * unwinds completely (free structure back to boot, no block left live). */
#include "ktest.h"

static struct {
	unsigned long calls;   /* should_fail consultations */
	unsigned long fail_at; /* 0: never */
	bool injected;
	long live_blocks; /* page allocations minus frees, traced */
	size_t sizes[16]; /* the first few sizes asked about */
} fi;

static bool on_should_fail(void *ctx, gfp_t gfp, size_t size)
{
	(void)ctx;
	(void)gfp;
	if (fi.calls < ARRAY_SIZE(fi.sizes))
		fi.sizes[fi.calls] = size;
	fi.calls++;
	if (fi.fail_at && fi.calls == fi.fail_at) {
		fi.injected = true;
		return true;
	}
	return false;
}

static void on_alloc(void *ctx, unsigned long pfn, unsigned int order, unsigned int pgc)
{
	(void)ctx;
	(void)pfn;
	(void)order;
	(void)pgc;
	fi.live_blocks++;
}

static void on_free(void *ctx, unsigned long pfn, unsigned int order, unsigned int pgc)
{
	(void)ctx;
	(void)pfn;
	(void)order;
	(void)pgc;
	fi.live_blocks--;
}

static const struct host_hooks fi_hooks = {
	.should_fail = on_should_fail,
	.page_alloc = on_alloc,
	.page_free = on_free,
};

static void boot_failing(unsigned long fail_at)
{
	ktest_boot();
	memset(&fi, 0, sizeof(fi));
	fi.fail_at = fail_at;
	host_set_hooks(&fi_hooks);
}

static void ctor_fill(void *p)
{
	memset(p, 0x77, 700);
}

/* A caller in the style of the kernel: every allocation may fail, and a
 * failure just means skipping that piece. Returns allocations that failed. */
static int workload(void)
{
	static const size_t sizes[] = { 16, 100, 600, 960, 5000, 9000, 2UL << 20, 4096 };
	void *k[ARRAY_SIZE(sizes)], *objs[12] = { 0 };
	struct kmem_cache *c;
	struct page *pg;
	int failed = 0;

	c = kmem_cache_create("fi", 700, 0, 0, ctor_fill);
	failed += !c;
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		k[i] = i % 2 ? kzalloc(sizes[i], GFP_KERNEL) : kmalloc(sizes[i], GFP_KERNEL);
		failed += !k[i];
	}
	if (c) {
		for (int i = 0; i < 12; i++) {
			objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
			failed += !objs[i];
		}
	}
	void *r = krealloc(k[0], 3000, GFP_KERNEL);
	if (r)
		k[0] = r;
	else
		failed++;
	pg = alloc_pages(GFP_CLASS(PGC_HARNESS), 3);
	failed += !pg;

	if (pg)
		__free_pages(pg, 3);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		kfree(k[i]);
	if (c) {
		for (int i = 0; i < 12; i++)
			kmem_cache_free(c, objs[i]);
		kmem_cache_destroy(c);
	}
	kmem_cache_shrink_all();
	return failed;
}

/* Fail each allocation of the workload in turn. */
static void test_every_failure_point(void)
{
	unsigned long total;

	boot_failing(0);
	CHECK_EQ_UL(workload(), 0);
	total = fi.calls;
	CHECK(total > 30);
	CHECK(ktest_at_boot("workload without faults"));
	CHECK_EQ_UL(fi.live_blocks, 0);

	for (unsigned long n = 1; n <= total; n++) {
		boot_failing(n);
		int failed = workload();
		char where[64];

		snprintf(where, sizeof(where), "failing call %lu of %lu", n, total);
		CHECK(fi.injected);
		CHECK(failed >= 1);
		CHECK(ktest_at_boot(where));
		CHECK_EQ_UL(fi.live_blocks, 0);
	}
}

/* The individual unwinding paths, step by step. */
static void test_slab_grow_failures(void)
{
	/* Call 1: kmem_cache_alloc itself. */
	boot_failing(1);
	CHECK(kmalloc(100, GFP_KERNEL) == NULL);
	CHECK_EQ_UL(fi.calls, 1);
	CHECK_EQ_UL(fi.sizes[0], 128); /* the class's object size */
	CHECK(ktest_at_boot("object"));

	/* Call 2: the slab's pages. Nothing was taken, nothing to release. */
	boot_failing(2);
	CHECK(kmalloc(100, GFP_KERNEL) == NULL);
	CHECK_EQ_UL(fi.sizes[1], PAGE_SIZE);
	CHECK_EQ_UL(fi.live_blocks, 0);
	CHECK(ktest_at_boot("slab pages"));
	/* A later attempt succeeds: the failure left the cache sane. */
	void *p = kmalloc(100, GFP_KERNEL);
	CHECK(p != NULL);
	kfree(p);
	kmem_cache_shrink_all();
	CHECK(ktest_at_boot("after retry"));

	/* Call 3: kmalloc-1024 is off slab; its index array is a kmalloc of
	 * its own, whose failure must give the slab's pages back. */
	boot_failing(3);
	CHECK(kmalloc(1024, GFP_KERNEL) == NULL);
	CHECK_EQ_UL(fi.sizes[0], 1024);
	CHECK_EQ_UL(fi.sizes[1], 2 * PAGE_SIZE);
	CHECK(fi.sizes[2] <= 64); /* the index array */
	CHECK_EQ_UL(fi.live_blocks, 0);
	CHECK(ktest_at_boot("off-slab index array"));

	/* Call 4: the index array's own slab cannot grow. */
	boot_failing(4);
	CHECK(kmalloc(1024, GFP_KERNEL) == NULL);
	CHECK_EQ_UL(fi.live_blocks, 0);
	CHECK(ktest_at_boot("index array's slab"));

	/* Large kmalloc: one consultation, with the block's size. */
	boot_failing(1);
	CHECK(kmalloc(9000, GFP_KERNEL) == NULL);
	CHECK_EQ_UL(fi.calls, 1);
	CHECK_EQ_UL(fi.sizes[0], 4 * PAGE_SIZE);
	CHECK(ktest_at_boot("large"));

	/* Refused outright: no consultation at all. */
	boot_failing(1);
	CHECK(kmalloc(16UL << 20, GFP_KERNEL) == NULL);
	CHECK(kmalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	CHECK_EQ_UL(fi.calls, 0);

	/* alloc_pages: injected failures are not traced as exhaustion. */
	boot_failing(1);
	CHECK(alloc_pages(GFP_KERNEL, 2) == NULL);
	CHECK_EQ_UL(fi.sizes[0], 4 * PAGE_SIZE);
	CHECK(alloc_pages(GFP_KERNEL, 2) != NULL);
}

static void test_cache_create_failures(void)
{
	/* The descriptor comes from the cache of caches: call 1 is that
	 * allocation, call 2 its first slab. */
	for (unsigned long n = 1; n <= 2; n++) {
		boot_failing(n);
		CHECK(kmem_cache_create("nope", 64, 0, 0, NULL) == NULL);
		CHECK_EQ_UL(fi.live_blocks, 0);
		CHECK(ktest_at_boot("cache create"));
	}

	/* A cache whose first grow fails is still usable afterwards. */
	boot_failing(2);
	struct kmem_cache *c = kmem_cache_create("ok", 64, 0, 0, NULL);
	CHECK(c == NULL);
	fi.fail_at = 0;
	c = kmem_cache_create("ok", 64, 0, 0, NULL);
	CHECK(c != NULL);
	fi.fail_at = fi.calls + 2; /* the new cache's first slab */
	CHECK(kmem_cache_alloc(c, GFP_KERNEL) == NULL);
	CHECK(fi.injected);
	void *o = kmem_cache_alloc(c, GFP_KERNEL);
	CHECK(o != NULL);
	kmem_cache_free(c, o);
	kmem_cache_destroy(c);
	kmem_cache_shrink_all();
	CHECK_EQ_UL(fi.live_blocks, 0);
	CHECK(ktest_at_boot("cache after failed grow"));
}

int main(void)
{
	test_every_failure_point();
	test_slab_grow_failures();
	test_cache_create_failures();
	return check_finish("test_fault_inject");
}
