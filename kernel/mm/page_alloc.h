/* What the buddy's free lists (buddy.c) offer the allocation policy
 * (page_alloc.c); not public mm API. */
#ifndef MMRIG_MM_PAGE_ALLOC_H
#define MMRIG_MM_PAGE_ALLOC_H

#include "mm/mmzone.h"

/* A block of exactly 2^order pages from the zone's free lists, split from
 * a larger one if need be, or NULL. Watermarks are the caller's business. */
struct page *rmqueue(struct zone *z, unsigned int order);

#endif
