/* host_mm_reset: deterministic, scrubs what a run dirtied, and cheap. */
#include <time.h>

#include "ktest.h"

/* A small fuzz-like run: a few pages and objects. Records the addresses it
 * got, which must be identical after every reset. */
static void run(uintptr_t *trace, int *n)
{
	struct kmem_cache *c = kmem_cache_create("r", 72, 0, 0, NULL);
	void *o = kmem_cache_alloc(c, GFP_KERNEL);
	void *k = kmalloc(300, GFP_KERNEL);
	struct page *p = alloc_pages(GFP_CLASS(PGC_HARNESS), 1);
	void *z = kzalloc(5000, GFP_KERNEL);

	*n = 0;
	trace[(*n)++] = (uintptr_t)c;
	trace[(*n)++] = (uintptr_t)o;
	trace[(*n)++] = (uintptr_t)k;
	trace[(*n)++] = page_to_pfn(p);
	trace[(*n)++] = (uintptr_t)z;
	memset(o, 0x99, 72);
	memset(k, 0x99, 300);
	memset(page_address(p), 0x99, 2 * PAGE_SIZE);
	memset(z, 0x99, 5000);
	/* Leave some of it allocated and some freed: reset copes with both. */
	kfree(k);
	__free_pages(p, 1);
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i])
			return false;
	}
	return true;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(void)
{
	uintptr_t t1[8], t2[8];
	int n1, n2;

	ktest_boot();
	run(t1, &n1);
	ktest_boot();
	CHECK(ktest_at_boot("after reset"));
	run(t2, &n2);
	CHECK_EQ_UL(n1, n2);
	CHECK(memcmp(t1, t2, sizeof(uintptr_t) * (size_t)n1) == 0);

	/* Everything the run wrote is zero again: allocate the same memory
	 * without __GFP_ZERO and look. */
	host_mm_reset(&ktest_arena);
	struct page *p = alloc_pages(GFP_CLASS(PGC_HARNESS), MAX_ORDER);
	struct page *q = alloc_pages(GFP_CLASS(PGC_HARNESS), MAX_ORDER);
	struct page *r = alloc_pages(GFP_CLASS(PGC_HARNESS), MAX_ORDER - 1);
	CHECK(p && q && r);
	size_t nonzero_blocks = 0;
	for (int i = 0; i < 2; i++) {
		struct page *b = i ? q : p;
		nonzero_blocks += !all_zero(page_address(b), PAGE_SIZE << MAX_ORDER);
	}
	nonzero_blocks += !all_zero(page_address(r), PAGE_SIZE << (MAX_ORDER - 1));
	CHECK_EQ_UL(nonzero_blocks, 0);
	/* And the small blocks the run used: take every page left (nofail:
	 * the watermarks would keep some back). */
	struct page *pg;
	size_t dirty = 0, pages = 0;
	while ((pg = nr_free_pages() ? alloc_pages(GFP_KERNEL | __GFP_NOFAIL, 0) : NULL)) {
		dirty += !all_zero(page_address(pg), PAGE_SIZE);
		pages++;
	}
	CHECK_EQ_UL(pages, 4014 - 2048 - 512);
	CHECK_EQ_UL(dirty, 0);

	/* Cost of a reset after a small run (the fuzzer's case). */
	enum { ROUNDS = 2000 };
	uintptr_t t[8];
	int n;
	double total = 0, worst = 0;
	host_mm_reset(&ktest_arena);
	for (int i = 0; i < ROUNDS; i++) {
		run(t, &n);
		double t0 = now_us();
		host_mm_reset(&ktest_arena);
		double dt = now_us() - t0;
		total += dt;
		if (dt > worst)
			worst = dt;
	}
	CHECK(ktest_at_boot("after timed resets"));
	printf("host_mm_reset after a small run: %.1f us average, %.1f us worst (%d rounds)\n",
	       total / ROUNDS, worst, ROUNDS);
	/* Generous bound: only a reset that walks the whole arena fails it. */
	CHECK(total / ROUNDS < 1000.0);
	return check_finish("test_reset");
}
