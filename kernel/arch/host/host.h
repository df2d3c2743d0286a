/* The hosted platform, as the harness sees it: an aligned arena that plays
 * physical memory (PA == host address), a fixed memory map over it, and
 * callbacks through which the kernel's hooks reach the harness. */
#ifndef MMRIG_HOST_H
#define MMRIG_HOST_H

#include "mm/page.h"

struct kmem_cache;

/* HOST_ASAN: built with AddressSanitizer (clang spells it one way, gcc the
 * other); poisoning and crash reports depend on it. */
#if defined(__SANITIZE_ADDRESS__)
#define HOST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOST_ASAN 1
#endif
#endif

#define HOST_ARENA_DEFAULT (16UL << 20)
#define HOST_MAX_RANGES 4

struct host_hooks {
	void *ctx;
	void (*page_alloc)(void *ctx, unsigned long pfn, unsigned int order, unsigned int pgc);
	void (*page_free)(void *ctx, unsigned long pfn, unsigned int order, unsigned int pgc);
	void (*page_alloc_fail)(void *ctx, unsigned int order, gfp_t gfp);
	bool (*should_fail)(void *ctx, gfp_t gfp, size_t size);
	void (*slab_grow)(void *ctx, const struct kmem_cache *c, unsigned long pfn,
			  unsigned int order, unsigned int num);
	void (*slab_destroy)(void *ctx, const struct kmem_cache *c, unsigned long pfn,
			     unsigned int num);
	void (*slab_obj)(void *ctx, const struct kmem_cache *c, const void *obj, bool alloc);
	/* Prints the harness's side of a panic report; the arch then aborts. */
	void (*panic)(void *ctx, const char *check, const char *func, const char *msg);
};

struct host_arena {
	void *base;               /* aligned to 1 << (MAX_ORDER + PAGE_SHIFT) */
	size_t size;
	unsigned long base_pfn;
	unsigned long nr_pfns;
	struct page *mem_map;     /* lives in the reserved head of the arena */
	unsigned long nr_meta_pfns;
	struct mem_range usable[HOST_MAX_RANGES];
	int nr_usable;
	/* Host bookkeeping for a cheap host_mm_reset(): pages handed out since
	 * the last reset (bitmap indexed by pfn - base_pfn), and whether free
	 * memory has been poisoned once already. */
	unsigned long *dirty;
	bool poisoned;
};

/* Map the arena once per process. size is rounded up to a MAX_ORDER block;
 * returns 0 or -1 (with a message on stderr). */
int host_arena_create(size_t size, struct host_arena *out);

/* Bring the kernel to its boot state: memory the previous run dirtied is
 * zeroed, free memory poisoned, buddy and slab re-initialised. Deterministic:
 * the same run after every reset. */
void host_mm_reset(struct host_arena *arena);

void host_set_hooks(const struct host_hooks *hooks);


#endif
