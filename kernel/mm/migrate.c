/* Migrate types: each pageblock (pageblock_order pages) has one, and its
 * free blocks sit on that type's lists. A request takes from its own type
 * first (buddy.c's __rmqueue_smallest); when that is empty it falls back to
 * the other types in a fixed order and steals, as Linux's __rmqueue_fallback
 * does, so unmovable allocations gather in few pageblocks.
 *
 * Stealing follows Linux since its 6.9 free-list rework: a fallback block of
 * a pageblock or more converts its pageblocks whole; a smaller one claims
 * its pageblock (all the pageblock's free blocks move to the new type) only
 * when the pageblock's free pages plus its pages "alike" the request reach
 * half of it; otherwise the one block is taken from the old type's list and
 * its split remainders stay there. Either way every free block sits on the
 * list of its pageblock's type. docs/migrate-types.md has the rule. */
#include "lib.h"
#include "mm/mmzone.h"
#include "page_alloc.h"

static struct page *pageblock_head(const struct page *page)
{
	return pfn_to_page(page_to_pfn(page) & ~(pageblock_nr_pages - 1));
}

int get_pageblock_migratetype(const struct page *page)
{
	return pageblock_head(page)->pageblock_mt;
}

void set_pageblock_migratetype(struct page *page, int migratetype)
{
	pageblock_head(page)->pageblock_mt = (unsigned char)migratetype;
}

void change_pageblock_range(struct page *page, unsigned int order, int mt)
{
	for (unsigned long i = 0; i < (1UL << order); i += pageblock_nr_pages)
		set_pageblock_migratetype(page + i, mt);
}

/* Where each type goes when its own lists are empty, in order. */
static const int fallbacks[MIGRATE_TYPES][MIGRATE_TYPES - 1] = {
	[MIGRATE_UNMOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

/* Whether taking a block of this order from another type may claim its
 * pageblock: big blocks always (their pageblock is mostly free anyway);
 * unmovable and reclaimable requests always, since scattering them over
 * many pageblocks is what fragments memory for good. */
static bool can_steal_fallback(unsigned int order, int start_type)
{
	if (order >= pageblock_order)
		return true;
	return order >= pageblock_order / 2 || start_type == MIGRATE_RECLAIMABLE ||
	       start_type == MIGRATE_UNMOVABLE;
}

/* The first fallback type with a free block of this order, or -1. */
static int find_suitable_fallback(const struct free_area *area, unsigned int order, int start_type,
				  bool *can_steal)
{
	for (int i = 0; i < MIGRATE_TYPES - 1; i++) {
		int mt = fallbacks[start_type][i];

		if (list_empty(&area->free_list[mt]))
			continue;
		*can_steal = can_steal_fallback(order, start_type);
		return mt;
	}
	return -1;
}

/* The pages of the pageblock that have a struct page: the span's last
 * pageblock may end past mem_map. */
static unsigned long pageblock_span(const struct page *first)
{
	unsigned long pfn = page_to_pfn(first), end = buddy_base_pfn() + buddy_nr_pfns();

	return end - pfn < pageblock_nr_pages ? end - pfn : pageblock_nr_pages;
}

/* Count the pageblock's free pages and the pages of its allocated blocks
 * that were asked for as movable; the rest are unmovable, reclaimable,
 * holes or past the span. */
static void count_pageblock(struct page *first, unsigned long *free, unsigned long *movable)
{
	unsigned long span = pageblock_span(first);

	*free = *movable = 0;
	for (unsigned long i = 0; i < span;) {
		struct page *p = first + i;
		unsigned long n = 1;

		if (p->flags & PG_buddy) {
			n = 1UL << p->order;
			*free += n;
		} else if (p->flags & PG_head) {
			n = 1UL << p->order;
			if (p->alloc_mt == MIGRATE_MOVABLE)
				*movable += n;
		}
		i += n;
	}
}

/* Move every free block of the pageblock onto the type's lists (each in its
 * own zone, should a zone line cut the pageblock). */
static void move_freepages_block(struct page *first, int mt)
{
	unsigned long span = pageblock_span(first);

	for (unsigned long i = 0; i < span;) {
		struct page *p = first + i;

		if (!(p->flags & PG_buddy)) {
			i++;
			continue;
		}
		unsigned int order = p->order;
		struct zone *z = page_zone(p);

		del_from_free_area(z, p, order);
		add_to_free_area(z, p, order, mt);
		i += 1UL << order;
	}
}

/* Linux's rule for claiming a pageblock a smaller block was found in: free
 * pages plus pages alike the request make half of it. A movable request
 * counts the movable pages; an unmovable or reclaimable one counts, in a
 * MOVABLE pageblock, what is neither free nor movable, and in any other
 * pageblock nothing. */
static bool try_to_claim_block(struct page *page, int start_type, int block_type)
{
	struct page *first = pageblock_head(page);
	unsigned long free, movable, alike;

	count_pageblock(first, &free, &movable);
	if (start_type == MIGRATE_MOVABLE)
		alike = movable;
	else if (block_type == MIGRATE_MOVABLE)
		alike = pageblock_nr_pages - (free + movable);
	else
		alike = 0;
	if (free + alike < pageblock_nr_pages / 2)
		return false;
	move_freepages_block(first, start_type);
	set_pageblock_migratetype(first, start_type);
	return true;
}

/* Steal from the block at the head of free_area[order]'s mt list: whole
 * pageblocks change type and move; a smaller block may claim its pageblock;
 * failing that the one block is taken and its split remainders stay on the
 * old type's lists, where their pageblock is. */
static struct page *steal_suitable_fallback(struct zone *z, unsigned int order, unsigned int o,
					    int mt, int start_type, bool can_steal)
{
	struct page *page = list_first_entry(&z->free_area[o].free_list[mt], struct page, lru);

	if (o >= pageblock_order) {
		del_from_free_area(z, page, o);
		change_pageblock_range(page, o, start_type);
		add_to_free_area(z, page, o, start_type);
		return __rmqueue_smallest(z, order, start_type);
	}
	if (can_steal && try_to_claim_block(page, start_type, mt))
		return __rmqueue_smallest(z, order, start_type);
	del_from_free_area(z, page, o);
	expand(z, page, order, o, mt);
	return page;
}

/* Linux's search: the largest fallback block first, a rough stand-in for
 * the pageblock with the most free pages; a movable request that may not
 * claim takes the smallest instead, since a movable page in a foreign
 * pageblock can be moved out again. */
struct page *__rmqueue_fallback(struct zone *z, unsigned int order, int start_type)
{
	bool can_steal = false;
	int o, mt = -1;

	for (o = MAX_ORDER; o >= (int)order; o--) {
		mt = find_suitable_fallback(&z->free_area[o], (unsigned int)o, start_type,
					    &can_steal);
		if (mt < 0)
			continue;
		if (!can_steal && start_type == MIGRATE_MOVABLE && o > (int)order) {
			for (o = (int)order; o <= MAX_ORDER; o++) {
				mt = find_suitable_fallback(&z->free_area[o], (unsigned int)o,
							    start_type, &can_steal);
				if (mt >= 0)
					break;
			}
		}
		break;
	}
	if (mt < 0)
		return NULL;
	return steal_suitable_fallback(z, order, (unsigned int)o, mt, start_type, can_steal);
}

bool find_misplaced_free_block(unsigned long *pfn, unsigned int *order, int *list_mt)
{
	struct zone *z;

	for_each_zone(z)
		for (unsigned int o = 0; o <= MAX_ORDER; o++)
			for (int t = 0; t < MIGRATE_TYPES; t++) {
				struct list_head *pos;

				list_for_each(pos, &z->free_area[o].free_list[t]) {
					struct page *p = list_entry(pos, struct page, lru);

					if (get_pageblock_migratetype(p) == t)
						continue;
					*pfn = page_to_pfn(p);
					*order = o;
					*list_mt = t;
					return true;
				}
			}
	return false;
}
