/* SLAB-style object caches and kmalloc. */
#ifndef MMRIG_MM_SLAB_H
#define MMRIG_MM_SLAB_H

#include "gfp.h"
#include "page.h"

#define SLAB_HWCACHE_ALIGN 0x1u /* align objects to the cache line */
#define CACHE_LINE_SIZE 64

/* kmalloc(0) returns this: not NULL (not a failure), but any access faults. */
#define ZERO_SIZE_PTR ((void *)16)
#define ZERO_OR_NULL_PTR(p) ((uintptr_t)(p) <= (uintptr_t)ZERO_SIZE_PTR)

/* A cache keeps the first KMEM_NAME_MAX - 1 bytes of its name. */
#define KMEM_NAME_MAX 32
#define KMALLOC_MIN_SIZE 8
#define KMALLOC_MAX_CACHE_SIZE 8192 /* larger requests go to the buddy allocator */
#define KMALLOC_MAX_SIZE (PAGE_SIZE << MAX_ORDER)

struct kmem_cache;

/* Reset all slab state; called after buddy_init(). */
void kmem_cache_init(void);

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align,
				     unsigned int flags, void (*ctor)(void *));
void *kmem_cache_alloc(struct kmem_cache *cache, gfp_t gfp);
void kmem_cache_free(struct kmem_cache *cache, void *obj);
int kmem_cache_shrink(struct kmem_cache *cache); /* returns pages released */
void kmem_cache_destroy(struct kmem_cache *cache);
size_t kmem_cache_size(const struct kmem_cache *cache); /* usable bytes per object */
/* As /proc/slabinfo names it: kmalloc's caches are "kmalloc-SIZE". */
const char *kmem_cache_name(const struct kmem_cache *cache);
void kmem_cache_shrink_all(void); /* shrink every cache, kmalloc's included */

/* Which list a slab is on: full, partial (some objects live) or free. */
enum slab_list { SLAB_LIST_FULL, SLAB_LIST_PARTIAL, SLAB_LIST_FREE };
/* Every slab of every cache, with its list and live objects: for the
 * oracles, which compare it with what the slab tracepoints said. */
void kmem_cache_walk(void (*fn)(void *ctx, const struct kmem_cache *c, struct page *slab,
				enum slab_list list, unsigned int active),
		     void *ctx);

/* The periodic reaper's pass on this CPU (docs/cpus.md). */
void cache_reap(void);
/* A cache's array caches, for the oracles: this CPU's (cpu >= 0) or the
 * shared pool (cpu -1). false when the cache has none (one CPU). */
struct array_cache_info {
	unsigned int avail, limit, batchcount;
	void *const *entry; /* avail objects, oldest first */
};
bool kmem_cache_array(const struct kmem_cache *c, int cpu, struct array_cache_info *out);
/* The cache's count of free objects on its slab lists; -1 without arrays. */
long kmem_cache_free_count(const struct kmem_cache *c);

void *kmalloc(size_t size, gfp_t gfp);
void *kzalloc(size_t size, gfp_t gfp);
void *kcalloc(size_t n, size_t size, gfp_t gfp);
void *krealloc(const void *p, size_t new_size, gfp_t gfp);
void kfree(const void *p);
size_t ksize(const void *p);

#endif
