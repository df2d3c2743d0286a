/* Per-CPU page lists: small blocks parked in front of the buddy.
 *
 * Each CPU has, per zone, one list per order up to PAGE_ALLOC_COSTLY_ORDER
 * and migrate type. An allocation of such an order takes the newest block
 * of its CPU's list, refilling an empty list first with a batch taken
 * from the buddy under the zone lock; a free parks the block at the head
 * of the list of its pageblock's type and, once the CPU holds its high
 * mark of pages, gives a batch back, oldest first. drain_all_pages gives
 * back everything (the allocation slowpath calls it before it gives up).
 *
 * A CPU's lists are taken under its pcp lock, with interrupts off; the
 * buddy under the zone lock, always nested inside. Another CPU may drain
 * them (Linux since 5.19 drains a remote CPU's lists under its lock
 * instead of by IPI), so nothing here may hold a list's state across a
 * point where the lock is dropped. Parked pages are allocated as far as
 * the zone's free count and its watermarks go. docs/pcp.md has the rule
 * the harness models. Active only with more than one CPU, so a
 * one-CPU kernel allocates exactly as before. */
#include "arch.h"
#include "lib.h"
#include "mm/mmzone.h"
#include "page_alloc.h"

bool pcp_enabled(void)
{
	return nr_cpu_ids() > 1;
}

/* Linux's zone_batchsize() takes a quarter of managed >> 10 pages, capped
 * at 256; the arenas here are a few thousand pages, so managed >> 8 capped
 * at 64, with its shape kept: one less than a power of two, at least 1. */
static unsigned long zone_batchsize(unsigned long managed)
{
	unsigned long b = managed >> 8, p = 1;

	if (b > 64)
		b = 64;
	if (b < 2)
		return 1;
	while (p * 2 <= b)
		p *= 2;
	return p - 1;
}

void zone_pcp_init(struct zone *z)
{
	z->pcp_batch = zone_batchsize(z->managed_pages);
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		struct per_cpu_pages *pcp = &z->pcp[cpu];

		spin_lock_init(&pcp->lock, "pcp->lock");
		pcp->count = 0;
		for (unsigned int i = 0; i < NR_PCP_LISTS; i++)
			INIT_LIST_HEAD(&pcp->lists[i]);
	}
}

unsigned long zone_pcp_high(const struct zone *z)
{
	unsigned long high = z->_watermark[WMARK_LOW] / nr_cpu_ids();

	return high > 4 * z->pcp_batch ? high : 4 * z->pcp_batch;
}

/* Blocks a refill takes: a batch of pages at order 0, fewer but at least
 * two of a bigger order (Linux's nr_pcp_alloc without its scaling). */
static unsigned long nr_pcp_alloc(const struct zone *z, unsigned int order)
{
	unsigned long n = z->pcp_batch >> order;

	return order == 0 ? z->pcp_batch : n > 2 ? n : 2;
}

/* Up to count blocks of the order from the buddy onto the tail of list,
 * in the order the buddy hands them out; how many it got. */
static unsigned long rmqueue_bulk(struct zone *z, unsigned int order, unsigned long count,
				  struct list_head *list, int migratetype, unsigned int cpu)
{
	unsigned long i;

	spin_lock(&z->lock);
	for (i = 0; i < count; i++) {
		struct page *page = __rmqueue(z, order, migratetype);

		if (!page)
			break;
		page->flags |= PG_pcp;
		page->order = order;
		list_add_tail(&page->lru, list);
		trace_pcp_add(page, order, cpu, true);
	}
	spin_unlock(&z->lock);
	return i;
}

struct page *rmqueue_pcplist(struct zone *z, unsigned int order, gfp_t gfp)
{
	int migratetype = gfp_migratetype(gfp);
	unsigned int cpu = smp_processor_id();
	struct per_cpu_pages *pcp = &z->pcp[cpu];
	struct list_head *list = &pcp->lists[order_to_pindex(migratetype, order)];
	struct page *page = NULL;
	unsigned long flags = local_irq_save();

	spin_lock(&pcp->lock);
	if (list_empty(list))
		pcp->count += rmqueue_bulk(z, order, nr_pcp_alloc(z, order), list, migratetype, cpu)
			      << order;
	if (!list_empty(list)) {
		page = list_first_entry(list, struct page, lru);
		list_del(&page->lru);
		page->flags &= ~PG_pcp;
		pcp->count -= 1UL << order;
		trace_page_alloc(page, order, gfp_class(gfp));
	}
	spin_unlock(&pcp->lock);
	local_irq_restore(flags);
	return page;
}

/* Give at least count pages of a CPU's lists back to the buddy (all it
 * has, if fewer): the oldest block of the first non-empty list, lists in
 * index order (order 0 first). The caller holds the pcp lock. */
static void free_pcppages_bulk(struct zone *z, struct per_cpu_pages *pcp, unsigned int cpu,
			       unsigned long count)
{
	spin_lock(&z->lock);
	while (count > 0) {
		struct list_head *list = NULL;
		struct page *page;
		unsigned int order;

		for (unsigned int i = 0; i < NR_PCP_LISTS && !list; i++)
			if (!list_empty(&pcp->lists[i]))
				list = &pcp->lists[i];
		if (!list)
			break;
		page = list_entry(list->prev, struct page, lru);
		order = page->order;
		list_del(&page->lru);
		page->flags &= ~PG_pcp;
		page->order = 0; /* a merge may leave it inside a bigger block */
		pcp->count -= 1UL << order;
		count = count > (1UL << order) ? count - (1UL << order) : 0;
		trace_pcp_drain(page, order, cpu);
		__free_one_page(page_to_pfn(page), order);
	}
	spin_unlock(&z->lock);
}

void free_unref_page(struct page *page, unsigned int order, unsigned int pgc)
{
	struct zone *z = page_zone(page);
	int migratetype = get_pageblock_migratetype(page);
	unsigned int cpu = smp_processor_id();
	struct per_cpu_pages *pcp = &z->pcp[cpu];
	unsigned long flags = local_irq_save();

	spin_lock(&pcp->lock);
	trace_page_free(page, order, pgc);
	page->flags |= PG_pcp;
	page->order = order;
	list_add(&page->lru, &pcp->lists[order_to_pindex(migratetype, order)]);
	pcp->count += 1UL << order;
	trace_pcp_add(page, order, cpu, false);
	if (pcp->count >= zone_pcp_high(z))
		free_pcppages_bulk(z, pcp, cpu, z->pcp_batch);
	spin_unlock(&pcp->lock);
	local_irq_restore(flags);
}

static void drain_pages_zone(unsigned int cpu, struct zone *z)
{
	struct per_cpu_pages *pcp = &z->pcp[cpu];

	spin_lock(&pcp->lock);
	if (pcp->count)
		free_pcppages_bulk(z, pcp, cpu, pcp->count);
	spin_unlock(&pcp->lock);
}

void drain_all_pages(void)
{
	struct zone *z;

	for_each_zone(z)
		for (unsigned int cpu = 0; cpu < nr_cpu_ids(); cpu++)
			drain_pages_zone(cpu, z);
}

bool pcp_has_pages(void)
{
	const struct zone *z;

	for_each_zone(z)
		for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
			for (unsigned int i = 0; i < NR_PCP_LISTS; i++)
				if (!list_empty(&z->pcp[cpu].lists[i]))
					return true;
	return false;
}

struct page *pcp_list_entry(const struct zone *z, unsigned int cpu, unsigned int pindex,
			    unsigned long i)
{
	const struct list_head *head, *pos;

	if (cpu >= NR_CPUS || pindex >= NR_PCP_LISTS)
		return NULL;
	head = &z->pcp[cpu].lists[pindex];
	list_for_each(pos, head)
		if (i-- == 0)
			return list_entry(pos, struct page, lru);
	return NULL;
}
