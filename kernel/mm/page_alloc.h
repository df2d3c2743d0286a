/* What the buddy's free lists (buddy.c) offer the allocation policy
 * (page_alloc.c); not public mm API. */
#ifndef MMRIG_MM_PAGE_ALLOC_H
#define MMRIG_MM_PAGE_ALLOC_H

#include "mm/mmzone.h"

/* A block of exactly 2^order pages from the zone's free lists, split from
 * a larger one if need be, or NULL: from the lists of the migrate type
 * first, else stolen by the fallback rule (migrate.c). Watermarks are the
 * caller's business; the caller holds the zone lock. */
struct page *__rmqueue(struct zone *z, unsigned int order, int migratetype);
/* Back onto the free lists, merged with its buddies (the zone lock held). */
void __free_one_page(unsigned long pfn, unsigned int order);

/* The free lists' primitives migrate.c moves blocks with (buddy.c). */
void add_to_free_area(struct zone *z, struct page *page, unsigned int order, int migratetype);
void del_from_free_area(struct zone *z, struct page *page, unsigned int order);
struct page *__rmqueue_smallest(struct zone *z, unsigned int order, int migratetype);
void expand(struct zone *z, struct page *page, unsigned int order, unsigned int o, int migratetype);

/* Fallback and stealing when the type's own lists are empty (migrate.c):
 * the block, or NULL when no type has one of the order. */
struct page *__rmqueue_fallback(struct zone *z, unsigned int order, int start_type);
/* Set every pageblock of the free block [page, page + 2^order) to mt. */
void change_pageblock_range(struct page *page, unsigned int order, int mt);

#endif
