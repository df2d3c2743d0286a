/* Reference model of the zone policy: watermarks and lowmem reserves from
 * the managed pages of two zones, and for an allocation of a given order
 * and flags, which zone it must come from, or that it must fail. Written
 * from Linux's documented rules, not from kernel/mm (docs/zones.md). */
#ifndef MMRIG_ZONE_MODEL_H
#define MMRIG_ZONE_MODEL_H

#include <stdbool.h>

#define ZM_NR_ZONES 2 /* 0: DMA32, 1: Normal */

/* Request flags, the model's own names for what gfp says. */
#define ZM_NOWAIT 0x1u /* cannot sleep (no __GFP_DIRECT_RECLAIM) */
#define ZM_HIGH 0x2u   /* __GFP_HIGH */
#define ZM_DMA32 0x4u  /* only zone 0 */
#define ZM_NOFAIL 0x8u
#define ZM_RETRY 0x10u /* after the slowpath's drain: from the min pass on */

enum zm_mark { ZM_MIN, ZM_LOW, ZM_HIGH_MARK, ZM_NR_MARKS };

struct zone_model {
	unsigned long managed[ZM_NR_ZONES];
	unsigned long min_free_kbytes;
	unsigned long mark[ZM_NR_ZONES][ZM_NR_MARKS];
	unsigned long reserve[ZM_NR_ZONES][ZM_NR_ZONES]; /* [zone][highest zone asked] */
};

/* What the allocator sees of a zone when deciding. */
struct zm_zone_state {
	unsigned long free_pages;
	int max_free_order; /* -1: nothing free */
};

enum zm_outcome {
	ZM_TAKE, /* from *zone */
	ZM_FAIL,
	ZM_PANIC, /* __GFP_NOFAIL with no block anywhere it may look */
};

/* The step that decided, for messages. */
enum zm_step { ZM_STEP_LOW, ZM_STEP_MIN, ZM_STEP_NOFAIL_RESERVE, ZM_STEP_NO_WATERMARKS };

void zm_setup(struct zone_model *zm, const unsigned long managed[ZM_NR_ZONES]);

enum zm_outcome zm_decide(const struct zone_model *zm, const struct zm_zone_state st[ZM_NR_ZONES],
			  unsigned int order, unsigned int max_order, unsigned int flags, int *zone,
			  enum zm_step *step);

/* Free pages a request must leave in zone z at this step: it passes when
 * free_pages - (2^order - 1) is above this and a block of the order is
 * free there. */
long zm_threshold(const struct zone_model *zm, int z, unsigned int flags, enum zm_step step);

const char *zm_step_name(enum zm_step step);

#endif
