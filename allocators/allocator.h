/* The small interface through which the harness drives a page allocator.
 * The kernel's buddy sits behind an adapter (kbuddy.c); any other allocator
 * - a third-party one, or a planted-bug double in tests/ - implements the
 * same table and runs the same page-level programs and oracles. */
#ifndef MMRIG_ALLOCATOR_H
#define MMRIG_ALLOCATOR_H

#include <stdbool.h>
#include <stddef.h>

#include "host.h"

struct free_walk {
	void *arg;
	/* Called once for every block on the allocator's free lists. */
	void (*block)(struct free_walk *w, unsigned long pfn, unsigned int order);
	/* Set by walk_free when a list is damaged; a short description. */
	char error[160];
};

struct page_allocator {
	const char *name;
	const char *summary;
	/* true: the allocator is the kernel's buddy, whose tracepoints tell the
	 * model about every block (the harness's and the kernel's own); object
	 * ops (kmalloc, caches) run only on such an allocator. false: the
	 * harness feeds the model from this interface's results. */
	bool traced;
	/* Take over the arena's usable ranges; called before every program.
	 * Returns 0 or -1. */
	int (*init)(struct host_arena *arena);
	/* Block of 1 << order pages (order may exceed MAX_ORDER: must fail),
	 * zeroed when zero is set, or NULL. */
	void *(*alloc)(unsigned int order, bool zero);
	void (*free)(void *block, unsigned int order);
	/* Optional reference counting; NULL: the harness counts and frees at 0. */
	void (*get)(void *block);
	void (*put)(void *block);
	/* Optional: blocks on each free list, orders 0..MAX_ORDER. */
	bool (*free_counts)(unsigned long counts[NR_PAGE_ORDERS]);
	/* Optional: free pages in all, checked at check ops and at the end. */
	unsigned long (*free_total)(void);
	/* Optional: walk every free list, checking its integrity. Returns 0, or
	 * -1 with w->error set. */
	int (*walk_free)(struct free_walk *w);
};

/* All allocators the tools can select by name, NULL-terminated. */
const struct page_allocator *allocator_find(const char *name);
const struct page_allocator *const *allocator_list(void);
extern const struct page_allocator kbuddy_allocator;

/* Planted-bug doubles and third-party allocators are linked in by defining
 * this NULL-terminated array (the default, weak one is empty). */
extern const struct page_allocator *mmrig_extra_allocators[];

#endif
