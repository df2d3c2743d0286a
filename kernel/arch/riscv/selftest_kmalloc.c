/* kmalloc at every size class: the smallest and the largest request of
 * each class, and of the large (buddy-backed) sizes above them. The
 * classes are listed here again on purpose: the test holds the kernel to
 * them instead of reading them back from it. */
#include "arch.h"
#include "lib.h"
#include "mm/slab.h"
#include "selftest.h"

static const size_t classes[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};

static bool is_pow2(size_t n)
{
	return n && !(n & (n - 1));
}

/* Above the classes kmalloc takes a whole buddy block. */
static size_t large_block(size_t size)
{
	size_t block = PAGE_SIZE;

	while (block < size)
		block <<= 1;
	return block;
}

static bool filled(const unsigned char *p, unsigned char c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != c)
			return false;
	}
	return true;
}

static bool check_object(const void *p, size_t size, size_t want)
{
	uintptr_t a = (uintptr_t)p;
	/* Power-of-two classes (and buddy blocks) are naturally aligned;
	 * callers count on kmalloc(4096) being a page. */
	size_t align = is_pow2(want) ? want : 8;

	if (!st_check(!ZERO_OR_NULL_PTR(p), "kmalloc(%zu) returned %p", size, p))
		return false;
	st_check(ksize(p) == want, "kmalloc(%zu): ksize %zu, want %zu", size, ksize(p), want);
	st_check(IS_ALIGNED(a, align), "kmalloc(%zu) = %lx is not %zu-aligned", size,
		 (unsigned long)a, align);
	return st_check(pfn_valid(a >> PAGE_SHIFT) && pfn_valid((a + want - 1) >> PAGE_SHIFT),
			"kmalloc(%zu) = %lx is outside managed memory", size, (unsigned long)a);
}

/* Two live objects, each filled whole, must keep their bytes; an object
 * freed dirty must come back zeroed from kzalloc. */
static void test_size(size_t size, size_t want)
{
	unsigned char *a = kmalloc(size, GFP_KERNEL), *b = kmalloc(size, GFP_KERNEL), *z;

	if (!check_object(a, size, want) || !check_object(b, size, want)) {
		kfree(a);
		kfree(b);
		return;
	}
	st_check(a + want <= b || b + want <= a, "kmalloc(%zu): %p and %p overlap", size, (void *)a,
		 (void *)b);
	memset(a, 0xa5, want);
	memset(b, 0x5a, want);
	st_check(filled(a, 0xa5, want) && filled(b, 0x5a, want),
		 "kmalloc(%zu): writing one object changed the other", size);
	kfree(a);
	z = kzalloc(size, GFP_KERNEL);
	if (check_object(z, size, want))
		st_check(filled(z, 0, size), "kzalloc(%zu) = %p is not zeroed", size, (void *)z);
	kfree(z);
	kfree(b);
}

void selftest_kmalloc(void)
{
	static const size_t large[] = {
		KMALLOC_MAX_CACHE_SIZE + 1,
		4 * PAGE_SIZE + 1,
		SUPERPGSIZE,
		KMALLOC_MAX_SIZE,
	};
	unsigned long before[NR_PAGE_ORDERS];
	size_t prev = 0;

	st_begin("kmalloc");
	kmem_cache_shrink_all();
	st_free_blocks(before);
	for (size_t i = 0; i < ARRAY_SIZE(classes); prev = classes[i++]) {
		test_size(prev + 1, classes[i]);
		test_size(classes[i], classes[i]);
	}
	st_check(prev == KMALLOC_MAX_CACHE_SIZE, "the largest class is %zu, the kernel says %d",
		 prev, KMALLOC_MAX_CACHE_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(large); i++)
		test_size(large[i], large_block(large[i]));
	st_check(kmalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR, "kmalloc(0) is not ZERO_SIZE_PTR");
	st_check(kmalloc(KMALLOC_MAX_SIZE + 1, GFP_KERNEL) == NULL, "kmalloc(%lu) did not fail",
		 KMALLOC_MAX_SIZE + 1);
	kfree(NULL);
	kfree(ZERO_SIZE_PTR);
	/* Eager coalescing makes the free structure a function of what is
	 * allocated: with everything freed it must be the boot one again. */
	kmem_cache_shrink_all();
	st_check_free_blocks(before, "after");
	st_end();
}
