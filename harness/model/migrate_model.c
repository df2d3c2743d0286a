/* The migrate-type rule as the model states it (docs/migrate-types.md):
 *
 *  own list   a request of type T takes a block from T's lists at the
 *             smallest order >= its own that has one; any such block will do.
 *  fallback   otherwise, from the largest order down, the first order with
 *             a block of one of T's fallback types, tried in T's fixed order
 *             (unmovable: reclaimable, movable; movable: reclaimable,
 *             unmovable; reclaimable: unmovable, movable). A movable request
 *             whose block would be below pageblock_order / 2 searches from
 *             the smallest order up instead.
 *  steal      a fallback block of a pageblock or more turns all its
 *             pageblocks to T and is split from T's lists. A smaller one may
 *             claim its pageblock when the request is unmovable or
 *             reclaimable or the block is at least pageblock_order / 2: it
 *             does when the pageblock's free pages plus its pages alike the
 *             request (movable request: allocated movable pages; otherwise,
 *             in a MOVABLE pageblock, pages neither free nor movable; else
 *             none) make half the pageblock. Then every free block of the
 *             pageblock is T's and the request takes the smallest of them
 *             that fits; unclaimed, the request splits the fallback block
 *             itself and the pageblock keeps its type.
 *  free       a block merged to a pageblock or more takes, whole, the type
 *             of the freed block's pageblock. */
#include "migrate_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct free_blk {
	unsigned long pfn;
	unsigned int order;
};

struct migrate_model {
	unsigned long base, nr;
	unsigned int max_order;
	unsigned char *pb_type;  /* per pageblock */
	unsigned char *alloc_mt; /* per pfn: type of the block allocated there */
	struct free_blk *blks;   /* the free blocks of the zone being judged */
	size_t nr_blks;
	unsigned int zone;
	const struct buddy_model *bm;
};

#define PB_PAGES (1UL << MGM_PAGEBLOCK_ORDER)

static const int fallback_order[MGM_NR_TYPES][MGM_NR_TYPES - 1] = {
	[MGM_UNMOVABLE] = { MGM_RECLAIMABLE, MGM_MOVABLE },
	[MGM_MOVABLE] = { MGM_RECLAIMABLE, MGM_UNMOVABLE },
	[MGM_RECLAIMABLE] = { MGM_UNMOVABLE, MGM_MOVABLE },
};

struct migrate_model *mgm_create(unsigned long base_pfn, unsigned long nr_pfns,
				 unsigned int max_order)
{
	struct migrate_model *m = calloc(1, sizeof *m);

	if (!m)
		return NULL;
	m->base = base_pfn;
	m->nr = nr_pfns;
	m->max_order = max_order;
	m->pb_type = calloc(nr_pfns / PB_PAGES + 1, 1);
	m->alloc_mt = calloc(nr_pfns + 1, 1);
	m->blks = calloc(nr_pfns + 1, sizeof *m->blks);
	if (!m->pb_type || !m->alloc_mt || !m->blks) {
		mgm_destroy(m);
		return NULL;
	}
	mgm_reset(m);
	return m;
}

void mgm_destroy(struct migrate_model *m)
{
	if (!m)
		return;
	free(m->pb_type);
	free(m->alloc_mt);
	free(m->blks);
	free(m);
}

void mgm_reset(struct migrate_model *m)
{
	memset(m->pb_type, MGM_MOVABLE, m->nr / PB_PAGES + 1);
	memset(m->alloc_mt, 0, m->nr + 1);
}

/* base is aligned to a pageblock (the buddy's span is MAX_ORDER aligned) */
static size_t pb_index(const struct migrate_model *m, unsigned long pfn)
{
	return (pfn - m->base) / PB_PAGES;
}

int mgm_pageblock_type(const struct migrate_model *m, unsigned long pfn)
{
	return m->pb_type[pb_index(m, pfn)];
}

const char *mgm_type_name(int type)
{
	static const char *const names[MGM_NR_TYPES] = { "unmovable", "movable", "reclaimable" };

	return type >= 0 && type < MGM_NR_TYPES ? names[type] : "unknown";
}

static void set_range(struct migrate_model *m, unsigned long pfn, unsigned int order, int type)
{
	for (unsigned long p = pfn; p < pfn + (1UL << order); p += PB_PAGES)
		m->pb_type[pb_index(m, p)] = (unsigned char)type;
}

static void collect(void *arg, unsigned long pfn, unsigned int order)
{
	struct migrate_model *m = arg;

	if (bm_zone_of(m->bm, pfn) == m->zone)
		m->blks[m->nr_blks++] = (struct free_blk){ pfn, order };
}

static bool has_block(const struct migrate_model *m, unsigned int order, int type)
{
	for (size_t i = 0; i < m->nr_blks; i++)
		if (m->blks[i].order == order && mgm_pageblock_type(m, m->blks[i].pfn) == type)
			return true;
	return false;
}

static bool inside(unsigned long pfn, const struct free_blk *b)
{
	return pfn >= b->pfn && pfn < b->pfn + (1UL << b->order);
}

static int first_fallback(const struct migrate_model *m, unsigned int order, int type)
{
	for (int i = 0; i < MGM_NR_TYPES - 1; i++)
		if (has_block(m, order, fallback_order[type][i]))
			return fallback_order[type][i];
	return -1;
}

/* Free pages of the pageblock (every zone's) and pages of blocks allocated
 * movable in it. */
struct pb_count {
	struct migrate_model *m;
	unsigned long start, free, movable;
};

static void count_free(void *arg, unsigned long pfn, unsigned int order)
{
	struct pb_count *c = arg;

	if (pfn >= c->start && pfn < c->start + PB_PAGES)
		c->free += 1UL << order;
}

static void count_alloc(void *arg, unsigned long pfn, unsigned int order, unsigned int cls)
{
	struct pb_count *c = arg;

	(void)cls;
	if (pfn >= c->start && pfn < c->start + PB_PAGES &&
	    c->m->alloc_mt[pfn - c->m->base] == MGM_MOVABLE)
		c->movable += 1UL << order;
}

static bool claims(struct migrate_model *m, unsigned long start, int type, int block_type)
{
	struct pb_count c = { .m = m, .start = start };
	unsigned long alike = 0;

	bm_for_each_free(m->bm, count_free, &c);
	bm_for_each_allocated(m->bm, count_alloc, &c);
	if (type == MGM_MOVABLE)
		alike = c.movable;
	else if (block_type == MGM_MOVABLE)
		alike = PB_PAGES - c.free - c.movable;
	return c.free + alike >= PB_PAGES / 2;
}

/* The smallest free block of the pageblock (this zone) that holds order. */
static unsigned int smallest_in(const struct migrate_model *m, unsigned long start,
				unsigned int order)
{
	unsigned int best = m->max_order + 1;

	for (size_t i = 0; i < m->nr_blks; i++) {
		const struct free_blk *b = &m->blks[i];

		if (b->pfn >= start && b->pfn < start + PB_PAGES && b->order >= order &&
		    b->order < best)
			best = b->order;
	}
	return best;
}

static bool fallback(struct migrate_model *m, unsigned long pfn, unsigned int order, int type,
		     char *why, size_t cap)
{
	int o, ft = -1;

	for (o = (int)m->max_order; o >= (int)order; o--) {
		ft = first_fallback(m, (unsigned int)o, type);
		if (ft >= 0)
			break;
	}
	if (ft < 0) {
		snprintf(why, cap, "no free block of order %u or more on any list", order);
		return false;
	}
	bool steal = o >= (int)MGM_PAGEBLOCK_ORDER || o >= (int)MGM_PAGEBLOCK_ORDER / 2 ||
		     type != MGM_MOVABLE;

	if (!steal && o > (int)order) {
		for (o = (int)order; (ft = first_fallback(m, (unsigned int)o, type)) < 0; o++)
			;
	}
	for (size_t i = 0; i < m->nr_blks; i++) {
		const struct free_blk *b = &m->blks[i];
		unsigned long start = b->pfn & ~(PB_PAGES - 1);

		if (b->order != (unsigned int)o || mgm_pageblock_type(m, b->pfn) != ft)
			continue;
		if (b->order >= MGM_PAGEBLOCK_ORDER) {
			if (!inside(pfn, b))
				continue;
			set_range(m, b->pfn, b->order, type);
			return true;
		}
		if (pfn < start || pfn >= start + PB_PAGES)
			continue;
		if (steal && claims(m, start, type, ft)) {
			unsigned int want = smallest_in(m, start, order);

			m->pb_type[pb_index(m, start)] = (unsigned char)type;
			for (size_t j = 0; j < m->nr_blks; j++)
				if (m->blks[j].order == want && inside(pfn, &m->blks[j]))
					return true;
			snprintf(why, cap,
				 "the %s pageblock at pfn offset %lu claimed for %s: the block "
				 "from its smallest free block that fits (order %u)",
				 mgm_type_name(ft), start - m->base, mgm_type_name(type), want);
			return false;
		}
		if (inside(pfn, b))
			return true;
	}
	snprintf(why, cap, "a block from a free block of order %d on the %s list (fallback of %s)",
		 o, mgm_type_name(ft), mgm_type_name(type));
	return false;
}

bool mgm_alloc(struct migrate_model *m, const struct buddy_model *bm, unsigned int zone,
	       unsigned long pfn, unsigned int order, int type, char *why, size_t cap)
{
	bool ok = false;

	m->bm = bm;
	m->zone = zone;
	m->nr_blks = 0;
	bm_for_each_free(bm, collect, m);
	m->alloc_mt[pfn - m->base] = (unsigned char)type;
	for (unsigned int o = order; o <= m->max_order; o++) {
		if (!has_block(m, o, type))
			continue;
		for (size_t i = 0; i < m->nr_blks; i++)
			if (m->blks[i].order == o && inside(pfn, &m->blks[i]) &&
			    mgm_pageblock_type(m, pfn) == type)
				ok = true;
		if (!ok)
			snprintf(why, cap, "a block from a free block of order %u on the %s list",
				 o, mgm_type_name(type));
		return ok;
	}
	return fallback(m, pfn, order, type, why, cap);
}

void mgm_set_alloc_type(struct migrate_model *m, unsigned long pfn, int type)
{
	m->alloc_mt[pfn - m->base] = (unsigned char)type;
}

void mgm_free(struct migrate_model *m, const struct buddy_model *bm, unsigned long pfn)
{
	int type = mgm_pageblock_type(m, pfn);

	m->alloc_mt[pfn - m->base] = 0;
	for (unsigned int o = m->max_order; o >= MGM_PAGEBLOCK_ORDER; o--) {
		unsigned long head = pfn & ~((1UL << o) - 1);

		if (bm_is_free_block(bm, head, o)) {
			set_range(m, head, o, type);
			return;
		}
	}
}
