/* kmalloc: general-purpose allocation on top of the object caches.
 *
 * Requests up to KMALLOC_MAX_CACHE_SIZE go to the smallest size class that
 * fits; bigger ones take a compound buddy block of their own, marked
 * PG_large_kmalloc so kfree() and ksize() can recognise it.
 */
#include "arch.h"
#include "lib.h"
#include "mm/might_sleep.h"
#include "mm/slab.h"
#include "slab_internal.h"

static const size_t kmalloc_sizes[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};

static const char *const kmalloc_names[] = {
	"kmalloc-8",    "kmalloc-16",   "kmalloc-32",   "kmalloc-64",  "kmalloc-96",
	"kmalloc-128",  "kmalloc-192",  "kmalloc-256",  "kmalloc-512", "kmalloc-1024",
	"kmalloc-2048", "kmalloc-4096", "kmalloc-8192",
};

#define NR_KMALLOC_CACHES ARRAY_SIZE(kmalloc_sizes)

static struct kmem_cache kmalloc_caches[NR_KMALLOC_CACHES];

_Static_assert(ARRAY_SIZE(kmalloc_names) == NR_KMALLOC_CACHES, "one name per class");

static bool is_power_of_2(size_t n)
{
	return n && !(n & (n - 1));
}

/* Power-of-two classes are naturally aligned: callers rely on kmalloc(4096)
 * being a page and kmalloc(512) never straddling a 512-byte boundary. */
void kmalloc_init(void)
{
	for (size_t i = 0; i < NR_KMALLOC_CACHES; i++) {
		size_t size = kmalloc_sizes[i];

		kmem_cache_setup(&kmalloc_caches[i], kmalloc_names[i], size,
				 is_power_of_2(size) ? size : 0, 0, NULL, true);
		kmem_cache_link(&kmalloc_caches[i]);
	}
}

/* Biggest first: the off-slab index arrays of the big classes are objects
 * of the small ones. */
void kmalloc_shrink_all(void)
{
	for (size_t i = NR_KMALLOC_CACHES; i-- > 0;)
		kmem_cache_shrink(&kmalloc_caches[i]);
}

static struct kmem_cache *kmalloc_slab(size_t size)
{
	for (size_t i = 0; i < NR_KMALLOC_CACHES; i++) {
		if (size <= kmalloc_sizes[i])
			return &kmalloc_caches[i];
	}
	return NULL;
}

static unsigned int size_to_order(size_t size)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

static void *kmalloc_large(size_t size, gfp_t gfp)
{
	gfp_t pgfp = (gfp & ~GFP_CLASS_MASK) | __GFP_COMP | GFP_CLASS(PGC_KMALLOC_LARGE);
	struct page *page;

	might_sleep(gfp);
	page = alloc_pages(pgfp, size_to_order(size));
	if (!page)
		return NULL;
	page->flags |= PG_large_kmalloc;
	return page_address(page);
}

void *kmalloc(size_t size, gfp_t gfp)
{
	if (size == 0)
		return ZERO_SIZE_PTR;
	/* Bigger than the biggest buddy block: refuse before asking anyone. */
	if (size > KMALLOC_MAX_SIZE)
		return NULL;
	if (size > KMALLOC_MAX_CACHE_SIZE)
		return kmalloc_large(size, gfp);
	return kmem_cache_alloc(kmalloc_slab(size), gfp);
}

void *kzalloc(size_t size, gfp_t gfp)
{
	return kmalloc(size, gfp | __GFP_ZERO);
}

void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return kzalloc(n * size, gfp);
}

/* The head page of a large kmalloc block starting exactly at p, or NULL. */
static struct page *large_kmalloc_head(const void *p)
{
	struct page *page = virt_to_page(p);

	if (!page)
		return NULL;
	page = compound_head(page);
	if (!(page->flags & PG_large_kmalloc) || page_address(page) != p)
		return NULL;
	return page;
}

void kfree(const void *p)
{
	struct page *page;

	if (ZERO_OR_NULL_PTR(p))
		return;
	page = virt_to_slab(p);
	if (page) {
		slab_release(page->slab_cache, page, (void *)(uintptr_t)p);
		return;
	}
	page = large_kmalloc_head(p);
	if (!page)
		panic("slab-bad-free", "pointer is neither a slab object nor a large kmalloc");
	__free_pages(page, page->order);
}

size_t ksize(const void *p)
{
	struct page *page;

	if (ZERO_OR_NULL_PTR(p))
		return 0;
	page = virt_to_slab(p);
	if (page)
		return page->slab_cache->object_size;
	page = large_kmalloc_head(p);
	return page ? PAGE_SIZE << page->order : 0;
}

void *krealloc(const void *p, size_t new_size, gfp_t gfp)
{
	size_t old_size;
	void *n;

	if (ZERO_OR_NULL_PTR(p))
		return kmalloc(new_size, gfp);
	if (new_size == 0) {
		kfree(p);
		return ZERO_SIZE_PTR;
	}
	/* The object already has room: nothing moves. */
	old_size = ksize(p);
	if (new_size <= old_size)
		return (void *)(uintptr_t)p;

	n = kmalloc(new_size, gfp);
	if (!n)
		return NULL;
	memcpy(n, p, old_size);
	kfree(p);
	return n;
}
