/* Reference model of migrate types (docs/migrate-types.md). Shares no code
 * with kernel/mm: it keeps a type per pageblock and the type each
 * allocated block was asked with, and reads the free blocks from the buddy
 * model. Before each allocation it works out from which list, and which
 * order, the block may legally come, and what the allocation does to the
 * pageblock types; after each free, what merging does to them. */
#ifndef MMRIG_MIGRATE_MODEL_H
#define MMRIG_MIGRATE_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "buddy_model.h"

enum mgm_type { MGM_UNMOVABLE, MGM_MOVABLE, MGM_RECLAIMABLE, MGM_NR_TYPES };
#define MGM_PAGEBLOCK_ORDER 9u

struct migrate_model;

struct migrate_model *mgm_create(unsigned long base_pfn, unsigned long nr_pfns,
				 unsigned int max_order);
void mgm_destroy(struct migrate_model *m);
/* Boot: every pageblock MOVABLE, nothing allocated. */
void mgm_reset(struct migrate_model *m);
int mgm_pageblock_type(const struct migrate_model *m, unsigned long pfn);
const char *mgm_type_name(int type);

/* Judge an allocation of this order and type that returned pfn, in zone,
 * on the buddy model's state before it (bm not yet updated): false with
 * why filled when no list and order the rule allows holds the block. Either
 * way the model takes the outcome (the block's pageblock changes, its type). */
bool mgm_alloc(struct migrate_model *m, const struct buddy_model *bm, unsigned int zone,
	       unsigned long pfn, unsigned int order, int type, char *why, size_t cap);
/* The type the allocated block at pfn counts as when a pageblock is
 * claimed: what it was asked with, or unmovable while it is parked on a
 * per-CPU list (no caller's pages are there to move). */
void mgm_set_alloc_type(struct migrate_model *m, unsigned long pfn, int type);
/* After bm_free of the block at pfn: a merged block of a pageblock or more
 * takes the freed block's pageblock type whole. */
void mgm_free(struct migrate_model *m, const struct buddy_model *bm, unsigned long pfn);

#endif
