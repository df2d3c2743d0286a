/* kmalloc family: size classes, alignment, zeroing, realloc, large path. */
#include "ktest.h"

static const size_t classes[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};

/* The size ksize() must report for a kmalloc of n bytes. */
static size_t expected_ksize(size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(classes); i++) {
		if (n <= classes[i])
			return classes[i];
	}
	size_t block = PAGE_SIZE;
	while (block < n)
		block <<= 1;
	return block;
}

static void test_class_boundaries(void)
{
	ktest_boot();
	for (size_t i = 0; i < ARRAY_SIZE(classes); i++) {
		size_t s = classes[i];
		void *a = kmalloc(s, GFP_KERNEL);
		void *b = kmalloc(s + 1, GFP_KERNEL);
		void *c = kmalloc(s - 1, GFP_KERNEL);

		CHECK(a && b && c);
		CHECK_EQ_UL(ksize(a), s);
		CHECK_EQ_UL(ksize(c), s);
		CHECK_EQ_UL(ksize(b), expected_ksize(s + 1));
		CHECK(ksize(b) > s);
		/* The whole ksize is usable. */
		memset(a, 1, ksize(a));
		memset(b, 2, ksize(b));
		memset(c, 3, ksize(c));
		CHECK(((unsigned char *)a)[s - 1] == 1);
		kfree(a);
		kfree(b);
		kfree(c);
	}
	for (size_t n = 1; n <= 8; n++) {
		void *p = kmalloc(n, GFP_KERNEL);
		CHECK_EQ_UL(ksize(p), 8);
		CHECK_EQ_UL((uintptr_t)p % 8, 0);
		kfree(p);
	}
	/* The first large size: a compound block marked for kfree. */
	void *p = kmalloc(KMALLOC_MAX_CACHE_SIZE + 1, GFP_KERNEL);
	CHECK(p != NULL);
	CHECK_EQ_UL(ksize(p), 4 * PAGE_SIZE);
	CHECK(virt_to_page(p)->flags & PG_large_kmalloc);
	CHECK_EQ_UL(virt_to_page(p)->pgclass, PGC_KMALLOC_LARGE);
	CHECK((virt_to_page(p) + 1)->flags & PG_tail);
	kfree(p);
	kmem_cache_shrink_all();
	CHECK(ktest_at_boot("class boundaries"));
}

/* Power-of-two sizes are naturally aligned, in every class and beyond. */
static void test_natural_alignment(void)
{
	static void *objs[40];

	ktest_boot();
	for (size_t s = 8; s <= (2UL << 20); s <<= 1) {
		size_t n = s <= 8192 ? ARRAY_SIZE(objs) : 2;

		for (size_t i = 0; i < n; i++) {
			objs[i] = kmalloc(s, GFP_KERNEL);
			CHECK(objs[i] != NULL);
			CHECK_EQ_UL((uintptr_t)objs[i] % s, 0);
		}
		for (size_t i = 0; i < n; i++)
			kfree(objs[i]);
	}
	/* The non-power-of-two classes still give 8-byte alignment. */
	for (size_t i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = kmalloc(i % 2 ? 96 : 192, GFP_KERNEL);
		CHECK_EQ_UL((uintptr_t)objs[i] % 8, 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(objs); i++)
		kfree(objs[i]);
	kmem_cache_shrink_all();
	CHECK(ktest_at_boot("alignment"));
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
	return x < y ? -1 : x > y;
}

/* Many live objects of mixed sizes never overlap and stay intact. */
static void test_disjoint(void)
{
	enum { N = 600 };
	static uintptr_t addr[N];
	static void *ptr[N];
	static size_t size[N];

	ktest_boot();
	for (int i = 0; i < N; i++) {
		size[i] = 1 + (size_t)((i * 7919) % 9000);
		ptr[i] = kmalloc(size[i], GFP_KERNEL);
		CHECK(ptr[i] != NULL);
		memset(ptr[i], i & 0xff, size[i]);
	}
	for (int i = 0; i < N; i++)
		addr[i] = (uintptr_t)ptr[i];
	qsort(addr, N, sizeof(addr[0]), cmp_ptr);
	for (int i = 0; i + 1 < N; i++)
		CHECK(addr[i] + ksize((void *)addr[i]) <= addr[i + 1]);
	for (int i = 0; i < N; i++) {
		const unsigned char *b = ptr[i];
		CHECK(b[0] == (i & 0xff) && b[size[i] - 1] == (i & 0xff));
	}
	/* Free every other one, reallocate, free all. */
	for (int i = 0; i < N; i += 2)
		kfree(ptr[i]);
	for (int i = 0; i < N; i += 2)
		ptr[i] = kmalloc(size[i], GFP_KERNEL);
	for (int i = 0; i < N; i++)
		kfree(ptr[i]);
	CHECK(!ktest_same_as_boot());
	kmem_cache_shrink_all();
	CHECK(ktest_at_boot("disjoint"));
}

static size_t count_nonzero(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += b[i] != 0;
	return k;
}

static void test_zeroing(void)
{
	ktest_boot();
	void *p = kmalloc(64, GFP_KERNEL);
	memset(p, 0xff, 64);
	kfree(p);
	void *q = kzalloc(64, GFP_KERNEL);
	CHECK(q == p); /* LIFO reuse: a stale object must be wiped */
	CHECK_EQ_UL(count_nonzero(q, 64), 0);
	kfree(q);

	void *big = kmalloc(3 * PAGE_SIZE + 5, GFP_KERNEL);
	memset(big, 0xee, 3 * PAGE_SIZE + 5);
	kfree(big);
	big = kzalloc(3 * PAGE_SIZE + 5, GFP_KERNEL);
	CHECK_EQ_UL(count_nonzero(big, 3 * PAGE_SIZE + 5), 0);
	kfree(big);

	/* kcalloc: zeroed, and refuses a product that overflows. */
	void *c = kcalloc(10, 10, GFP_KERNEL);
	CHECK(c && ksize(c) >= 100);
	CHECK_EQ_UL(count_nonzero(c, 100), 0);
	kfree(c);
	CHECK(kcalloc(SIZE_MAX / 2, 4, GFP_KERNEL) == NULL);
	CHECK(kcalloc(4, SIZE_MAX / 2, GFP_KERNEL) == NULL);
	CHECK(kcalloc((SIZE_MAX >> 12) + 1, 4096, GFP_KERNEL) == NULL);
	CHECK(kcalloc(0, 5, GFP_KERNEL) == ZERO_SIZE_PTR);
	CHECK(kcalloc(5, 0, GFP_KERNEL) == ZERO_SIZE_PTR);
	kmem_cache_shrink_all();
	CHECK(ktest_at_boot("zeroing"));
}

static void fill(void *p, size_t n, unsigned char seed)
{
	unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(seed + i * 31);
}

static bool same(const void *p, size_t n, unsigned char seed)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		if (b[i] != (unsigned char)(seed + i * 31))
			return false;
	}
	return true;
}

static void test_krealloc(void)
{
	ktest_boot();
	void *p = kmalloc(20, GFP_KERNEL);
	fill(p, 20, 7);

	/* Grow across classes, then to the large path and back. */
	void *q = krealloc(p, 200, GFP_KERNEL);
	CHECK(q && q != p && ksize(q) >= 200 && same(q, 20, 7));
	fill(q, 200, 9);
	void *r = krealloc(q, 3 << 20, GFP_KERNEL);
	CHECK(r && ksize(r) >= (3 << 20) && same(r, 200, 9));
	void *s = krealloc(r, 100, GFP_KERNEL);
	CHECK(s && same(s, 100, 9));

	/* Shrinking within ksize keeps the object. */
	void *t = kmalloc(250, GFP_KERNEL);
	fill(t, 250, 3);
	CHECK(krealloc(t, 10, GFP_KERNEL) == t);
	CHECK(krealloc(t, 256, GFP_KERNEL) == t);
	CHECK(same(t, 250, 3));

	/* __GFP_ZERO: the bytes past the old object come back zero. */
	void *u = krealloc(t, 1000, __GFP_ZERO);
	CHECK(same(u, 250, 3));
	CHECK_EQ_UL(count_nonzero((char *)u + 256, 1000 - 256), 0);

	/* NULL is kmalloc; 0 frees; too big fails and keeps the object. */
	void *v = krealloc(NULL, 30, GFP_KERNEL);
	CHECK(v && ksize(v) == 32);
	CHECK(krealloc(v, 0, GFP_KERNEL) == ZERO_SIZE_PTR);
	fill(u, 1000, 5);
	CHECK(krealloc(u, 16UL << 20, GFP_KERNEL) == NULL);
	CHECK(same(u, 1000, 5));
	void *w = krealloc(ZERO_SIZE_PTR, 40, GFP_KERNEL);
	CHECK(w && ksize(w) == 64);

	kfree(s);
	kfree(u);
	kfree(w);
	kmem_cache_shrink_all();
	CHECK(ktest_at_boot("krealloc"));
}

static void test_edges(void)
{
	ktest_boot();
	CHECK(kmalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	CHECK(kzalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	CHECK_EQ_UL(ksize(ZERO_SIZE_PTR), 0);
	CHECK_EQ_UL(ksize(NULL), 0);
	kfree(NULL);
	kfree(ZERO_SIZE_PTR);
	CHECK(ktest_at_boot("zero sizes"));

	/* The workload's 2 MiB superpage copy and 16 MiB sendfile buffer. */
	void *sp = kmalloc(SUPERPGSIZE, GFP_KERNEL);
	CHECK(sp != NULL);
	CHECK_EQ_UL((uintptr_t)sp % SUPERPGSIZE, 0);
	CHECK_EQ_UL(ksize(sp), SUPERPGSIZE);
	memset(sp, 0x11, SUPERPGSIZE);
	CHECK(kmalloc(16UL << 20, GFP_KERNEL) == NULL);
	CHECK(kmalloc(KMALLOC_MAX_SIZE + 1, GFP_KERNEL) == NULL);
	CHECK(kzalloc(SIZE_MAX, GFP_KERNEL) == NULL);
	void *max = kmalloc(KMALLOC_MAX_SIZE, GFP_KERNEL);
	CHECK(max != NULL);
	CHECK_EQ_UL(ksize(max), KMALLOC_MAX_SIZE);
	kfree(max);
	kfree(sp);
	CHECK(ktest_at_boot("large"));
}

int main(void)
{
	test_class_boundaries();
	test_natural_alignment();
	test_disjoint();
	test_zeroing();
	test_krealloc();
	test_edges();
	return check_finish("test_kmalloc");
}
