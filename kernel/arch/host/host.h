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
#define HOST_MAX_HOLES 3
#define HOST_MAX_RANGES (HOST_MAX_HOLES + 1)

struct host_hooks {
	void *ctx;
	void (*page_alloc)(void *ctx, unsigned long pfn, unsigned int order, unsigned int pgc);
	void (*page_free)(void *ctx, unsigned long pfn, unsigned int order, unsigned int pgc);
	void (*page_alloc_fail)(void *ctx, unsigned int order, gfp_t gfp);
	void (*page_alloc_warn)(void *ctx, unsigned int order, gfp_t gfp);
	void (*pcp_add)(void *ctx, unsigned long pfn, unsigned int order, unsigned int cpu,
			bool refill);
	void (*pcp_drain)(void *ctx, unsigned long pfn, unsigned int order, unsigned int cpu);
	bool (*should_fail)(void *ctx, gfp_t gfp, size_t size);
	void (*slab_grow)(void *ctx, const struct kmem_cache *c, unsigned long pfn,
			  unsigned int order, unsigned int num);
	void (*slab_destroy)(void *ctx, const struct kmem_cache *c, unsigned long pfn,
			     unsigned int num);
	void (*slab_obj)(void *ctx, const struct kmem_cache *c, const void *obj, bool alloc);
	/* A preemption point reached by a CPU holding no spinlock
	 * (docs/cpus.md): the harness may run another CPU's op here. */
	void (*preempt)(void *ctx, unsigned int id);
	/* Lock discipline broken: check is a spinlock.* name. */
	void (*lock_error)(void *ctx, const char *check, const char *msg);
	/* Prints the harness's side of a panic report; the arch then aborts. */
	void (*panic)(void *ctx, const char *check, const char *func, const char *msg);
};

struct host_arena {
	void *base;  /* aligned to 1 << (MAX_ORDER + PAGE_SHIFT) */
	size_t size; /* of the current layout: nr_pfns pages */
	unsigned long base_pfn;
	unsigned long nr_pfns;
	unsigned long cap_pfns; /* mapped: the largest layout it can take */
	struct page *mem_map;   /* lives in the reserved head of the arena */
	unsigned long nr_meta_pfns;
	/* What must come out free at boot: the geometry's pages past the
	 * head, minus its holes. */
	struct mem_range usable[HOST_MAX_RANGES];
	int nr_usable;
	/* The memory map as firmware reports it, which the kernel boots from
	 * (memblock): RAM banks, and reservations inside them (the head's
	 * firmware gap past mem_map; every second hole is reserved-memory
	 * rather than missing RAM). mem_map itself is allocated at boot. */
	struct mem_range memory[HOST_MAX_RANGES];
	int nr_memory;
	struct mem_range reserved[HOST_MAX_RANGES];
	int nr_reserved;
	/* Pages of the scratch buffer the boot takes from memblock and gives
	 * back (1 to 4, from the start alignment). */
	unsigned long nr_early_pfns;
	/* Pages from the base that form ZONE_DMA32 (the rest is ZONE_NORMAL):
	 * the geometry's stand-in for the 4 GiB line the arena is far from. */
	unsigned long nr_dma32_pfns;
	/* Host bookkeeping for a cheap host_mm_reset(): pages handed out since
	 * the last reset (bitmap indexed by pfn - base_pfn), and whether free
	 * memory has been poisoned once already. */
	unsigned long *dirty;
	bool poisoned;
};

/* Map the arena once per process. size is rounded up to a MAX_ORDER block
 * and is the largest layout it can take; it starts with the default layout
 * of that size. Returns 0 or -1 (with a message on stderr). */
int host_arena_create(size_t size, struct host_arena *out);
/* Gives back what host_arena_create took (an executor whose creation
 * failed half-way unwinds with it); the arena must not be used again. */
void host_arena_destroy(struct host_arena *a);

/* Lays the arena out for one geometry (layout.c): nr_pfns pages from the
 * base (at most cap_pfns), mem_map at the start, then a 3-page gap, and
 * usable memory from the first pfn past them aligned to 1 << align_order
 * pages and, below MAX_ORDER, to no more, so the start's alignment is
 * exactly the one asked for (align_order 0: an odd pfn); minus the holes
 * (pfn offsets, ascending), clipped to leave the first usable page.
 * Changing the layout scrubs what the old one used, so the next
 * host_mm_reset starts from the same memory as a fresh arena. Returns 0,
 * or -1 when the geometry does not fit the mapping. The first
 * nr_dma32_pfns pages are ZONE_DMA32 (0, or nr_pfns or more: all of it). */
int host_arena_layout(struct host_arena *a, unsigned long nr_pfns, unsigned int align_order,
		      const struct mem_range *holes, int nr_holes, unsigned long nr_dma32_pfns);
/* The layout every arena of nr_pfns had before geometries: start odd, and
 * a 7-page hole half-way in (at nr_pfns / 2 + 13) when it holds two
 * MAX_ORDER blocks. For 16 MiB it is the programs' default geometry. */
int host_arena_layout_default(struct host_arena *a, unsigned long nr_pfns);

/* Bring the kernel to its boot state: memory the previous run dirtied is
 * zeroed, free memory poisoned, buddy and slab re-initialised. Deterministic:
 * the same run after every reset. */
void host_mm_reset(struct host_arena *arena);

void host_set_hooks(const struct host_hooks *hooks);

/* cpu.c: the simulated CPUs (docs/cpus.md). setup: n CPUs (1..NR_CPUS),
 * CPU 0 current, no lock held, interrupts on. switch: the CPU the next
 * kernel call runs on; returns the previous one. atomic: whether the CPU
 * holds a spinlock or has interrupts off, with the counts. */
void host_cpus_setup(unsigned int n);
unsigned int host_cpu_switch(unsigned int cpu);
bool host_cpu_atomic(unsigned int cpu, unsigned int *locks, unsigned int *irq_off);

#endif
