/* The page allocation policy: which zone a request may take from, how far
 * below its watermarks, and what happens when none will do.
 *
 * As in Linux, a request first walks its zonelist (the highest zone its gfp
 * allows, then each lower one) against the low watermark; then again
 * against the min watermark, reduced for __GFP_HIGH (half) and, when the
 * caller cannot sleep as well, by a further quarter. There is no reclaim,
 * no compaction and no OOM killer, so nothing a retry could wait for:
 * __GFP_NORETRY and its absence end the same way. __GFP_NOFAIL goes on to
 * the half-min reserve and then to any block the zonelist holds, ignoring
 * watermarks; if even that finds nothing the kernel panics ("nofail-oom"),
 * where Linux would loop for ever. With per-CPU lists on, a caller that
 * may sleep has every CPU's lists drained before the min pass is retried
 * (mm/pcp.c). An order above MAX_ORDER fails whatever
 * the flags, as in Linux. docs/zones.md has the rule with examples. */
#include "arch.h"
#include "lib.h"
#include "mm/might_sleep.h"
#include "mm/mmzone.h"
#include "page_alloc.h"

/* Lines warn_alloc() prints in a run of the kernel: a fuzzer can fail thousands of
 * allocations a second, and the tracepoint already counts them all. */
#define WARN_ALLOC_LINES 10

static unsigned int warn_lines;

static void prep_new_block(struct page *page, unsigned int order, gfp_t gfp)
{
	page->flags = PG_head;
	page->order = order;
	page->pgclass = gfp_class(gfp);
	page->alloc_mt = (unsigned char)gfp_migratetype(gfp);
	page->_refcount = 1;
	if (gfp & __GFP_COMP) {
		for (unsigned long i = 1; i < (1UL << order); i++) {
			page[i].flags |= PG_tail;
			page[i].head = page;
		}
	}
}

/* Bytes in a block of this order, saturated so a silly order cannot shift
 * past the width of size_t. */
static size_t order_bytes(unsigned int order)
{
	if (order >= sizeof(size_t) * 8 - PAGE_SHIFT)
		return SIZE_MAX;
	return PAGE_SIZE << order;
}

static enum zone_type gfp_zone(gfp_t gfp)
{
	return (gfp & __GFP_DMA32) ? ZONE_DMA32 : ZONE_NORMAL;
}

static unsigned int gfp_to_alloc_flags(gfp_t gfp)
{
	unsigned int flags = ALLOC_WMARK_MIN;

	if (gfp & __GFP_HIGH)
		flags |= ALLOC_MIN_RESERVE;
	if (!(gfp & __GFP_DIRECT_RECLAIM))
		flags |= ALLOC_NON_BLOCK;
	return flags;
}

/* Small blocks through this CPU's lists when they are on, the rest (and
 * everything with one CPU) from the buddy under the zone lock. The block
 * is traced where it leaves the free structure, under its lock: another
 * CPU's op that runs at a lock boundary then finds the tracepoints and
 * the lists agreeing. */
static struct page *rmqueue(struct zone *z, unsigned int order, gfp_t gfp)
{
	struct page *page;

	if (pcp_enabled() && order <= PAGE_ALLOC_COSTLY_ORDER)
		return rmqueue_pcplist(z, order, gfp);
	spin_lock(&z->lock);
	page = __rmqueue(z, order, gfp_migratetype(gfp));
	if (page)
		trace_page_alloc(page, order, gfp_class(gfp));
	spin_unlock(&z->lock);
	return page;
}

static struct page *get_page_from_freelist(gfp_t gfp, unsigned int order, unsigned int alloc_flags)
{
	enum zone_type highest = gfp_zone(gfp);

	for (int i = (int)highest; i >= 0; i--) {
		struct zone *z = &zones[i];
		unsigned int mark = alloc_flags & ALLOC_WMARK_MASK;
		struct page *page;

		if (!z->managed_pages)
			continue;
		if (mark != ALLOC_NO_WATERMARKS &&
		    !zone_watermark_ok(z, order, z->_watermark[mark], highest, alloc_flags))
			continue;
		page = rmqueue(z, order, gfp);
		if (page)
			return page;
	}
	return NULL;
}

static void warn_alloc(gfp_t gfp, unsigned int order)
{
	if (gfp & __GFP_NOWARN)
		return;
	trace_page_alloc_warn(order, gfp);
	if (warn_lines < WARN_ALLOC_LINES) {
		warn_lines++;
		printk("page allocation failure: order:%u, mode:%#x, %lu pages free\n", order, gfp,
		       nr_free_pages());
	}
}

static struct page *alloc_pages_slowpath(gfp_t gfp, unsigned int order)
{
	unsigned int alloc_flags = gfp_to_alloc_flags(gfp);
	struct page *page = get_page_from_freelist(gfp, order, alloc_flags);

	/* Where Linux's direct reclaim, having reclaimed, would still fail:
	 * it gives back every CPU's parked pages and tries once more. Only a
	 * caller that may sleep gets there. */
	if (!page && (gfp & __GFP_DIRECT_RECLAIM) && pcp_enabled()) {
		drain_all_pages();
		page = get_page_from_freelist(gfp, order, alloc_flags);
	}
	if (page || !(gfp & __GFP_NOFAIL))
		return page;
	page = get_page_from_freelist(gfp, order, alloc_flags | ALLOC_MIN_RESERVE);
	if (!page)
		page = get_page_from_freelist(gfp, order, ALLOC_NO_WATERMARKS);
	if (!page)
		panic("nofail-oom", "order %u, gfp %#x: no block left and nothing to reclaim",
		      order, gfp);
	return page;
}

struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	struct page *page = NULL;

	might_sleep(gfp);
	if (should_fail_alloc(gfp, order_bytes(order)))
		return NULL;
	if (order <= MAX_ORDER) {
		page = get_page_from_freelist(gfp, order, ALLOC_WMARK_LOW);
		if (!page)
			page = alloc_pages_slowpath(gfp, order);
	}
	if (!page) {
		warn_alloc(gfp, order);
		trace_page_alloc_fail(order, gfp);
		return NULL;
	}
	prep_new_block(page, order, gfp);
	arch_unpoison(page_address(page), PAGE_SIZE << order);
	if (gfp & __GFP_ZERO)
		memset(page_address(page), 0, PAGE_SIZE << order);
	return page;
}

unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	struct page *page = alloc_pages(gfp, order);

	return page ? (unsigned long)page_address(page) : 0;
}

unsigned long get_zeroed_page(gfp_t gfp)
{
	return __get_free_pages(gfp | __GFP_ZERO, 0);
}
