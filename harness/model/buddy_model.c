/* Reference buddy model: the canonical free structure kept incrementally.
 *
 * Deliberately written without looking at kernel/mm and without any kernel
 * header: one misunderstanding must not end up in both.
 *
 * Pages are indexed relative to base_pfn. Because base_pfn is aligned to
 * 1 << max_order, "aligned to 1 << o" means the same thing for relative and
 * absolute pfns, so all arithmetic below is on relative indices.
 *
 * Invariant: free_head[i] == o + 1 iff (i, o) is a canonical free block, and
 * alloc_head[i] == o + 1 iff an allocated block of order o starts at i. Every
 * other entry is 0. Canonical blocks are disjoint and each free page lies in
 * exactly one of them, so "the block containing page p" is found by trying
 * the aligned head of p at each order: O(max_order).
 */
#include "buddy_model.h"

#include <stdlib.h>
#include <string.h>

/* Transient mark used by bm_reset only: "free, not yet decomposed". */
#define FREE_UNASSIGNED 0xffu

struct buddy_model {
	unsigned long base;
	unsigned long nr;
	unsigned int max_order;

	uint8_t *free_head;  /* per page: canonical free order + 1, or 0 */
	uint8_t *alloc_head; /* per page: allocated order + 1, or 0 */
	unsigned int *cls;   /* per page: class, meaningful at alloc heads only */

	unsigned long nr_free_blocks[BM_MAX_ORDER_LIMIT + 1];
	unsigned long nr_free_pages;
	unsigned long split; /* first index of zone 1 */
	unsigned long zone_blocks[BM_NR_ZONES][BM_MAX_ORDER_LIMIT + 1];
	unsigned long zone_pages[BM_NR_ZONES];
	unsigned long nr_allocated;
	unsigned long nr_by_class[BM_NR_CLASSES];
};

static unsigned long align_down(unsigned long i, unsigned int order)
{
	return i & ~((1UL << order) - 1);
}

struct buddy_model *bm_create(unsigned long base_pfn, unsigned long nr_pfns, unsigned int max_order)
{
	struct buddy_model *m;
	/* +1 keeps calloc meaningful for an empty span. */
	size_t n = (size_t)nr_pfns + 1;

	if (max_order > BM_MAX_ORDER_LIMIT || (base_pfn & ((1UL << max_order) - 1)))
		return NULL;
	if (nr_pfns > (unsigned long)-1 - base_pfn)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->base = base_pfn;
	m->nr = nr_pfns;
	m->max_order = max_order;
	m->split = nr_pfns;
	m->free_head = calloc(n, sizeof(*m->free_head));
	m->alloc_head = calloc(n, sizeof(*m->alloc_head));
	m->cls = calloc(n, sizeof(*m->cls));
	if (!m->free_head || !m->alloc_head || !m->cls) {
		bm_destroy(m);
		return NULL;
	}
	/* calloc already gave the "nothing usable" state. */
	return m;
}

void bm_destroy(struct buddy_model *m)
{
	if (!m)
		return;
	free(m->free_head);
	free(m->alloc_head);
	free(m->cls);
	free(m);
}

static void add_free(struct buddy_model *m, unsigned long i, unsigned int order)
{
	unsigned int z = i >= m->split;

	m->free_head[i] = (uint8_t)(order + 1);
	m->nr_free_blocks[order]++;
	m->nr_free_pages += 1UL << order;
	m->zone_blocks[z][order]++;
	m->zone_pages[z] += 1UL << order;
}

static void del_free(struct buddy_model *m, unsigned long i, unsigned int order)
{
	unsigned int z = i >= m->split;

	m->free_head[i] = 0;
	m->nr_free_blocks[order]--;
	m->nr_free_pages -= 1UL << order;
	m->zone_blocks[z][order]--;
	m->zone_pages[z] -= 1UL << order;
}

void bm_set_split(struct buddy_model *m, unsigned long pfn)
{
	m->split = pfn <= m->base ? 0 : pfn - m->base < m->nr ? pfn - m->base : m->nr;
}

/* Would the block of this order at i lie in both zones? */
static bool straddles(const struct buddy_model *m, unsigned long i, unsigned int order)
{
	return i < m->split && m->split < i + (1UL << order);
}

/* Split the free run [i, end) into its canonical blocks. Every page of the
 * run is free and the pages just outside it are not (or lie outside the
 * span), so no canonical block crosses the run's edges and the greedy
 * "largest aligned block that fits" at each head is the canonical one. */
static void decompose_run(struct buddy_model *m, unsigned long i, unsigned long end)
{
	while (i < end) {
		unsigned int o = 0;

		while (o < m->max_order && !(i & (1UL << o)) && (2UL << o) <= end - i)
			o++;
		add_free(m, i, o);
		i += 1UL << o;
	}
}

void bm_reset(struct buddy_model *m, const struct bm_range *usable, int nr)
{
	unsigned long i;

	memset(m->free_head, 0, m->nr);
	memset(m->alloc_head, 0, m->nr);
	memset(m->cls, 0, m->nr * sizeof(*m->cls));
	memset(m->nr_free_blocks, 0, sizeof(m->nr_free_blocks));
	memset(m->zone_blocks, 0, sizeof(m->zone_blocks));
	memset(m->zone_pages, 0, sizeof(m->zone_pages));
	m->nr_free_pages = 0;
	m->nr_allocated = 0;
	memset(m->nr_by_class, 0, sizeof(m->nr_by_class));

	/* Marking pages rather than sorting ranges makes unsorted, adjacent
	 * and overlapping ranges merge for free; the parts outside the span
	 * are simply never marked. */
	for (int r = 0; r < nr; r++) {
		unsigned long s = usable[r].start_pfn, e = usable[r].end_pfn;

		if (s < m->base)
			s = m->base;
		if (e > m->base + m->nr)
			e = m->base + m->nr;
		for (unsigned long p = s; p < e; p++)
			m->free_head[p - m->base] = FREE_UNASSIGNED;
	}

	i = 0;
	while (i < m->nr) {
		unsigned long end = i;

		if (m->free_head[i] != FREE_UNASSIGNED) {
			i++;
			continue;
		}
		/* the zone line ends a run like a used page would */
		while (end < m->nr && m->free_head[end] == FREE_UNASSIGNED &&
		       (end == i || end != m->split))
			m->free_head[end++] = 0;
		decompose_run(m, i, end);
		i = end;
	}
}

/* The canonical free block containing page i: its head, and order via *order.
 * Returns false when page i is not free. */
static bool find_free(const struct buddy_model *m, unsigned long i, unsigned long *head,
		      unsigned int *order)
{
	for (unsigned int o = 0; o <= m->max_order; o++) {
		unsigned long h = align_down(i, o);

		if (m->free_head[h] == o + 1) {
			*head = h;
			*order = o;
			return true;
		}
	}
	return false;
}

static bool find_alloc(const struct buddy_model *m, unsigned long i, unsigned long *head,
		       unsigned int *order)
{
	for (unsigned int o = 0; o <= m->max_order; o++) {
		unsigned long h = align_down(i, o);

		if (m->alloc_head[h] == o + 1) {
			*head = h;
			*order = o;
			return true;
		}
	}
	return false;
}

/* Checks in this order: order, span, alignment, freeness. The order goes
 * first because alignment and extent are only meaningful for a legal order. */
enum bm_status bm_alloc(struct buddy_model *m, unsigned long pfn, unsigned int order,
			unsigned int cls)
{
	unsigned long i, size, h;
	unsigned int fo;

	if (order > m->max_order)
		return BM_BAD_ORDER;
	size = 1UL << order;
	if (pfn < m->base || pfn - m->base >= m->nr || size > m->nr - (pfn - m->base))
		return BM_OUT_OF_RANGE;
	i = pfn - m->base;
	if (i & (size - 1))
		return BM_MISALIGNED;

	/* An aligned block of order <= max_order that is entirely free lies
	 * inside one canonical block: the largest entirely free aligned
	 * ancestor of it is canonical and contains it. So the block is free iff
	 * the canonical block containing its head is at least as large. */
	if (!find_free(m, i, &h, &fo) || fo < order)
		return BM_NOT_FREE;

	/* Carve the block out of (h, fo): at each level the half that does not
	 * contain the block stays free, and it is canonical because its parent
	 * now holds allocated pages. */
	del_free(m, h, fo);
	while (fo > order) {
		fo--;
		if (i & (1UL << fo)) {
			add_free(m, h, fo);
			h += 1UL << fo;
		} else {
			add_free(m, h + (1UL << fo), fo);
		}
	}
	m->alloc_head[i] = (uint8_t)(order + 1);
	m->cls[i] = cls;
	m->nr_allocated++;
	if (cls < BM_NR_CLASSES)
		m->nr_by_class[cls]++;
	return BM_OK;
}

enum bm_status bm_free(struct buddy_model *m, unsigned long pfn, unsigned int order)
{
	unsigned long i;
	unsigned int o;

	if (pfn < m->base || pfn - m->base >= m->nr)
		return BM_NOT_ALLOCATED;
	i = pfn - m->base;
	if (!m->alloc_head[i])
		return BM_NOT_ALLOCATED;
	if (m->alloc_head[i] != order + 1)
		return BM_WRONG_ORDER;

	if (m->cls[i] < BM_NR_CLASSES)
		m->nr_by_class[m->cls[i]]--;
	m->alloc_head[i] = 0;
	m->cls[i] = 0;
	m->nr_allocated--;

	/* Before this free, every ancestor of the block held allocated pages,
	 * so none was free: a buddy that is entirely free is therefore a
	 * canonical block of exactly the buddy's order, and merging stops at
	 * the first buddy that is not. */
	o = order;
	while (o < m->max_order) {
		unsigned long buddy = i ^ (1UL << o);

		if (buddy >= m->nr || m->free_head[buddy] != o + 1 ||
		    straddles(m, i & ~(1UL << o), o + 1))
			break;
		del_free(m, buddy, o);
		i &= ~(1UL << o);
		o++;
	}
	add_free(m, i, o);
	return BM_OK;
}

const char *bm_status_name(enum bm_status s)
{
	switch (s) {
	case BM_OK:
		return "OK";
	case BM_OUT_OF_RANGE:
		return "OUT_OF_RANGE";
	case BM_MISALIGNED:
		return "MISALIGNED";
	case BM_BAD_ORDER:
		return "BAD_ORDER";
	case BM_NOT_FREE:
		return "NOT_FREE";
	case BM_NOT_ALLOCATED:
		return "NOT_ALLOCATED";
	case BM_WRONG_ORDER:
		return "WRONG_ORDER";
	}
	return "UNKNOWN";
}

unsigned long bm_free_blocks(const struct buddy_model *m, unsigned int order)
{
	return order <= m->max_order ? m->nr_free_blocks[order] : 0;
}

const unsigned long *bm_free_counts(const struct buddy_model *m)
{
	return m->nr_free_blocks;
}

unsigned long bm_free_pages(const struct buddy_model *m)
{
	return m->nr_free_pages;
}

/* Exact match on the canonical structure: the block the kernel's free list
 * of this order must hold, not merely "these pages are free". */
bool bm_is_free_block(const struct buddy_model *m, unsigned long pfn, unsigned int order)
{
	if (order > m->max_order || pfn < m->base || pfn - m->base >= m->nr)
		return false;
	return m->free_head[pfn - m->base] == order + 1;
}

int bm_max_free_order(const struct buddy_model *m)
{
	for (int o = (int)m->max_order; o >= 0; o--)
		if (m->nr_free_blocks[o])
			return o;
	return -1;
}

int bm_zone_max_free_order(const struct buddy_model *m, unsigned int zone)
{
	for (int o = (int)m->max_order; o >= 0 && zone < BM_NR_ZONES; o--)
		if (m->zone_blocks[zone][o])
			return o;
	return -1;
}

unsigned long bm_zone_free_pages(const struct buddy_model *m, unsigned int zone)
{
	return zone < BM_NR_ZONES ? m->zone_pages[zone] : 0;
}

unsigned int bm_zone_of(const struct buddy_model *m, unsigned long pfn)
{
	return pfn >= m->base + m->split;
}

bool bm_find_allocated(const struct buddy_model *m, unsigned long pfn, unsigned long *head,
		       unsigned int *order, unsigned int *cls)
{
	unsigned long h;
	unsigned int o;

	if (pfn < m->base || pfn - m->base >= m->nr)
		return false;
	if (!find_alloc(m, pfn - m->base, &h, &o))
		return false;
	if (head)
		*head = m->base + h;
	if (order)
		*order = o;
	if (cls)
		*cls = m->cls[h];
	return true;
}

/* The walks step over whole blocks, so they cost pages / block size; the
 * callback must not modify the model. */
void bm_for_each_allocated(const struct buddy_model *m,
			   void (*fn)(void *arg, unsigned long pfn, unsigned int order,
				      unsigned int cls),
			   void *arg)
{
	unsigned long i = 0;

	while (i < m->nr) {
		if (m->alloc_head[i]) {
			unsigned int o = m->alloc_head[i] - 1u;

			fn(arg, m->base + i, o, m->cls[i]);
			i += 1UL << o;
		} else {
			i++;
		}
	}
}

void bm_for_each_free(const struct buddy_model *m,
		      void (*fn)(void *arg, unsigned long pfn, unsigned int order), void *arg)
{
	unsigned long i = 0;

	while (i < m->nr) {
		if (m->free_head[i]) {
			unsigned int o = m->free_head[i] - 1u;

			fn(arg, m->base + i, o);
			i += 1UL << o;
		} else {
			i++;
		}
	}
}

unsigned long bm_nr_allocated(const struct buddy_model *m)
{
	return m->nr_allocated;
}

unsigned long bm_nr_allocated_class(const struct buddy_model *m, unsigned int cls)
{
	return cls < BM_NR_CLASSES ? m->nr_by_class[cls] : 0;
}
