/* The kernel's buddy allocator as a page table. It is not registered
 * like a plugged allocator: it is the kernel (allocator_kernel()), reset
 * by the executor with the rest of the kernel's mm before every program. */
#include "allocator.h"
#include "mm/mmzone.h"

#include <stdio.h>

static int kbuddy_init(const struct mmrig_range *ranges, int nr)
{
	(void)ranges;
	(void)nr;
	return 0;
}

/* The kernel has page-based and address-based entry points; a fixed rule
 * spreads the harness's calls over all of them, so every one is tested. */
void *kbuddy_alloc_gfp(unsigned int order, gfp_t gfp)
{
	struct page *page;

	if ((gfp & __GFP_ZERO) && order == 0)
		return (void *)get_zeroed_page(gfp & ~__GFP_ZERO);
	if (gfp & __GFP_ZERO)
		return (void *)__get_free_pages(gfp, order);
	page = alloc_pages(gfp, order);
	return page ? page_address(page) : NULL;
}

static void *kbuddy_alloc(unsigned int order, bool zero)
{
	return kbuddy_alloc_gfp(order,
				GFP_KERNEL | GFP_CLASS(PGC_HARNESS) | (zero ? __GFP_ZERO : 0));
}

static void kbuddy_free(void *block, unsigned int order)
{
	if (order & 1)
		free_pages((unsigned long)block, order);
	else
		__free_pages(virt_to_page(block), order);
}

static void kbuddy_get(void *block)
{
	get_page(virt_to_page(block));
}

static void kbuddy_put(void *block)
{
	put_page(virt_to_page(block));
}

static bool kbuddy_free_counts(unsigned long *counts)
{
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		counts[o] = nr_free_blocks(o);
	return true;
}

static unsigned long kbuddy_free_total(void)
{
	return nr_free_pages();
}

/* A free list is sound when every link is mirrored by its neighbour, every
 * entry is a buddy head of the list's order inside the span, and the list's
 * length equals nr_free. The walk is bounded so a cycle cannot hang it. */
static int walk_one(struct mmrig_free_walk *w, const struct zone *z, unsigned int order)
{
	const struct free_area *area = &z->free_area[order];
	unsigned long base = buddy_base_pfn(), end = base + buddy_nr_pfns();
	unsigned long seen = 0, limit = buddy_nr_pfns() + 1;

	/* One count over the migrate types' lists: nr_free is kept per order. */
	for (int t = 0; t < MIGRATE_TYPES; t++) {
		const struct list_head *head = &area->free_list[t], *pos = head;

		for (;;) {
			struct list_head *next = pos->next;

			if (!next || next->prev != pos) {
				snprintf(w->error, sizeof(w->error),
					 "order %u: broken link after entry %lu", order, seen);
				return -1;
			}
			if (next == head)
				break;
			if (++seen > limit) {
				snprintf(w->error, sizeof(w->error), "order %u: list does not end",
					 order);
				return -1;
			}
			struct page *page = list_entry(next, struct page, lru);
			if (page < pfn_to_page(base) || page >= pfn_to_page(base) + (end - base)) {
				snprintf(w->error, sizeof(w->error),
					 "order %u: entry %lu is not a page of the span", order,
					 seen);
				return -1;
			}
			unsigned long pfn = page_to_pfn(page);
			if (!(page->flags & PG_buddy) || page->order != order ||
			    page->_refcount != 0) {
				snprintf(
					w->error, sizeof(w->error),
					"order %u: pfn offset %lu has flags %#x order %u refcount %d",
					order, pfn - base, page->flags, page->order,
					page->_refcount);
				return -1;
			}
			w->block(w, pfn << PAGE_SHIFT, order);
			pos = next;
		}
	}
	if (seen != area->nr_free) {
		snprintf(w->error, sizeof(w->error), "order %u: %lu blocks listed, nr_free %lu",
			 order, seen, area->nr_free);
		return -1;
	}
	return 0;
}

static int kbuddy_walk_free(struct mmrig_free_walk *w)
{
	const struct zone *z;

	w->error[0] = '\0';
	for_each_zone(z)
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
			if (walk_one(w, z, o))
				return -1;
	return 0;
}

const struct mmrig_page_allocator kbuddy_pages = {
	.name = "kbuddy",
	.summary = "the kernel's buddy allocator (kernel/mm/buddy.c)",
	.guarantees = MMRIG_PG_ALIGNED | MMRIG_PG_CANONICAL | MMRIG_PG_NO_SPURIOUS_FAILURE,
	.max_order = MAX_ORDER,
	.init = kbuddy_init,
	.alloc = kbuddy_alloc,
	.free = kbuddy_free,
	.get = kbuddy_get,
	.put = kbuddy_put,
	.free_counts = kbuddy_free_counts,
	.free_total = kbuddy_free_total,
	.walk_free = kbuddy_walk_free,
};

static const struct allocator kernel = {
	.name = "kbuddy",
	.summary = "the kernel: buddy, slab, kmalloc, page tables, mmap (kernel/mm)",
	.kind = ALLOC_KERNEL,
	.page = &kbuddy_pages,
};

const struct allocator *allocator_kernel(void)
{
	return &kernel;
}
