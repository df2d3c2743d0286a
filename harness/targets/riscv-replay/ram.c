/* Physical memory for the harness. The boot kernel's buddy owns all free
 * RAM; before the first program, every largest block it has is taken, and
 * the harness's heap and the arena are carved from runs of adjacent
 * blocks. The first host_mm_reset() then re-initialises the buddy over the
 * arena alone, as the hosted build's buddy manages only its arena; the
 * boot kernel's page tables stay where they are, outside it.
 *
 * The arena is laid out by the hosted arena's code (layout.c), for every
 * geometry: the buddy model's free counts, and so the run digest, depend
 * on that layout, not on where the arena lies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "host_internal.h"
#include "mm/gfp.h"
#include "replay.h"

#define BLOCK_ORDER MAX_ORDER
#define BLOCK_PFNS (1UL << BLOCK_ORDER)
#define BLOCK_BYTES (BLOCK_PFNS << PAGE_SHIFT)
#define MAX_BLOCKS 512

static unsigned long blocks[MAX_BLOCKS]; /* pfns, ascending */
static int nr_blocks;

static int cmp_pfn(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

static void sort_blocks(void)
{
	/* Insertion sort: a few dozen entries, and hlibc has no qsort. */
	for (int i = 1; i < nr_blocks; i++)
		for (int j = i; j > 0 && cmp_pfn(&blocks[j - 1], &blocks[j]) > 0; j--) {
			unsigned long t = blocks[j];

			blocks[j] = blocks[j - 1];
			blocks[j - 1] = t;
		}
}

/* Removes the lowest run of n adjacent blocks; returns its address. */
static void *take_run(unsigned long n)
{
	if (!n)
		return NULL;
	for (int i = 0; i + (int)n <= nr_blocks; i++) {
		if (blocks[i + n - 1] - blocks[i] != (n - 1) * BLOCK_PFNS)
			continue;
		void *base = (void *)(blocks[i] << PAGE_SHIFT);

		memmove(&blocks[i], &blocks[i + n], (nr_blocks - i - n) * sizeof(blocks[0]));
		nr_blocks -= (int)n;
		return base;
	}
	return NULL;
}

int replay_memory_init(size_t heap_size)
{
	struct page *pg;
	void *heap;

	while (nr_blocks < MAX_BLOCKS && (pg = alloc_pages(GFP_KERNEL, BLOCK_ORDER)))
		blocks[nr_blocks++] = page_to_pfn(pg);
	sort_blocks();
	heap_size = ALIGN_UP(heap_size, BLOCK_BYTES);
	heap = take_run(heap_size / BLOCK_BYTES);
	if (!heap) {
		fprintf(stderr, "replay: no %zu MiB of contiguous RAM for the heap\n",
			heap_size >> 20);
		return -1;
	}
	hl_heap_init(heap, heap_size);
	return 0;
}

int host_arena_create(size_t size, struct host_arena *out)
{
	struct host_arena a = { 0 };

	a.size = ALIGN_UP(size, BLOCK_BYTES);
	a.base = size ? take_run(a.size / BLOCK_BYTES) : NULL;
	if (!a.base) {
		fprintf(stderr, "mmrig: no %zu bytes of contiguous RAM for the arena\n", a.size);
		return -1;
	}
	a.base_pfn = (uintptr_t)a.base >> PAGE_SHIFT;
	a.cap_pfns = a.size >> PAGE_SHIFT;
	a.mem_map = a.base;
	a.dirty = calloc(BITS_TO_LONGS(a.cap_pfns), sizeof(unsigned long));
	if (!a.dirty) {
		host_arena_destroy(&a);
		return -1;
	}
	/* A fresh mapping reads as zeros on the host; this RAM held the boot
	 * kernel's pages. The resets after this one scrub what was used. */
	memset(a.base, 0, a.size);
	if (host_arena_layout_default(&a, a.cap_pfns)) {
		host_arena_destroy(&a);
		return -1;
	}
	*out = a;
	return 0;
}

/* The arena's run of blocks goes back to the pool it was taken from. */
void host_arena_destroy(struct host_arena *a)
{
	unsigned long pfn = (uintptr_t)a->base >> PAGE_SHIFT;

	for (unsigned long i = 0; a->base && i < (a->cap_pfns << PAGE_SHIFT) / BLOCK_BYTES; i++)
		blocks[nr_blocks++] = pfn + i * BLOCK_PFNS;
	sort_blocks();
	free(a->dirty);
	memset(a, 0, sizeof(*a));
}
