/* Shared set-up for the kernel unit tests: one default-size arena per
 * process, reset to boot state by each test that wants a clean kernel. */
#ifndef MMRIG_KTEST_H
#define MMRIG_KTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "host.h"
#include "mm/page.h"
#include "mm/slab.h"

static struct host_arena ktest_arena;
static unsigned long ktest_boot_free[NR_PAGE_ORDERS];

/* Map the arena (first call only) and bring the kernel to boot state. */
static inline void ktest_boot(void)
{
	static int mapped;

	if (!mapped) {
		if (host_arena_create(HOST_ARENA_DEFAULT, &ktest_arena)) {
			fprintf(stderr, "cannot create the arena\n");
			exit(2);
		}
		mapped = 1;
	}
	host_set_hooks(NULL);
	host_mm_reset(&ktest_arena);
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		ktest_boot_free[o] = nr_free_blocks(o);
}

/* True when every order has exactly its boot number of free blocks. */
static inline int ktest_same_as_boot(void)
{
	for (unsigned int o = 0; o <= MAX_ORDER; o++) {
		if (nr_free_blocks(o) != ktest_boot_free[o])
			return 0;
	}
	return 1;
}

/* The same, printing the first difference when there is one. */
static inline int ktest_at_boot(const char *where)
{
	for (unsigned int o = 0; o <= MAX_ORDER; o++) {
		if (nr_free_blocks(o) != ktest_boot_free[o]) {
			fprintf(stderr, "%s: order %u has %lu free blocks, %lu at boot\n", where, o,
				nr_free_blocks(o), ktest_boot_free[o]);
			return 0;
		}
	}
	return 1;
}

static inline unsigned long ktest_pfn_off(const struct page *p)
{
	return page_to_pfn(p) - ktest_arena.base_pfn;
}

#endif
