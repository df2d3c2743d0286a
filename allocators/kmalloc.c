/* The kernel's kmalloc family as a byte allocator: the byte oracles judge
 * it through the same table as any plugged malloc, so the kernel's
 * planted slab bugs prove the byte interface. Its memory comes from the
 * kernel's buddy as slab pages and large-kmalloc blocks, not through
 * mmrig_source_alloc; the executor knows those classes as its own. */
#include "allocator.h"
#include "mm/slab.h"

static int kmalloc_init(void)
{
	return 0;
}

/* Slab pages kept for reuse are the cache's, not a leak: the kernel gives
 * them back when asked, as it would under memory pressure. */
static void kmalloc_fini(void)
{
	kmem_cache_shrink_all();
}

static void *kmalloc_malloc(size_t size)
{
	return kmalloc(size, GFP_KERNEL);
}

static void kmalloc_free(void *p)
{
	kfree(p);
}

static void *kmalloc_calloc(size_t n, size_t size)
{
	return kcalloc(n, size, GFP_KERNEL);
}

static void *kmalloc_realloc(void *p, size_t size)
{
	return krealloc(p, size, GFP_KERNEL);
}

static size_t kmalloc_usable(void *p)
{
	return ksize(p);
}

MMRIG_BYTE_ALLOCATOR(kmalloc_bytes) = {
	.name = "kmalloc",
	.summary = "the kernel's kmalloc / kcalloc / krealloc / kfree (kernel/mm/kmalloc.c)",
	.guarantees = MMRIG_BY_SHRINK_IN_PLACE | MMRIG_BY_GROW_IN_USABLE |
		      MMRIG_BY_NO_SPURIOUS_FAILURE,
	.min_align = KMALLOC_MIN_SIZE,
	.max_size = KMALLOC_MAX_SIZE,
	.zero_size = MMRIG_ZERO_TOKEN,
	.zero_token = ZERO_SIZE_PTR,
	.confined = true,
	.init = kmalloc_init,
	.fini = kmalloc_fini,
	.malloc = kmalloc_malloc,
	.free = kmalloc_free,
	.calloc = kmalloc_calloc,
	.realloc = kmalloc_realloc,
	.usable_size = kmalloc_usable,
};
