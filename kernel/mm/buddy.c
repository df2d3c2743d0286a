/* The buddy page allocator: free lists, splitting and merging.
 *
 * Free memory is kept as blocks of 2^order pages, aligned to their size by
 * absolute pfn, on LIFO lists per order and migrate type in each zone (the
 * type is the pageblock's: migrate.c); a block never
 * spans two zones, so a buddy in the other zone is never merged with. Allocation takes the head of the
 * smallest list that can serve the request and splits it; freeing merges a
 * block with its buddy as long as the buddy is a free block of the same
 * order (eager coalescing), so the free structure depends only on which
 * blocks are allocated. Which zone an allocation draws from is the policy
 * of page_alloc.c; this file serves a block from the zone it is given. Everything the allocator knows lives in struct page,
 * never in the free memory, so free memory can be poisoned whole.
 */
#include "arch.h"
#include "lib.h"
#include "mm/mmzone.h"
#include "page_alloc.h"

static struct page *mem_map;
static unsigned long base_pfn;
static unsigned long nr_pfns;

/* ---- pfn / page / address conversions ---- */

bool pfn_valid(unsigned long pfn)
{
	return mem_map && pfn >= base_pfn && pfn - base_pfn < nr_pfns;
}

unsigned long page_to_pfn(const struct page *page)
{
	return base_pfn + (unsigned long)(page - mem_map);
}

struct page *pfn_to_page(unsigned long pfn)
{
	return pfn_valid(pfn) ? &mem_map[pfn - base_pfn] : NULL;
}

/* PA == VA: the kernel runs on an identity map (the host arena too). */
void *page_address(const struct page *page)
{
	return (void *)(page_to_pfn(page) << PAGE_SHIFT);
}

struct page *virt_to_page(const void *addr)
{
	return pfn_to_page((uintptr_t)addr >> PAGE_SHIFT);
}

struct page *compound_head(struct page *page)
{
	return (page->flags & PG_tail) ? page->head : page;
}

unsigned long buddy_base_pfn(void)
{
	return base_pfn;
}

unsigned long buddy_nr_pfns(void)
{
	return nr_pfns;
}

/* A pointer handed back by a caller may be anything: check it really is an
 * element of mem_map before dereferencing it. */
static bool page_in_map(const struct page *page)
{
	uintptr_t p = (uintptr_t)page, lo = (uintptr_t)mem_map;

	if (!mem_map || p < lo)
		return false;
	return (p - lo) % sizeof(struct page) == 0 && (p - lo) / sizeof(struct page) < nr_pfns;
}

/* ---- free lists ---- */

void add_to_free_area(struct zone *z, struct page *page, unsigned int order, int migratetype)
{
	page->flags |= PG_buddy;
	page->order = order;
	list_add(&page->lru, &z->free_area[order].free_list[migratetype]);
	z->free_area[order].nr_free++;
	z->nr_free += 1UL << order;
}

void del_from_free_area(struct zone *z, struct page *page, unsigned int order)
{
	list_del(&page->lru);
	page->flags &= ~PG_buddy;
	page->order = 0;
	z->free_area[order].nr_free--;
	z->nr_free -= 1UL << order;
}

/* The buddy of a block is only mergeable when it is itself a whole free
 * block of the same order in the same zone; a free block of a smaller
 * order means part of the buddy is still allocated. */
static struct page *find_free_buddy(unsigned long pfn, unsigned int order)
{
	unsigned long buddy_pfn = pfn ^ (1UL << order);
	struct page *buddy = pfn_to_page(buddy_pfn);

	if (!buddy || !(buddy->flags & PG_buddy) || buddy->order != order)
		return NULL;
	if (pfn_zone_idx(buddy_pfn) != pfn_zone_idx(pfn))
		return NULL;
	return buddy;
}

/* Give the block back to the free lists, merging upwards while possible,
 * onto the list of its pageblock's type. All three types merge, as in
 * Linux; a buddy of a whole pageblock or more takes the freed block's type
 * first, so no free block ever spans pageblocks of two types. */
void __free_one_page(unsigned long pfn, unsigned int order)
{
	struct zone *z = &zones[pfn_zone_idx(pfn)];
	int mt = get_pageblock_migratetype(pfn_to_page(pfn));
	struct page *buddy;

	while (order < MAX_ORDER && (buddy = find_free_buddy(pfn, order))) {
		del_from_free_area(z, buddy, order);
		if (order >= pageblock_order && get_pageblock_migratetype(buddy) != mt)
			change_pageblock_range(buddy, order, mt);
		pfn &= ~(1UL << order);
		order++;
	}
	add_to_free_area(z, pfn_to_page(pfn), order, mt);
}

/* ---- initialisation ---- */

/* The largest block that starts at pfn (alignment) and ends by end. */
static unsigned int max_block_order(unsigned long pfn, unsigned long end)
{
	unsigned int order = 0;

	while (order < MAX_ORDER && IS_ALIGNED(pfn, 1UL << (order + 1)) &&
	       pfn + (2UL << order) <= end)
		order++;
	return order;
}

static void free_boot_range(unsigned long start, unsigned long end)
{
	while (start < end) {
		unsigned int order = max_block_order(start, end);

		arch_poison((void *)(start << PAGE_SHIFT), PAGE_SIZE << order);
		/* Merging here keeps the structure canonical even if two usable
		 * ranges happen to touch. */
		__free_one_page(start, order);
		start += 1UL << order;
	}
}

/* Mark reserved every page of the span outside the usable ranges, visiting
 * only those pages: the gaps are found range by range in pfn order (the
 * ranges may come unsorted), so a fuzzer resetting on every input does not
 * pay a per-page range lookup. */
static void reserve_holes(struct page *map, unsigned long base, unsigned long nr,
			  const struct mem_range *usable, int nr_usable)
{
	unsigned long pfn = base, end = base + nr;

	while (pfn < end) {
		const struct mem_range *next = NULL;

		for (int r = 0; r < nr_usable; r++) {
			if (usable[r].end_pfn > pfn && usable[r].start_pfn < usable[r].end_pfn &&
			    (!next || usable[r].start_pfn < next->start_pfn))
				next = &usable[r];
		}
		unsigned long stop = next && next->start_pfn < end ? next->start_pfn : end;

		for (; pfn < stop; pfn++)
			map[pfn - base].flags = PG_reserved;
		if (!next)
			break;
		if (next->end_pfn > pfn)
			pfn = next->end_pfn;
	}
}

/* Free [start, end) as the largest aligned blocks that fit, each inside
 * one zone. */
static void free_boot_pages(unsigned long start, unsigned long end)
{
	unsigned long split = zones[ZONE_NORMAL].zone_start_pfn;

	if (start < split && split < end) {
		free_boot_range(start, split);
		free_boot_range(split, end);
	} else {
		free_boot_range(start, end);
	}
}

void buddy_init(struct page *map, unsigned long base, unsigned long nr,
		const struct mem_range *usable, int nr_usable, unsigned long dma32_end_pfn)
{
	mem_map = map;
	base_pfn = base;
	nr_pfns = nr;
	zones_init(base, nr, dma32_end_pfn);
	/* Every page outside the usable ranges is reserved for good; usable
	 * pages are left unmarked, so freeing them needs no pass of its own. */
	memset(map, 0, nr * sizeof(struct page));
	reserve_holes(map, base, nr, usable, nr_usable);
	/* Every pageblock starts MOVABLE, as Linux's memmap_init leaves them:
	 * the kernel's own allocations then steal the blocks they need. */
	for (unsigned long pfn = base; pfn < base + nr; pfn += pageblock_nr_pages)
		set_pageblock_migratetype(&map[pfn - base], MIGRATE_MOVABLE);

	for (int r = 0; r < nr_usable; r++) {
		unsigned long start = usable[r].start_pfn, end = usable[r].end_pfn;

		if (start < base)
			start = base;
		if (end > base + nr)
			end = base + nr;
		if (start < end)
			free_boot_pages(start, end);
	}
	setup_per_zone_wmarks();
}

/* ---- allocation ---- */

/* Split a free block of order o (already off its list) down to order: the
 * upper halves go back on the type's lists, the lower half is kept. */
void expand(struct zone *z, struct page *page, unsigned int order, unsigned int o, int migratetype)
{
	while (o > order) {
		o--;
		add_to_free_area(z, page + (1UL << o), o, migratetype);
	}
}

/* Take a block of exactly this order from the type's lists, splitting the
 * smallest bigger one if needed. A free block never spans two pageblock
 * types, so the halves are their pageblocks' type too. */
struct page *__rmqueue_smallest(struct zone *z, unsigned int order, int migratetype)
{
	unsigned int o = order;
	struct page *page;

	while (o <= MAX_ORDER && list_empty(&z->free_area[o].free_list[migratetype]))
		o++;
	if (o > MAX_ORDER)
		return NULL;
	page = list_first_entry(&z->free_area[o].free_list[migratetype], struct page, lru);
	del_from_free_area(z, page, o);
	expand(z, page, order, o, migratetype);
	return page;
}

struct page *__rmqueue(struct zone *z, unsigned int order, int migratetype)
{
	struct page *page = __rmqueue_smallest(z, order, migratetype);

	return page ? page : __rmqueue_fallback(z, order, migratetype);
}

/* ---- freeing ---- */

/* The head of the block (allocated or free) that contains page, or NULL.
 * Blocks are aligned to their size, so the head is one of the pfns obtained
 * by clearing low bits; the first head found upwards is the right one,
 * because every smaller candidate lies inside that same block. */
static struct page *find_block_head(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);

	for (unsigned int o = 0; o <= MAX_ORDER; o++) {
		struct page *h = pfn_to_page(pfn & ~((1UL << o) - 1));

		if (h && (h->flags & (PG_head | PG_buddy | PG_pcp)) && h->order >= o)
			return h;
	}
	return NULL;
}

/* Everything a caller can get wrong when handing a block back. */
static void check_free(struct page *page, unsigned int order)
{
	if (!page_in_map(page))
		panic("bad-free", "order %u: the page is not in mem_map", order);
	unsigned long pfn = page_to_pfn(page);

	if (page->flags & PG_reserved)
		panic("bad-free", "pfn %lu is reserved", pfn);
	if (!(page->flags & PG_head)) {
		struct page *h = find_block_head(page);

		if ((page->flags & (PG_buddy | PG_pcp)) || (h && (h->flags & (PG_buddy | PG_pcp))))
			panic("double-free", "pfn %lu order %u is already free", pfn, order);
		panic("bad-free", "pfn %lu is not the head of a block", pfn);
	}
	if (page->_refcount <= 0)
		panic("double-free", "pfn %lu has refcount %d", pfn, page->_refcount);
	if (page->order != order)
		panic("free-wrong-order", "pfn %lu allocated with order %u, freed with order %u",
		      pfn, page->order, order);
}

/* The last reference is gone: return the block to the free lists. */
static void free_block(struct page *page)
{
	unsigned int order = page->order, pgc = page->pgclass;

	for (unsigned long i = 0; i < (1UL << order); i++) {
		page[i].flags &= ~(PG_head | PG_tail | PG_slab | PG_large_kmalloc);
		page[i].head = NULL;
	}
	page->_refcount = 0;
	page->pgclass = 0;
	page->alloc_mt = 0;
	page->order = 0;
	page->slab_cache = NULL;
	page->s_mem = NULL;
	page->freelist = NULL;
	page->active = 0;
	arch_poison(page_address(page), PAGE_SIZE << order);
	if (pcp_enabled() && order <= PAGE_ALLOC_COSTLY_ORDER) {
		free_unref_page(page, order, pgc);
	} else {
		struct zone *z = page_zone(page);

		/* traced under the lock, as an allocation is (page_alloc.c) */
		spin_lock(&z->lock);
		trace_page_free(page, order, pgc);
		__free_one_page(page_to_pfn(page), order);
		spin_unlock(&z->lock);
	}
}

void __free_pages(struct page *page, unsigned int order)
{
	check_free(page, order);
	if (--page->_refcount == 0)
		free_block(page);
}

void free_pages(unsigned long addr, unsigned int order)
{
	if (addr == 0)
		return;
	__free_pages(virt_to_page((void *)addr), order);
}

/* ---- reference counts ---- */

/* References are counted on the block head, whatever page of a compound
 * block the caller holds. */
static struct page *ref_page(struct page *page, const char *what)
{
	if (!page_in_map(page))
		panic("bad-page", "%s: the page is not in mem_map", what);
	page = compound_head(page);
	if (page->_refcount <= 0)
		panic("refcount-underflow", "%s: pfn %lu is not allocated (refcount %d)", what,
		      page_to_pfn(page), page->_refcount);
	return page;
}

void get_page(struct page *page)
{
	ref_page(page, "get_page")->_refcount++;
}

void put_page(struct page *page)
{
	page = ref_page(page, "put_page");
	if (--page->_refcount == 0)
		free_block(page);
}

int page_ref_count(const struct page *page)
{
	return page->_refcount;
}

/* ---- statistics ---- */

unsigned long nr_free_pages(void)
{
	unsigned long n = 0;
	struct zone *z;

	/* From the lists' counts, not nr_free: the two are kept apart, so
	 * either going wrong shows against the other. */
	for_each_zone(z)
		for (unsigned int o = 0; o <= MAX_ORDER; o++)
			n += z->free_area[o].nr_free << o;
	return n;
}

unsigned long nr_free_blocks(unsigned int order)
{
	unsigned long n = 0;
	struct zone *z;

	if (order > MAX_ORDER)
		return 0;
	for_each_zone(z)
		n += z->free_area[order].nr_free;
	return n;
}

const char *page_class_name(unsigned int pgc)
{
	/* clang-format off */
	static const char *const names[NR_PAGE_CLASSES] = {
		[PGC_KERNEL] = "kernel",
		[PGC_HARNESS] = "harness",
		[PGC_SLAB] = "slab",
		[PGC_KMALLOC_LARGE] = "kmalloc-large",
		[PGC_PGTABLE] = "pgtable",
		[PGC_COW] = "cow",
		[PGC_USER] = "user",
		[PGC_SOURCE] = "source",
		[PGC_VMALLOC] = "vmalloc",
	};
	/* clang-format on */

	return pgc < NR_PAGE_CLASSES ? names[pgc] : "unknown";
}
