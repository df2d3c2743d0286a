/* The page interface: an allocator of blocks of 1 << order pages, plugged
 * into the rig by a table of functions. The oracles judge exactly what the
 * table declares in .guarantees: nothing less, nothing more. */
#ifndef MMRIG_PAGE_H
#define MMRIG_PAGE_H

#include "mmrig_adapter.h"

/* Every block is aligned to its own size (a buddy allocator). Without it
 * a block need only be page aligned (first fit, bitmap, TLSF). */
#define MMRIG_PG_ALIGNED 0x1u
/* The free structure is a canonical buddy with eager coalescing: after
 * every op the per-order free counts (free_counts) and at check ops the
 * free lists (walk_free) must equal the model's. Needs MMRIG_PG_ALIGNED. */
#define MMRIG_PG_CANONICAL 0x2u
/* An allocation of order <= max_order fails only when no free block of
 * that order exists: an aligned free block with MMRIG_PG_ALIGNED, any
 * free run of that many pages without it. Without this guarantee any
 * failure is legal (a non-buddy policy may fragment). */
#define MMRIG_PG_NO_SPURIOUS_FAILURE 0x4u

#define MMRIG_MAX_ORDERS 21

struct mmrig_free_walk {
	void *arg;
	/* Call once for every block the allocator holds free. */
	void (*block)(struct mmrig_free_walk *w, uintptr_t addr, unsigned int order);
	/* Set by walk_free when a list is damaged; a short description. */
	char error[160];
};

struct mmrig_page_allocator {
	const char *name;        /* what --allocator selects: [a-z0-9_.-]+ */
	const char *summary;     /* one line for --list-allocators */
	unsigned int guarantees; /* MMRIG_PG_* */
	/* Largest order served; larger requests must fail (NULL). */
	unsigned int max_order;
	/* How many separate ranges init can take (0: any). An allocator of
	 * one contiguous region says 1 and gets the largest; the rest of the
	 * rig's memory is then simply not its to manage. */
	int max_ranges;
	/* Start afresh on these ranges (called before every program; state
	 * from the last program must not survive). May mmrig_claim() pages
	 * for metadata. Returns 0, or -1 (the run stops: harness.init). */
	int (*init)(const struct mmrig_range *ranges, int nr);
	/* A block of 1 << order pages, zeroed when zero is set, or NULL. */
	void *(*alloc)(unsigned int order, bool zero);
	/* Drops the caller's reference: without get/put the block is free
	 * again; with them, when the last reference goes (Linux's
	 * __free_pages). */
	void (*free)(void *block, unsigned int order);
	/* Optional reference counting: get adds one, put drops one and frees
	 * at zero. NULL: the rig counts and calls free at zero. */
	void (*get)(void *block);
	void (*put)(void *block);
	/* Optional: free blocks per order, counts[0..max_order]. */
	bool (*free_counts)(unsigned long *counts);
	/* Optional: free pages in all, checked at check ops and at the end. */
	unsigned long (*free_total)(void);
	/* Optional: report every free block; 0, or -1 with w->error set. */
	int (*walk_free)(struct mmrig_free_walk *w);
};

#define MMRIG_PAGE_ALLOCATOR(var) \
	MMRIG_REGISTER_("mmrig_page_allocators", struct mmrig_page_allocator, var)

#endif
