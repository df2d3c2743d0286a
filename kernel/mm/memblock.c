/* memblock: physical memory as two sorted lists of ranges, memory and
 * reserved, from the first instruction to the buddy allocator's start.
 *
 * Both lists are kept canonical (sorted, merged), so "is this byte free"
 * is "inside a memory region and outside every reserved one", and the free
 * pages at the end are found by walking the two lists side by side.
 */
#include "arch.h"
#include "errno-base.h"
#include "lib.h"
#include "mm/memblock.h"

struct memblock memblock;

void memblock_init(void)
{
	memset(&memblock, 0, sizeof(memblock));
}

static phys_addr_t region_end(const struct memblock_region *r)
{
	return r->base + r->size;
}

/* Union [base, end) into the type: every region it overlaps or touches
 * becomes part of one. */
static int add_range(struct memblock_type *t, phys_addr_t base, phys_addr_t size)
{
	phys_addr_t end = base + size;
	unsigned long first = 0, last;

	if (!size || end < base)
		return -EINVAL;
	/* first: the lowest region that reaches base; [first, last): every
	 * region the new one swallows. */
	while (first < t->cnt && region_end(&t->regions[first]) < base)
		first++;
	last = first;
	while (last < t->cnt && t->regions[last].base <= end)
		last++;
	if (first == last) {
		if (t->cnt == MEMBLOCK_MAX_REGIONS)
			return -ENOSPC;
		memmove(&t->regions[first + 1], &t->regions[first],
			(t->cnt - first) * sizeof(t->regions[0]));
		t->cnt++;
	} else {
		if (t->regions[first].base < base)
			base = t->regions[first].base;
		if (region_end(&t->regions[last - 1]) > end)
			end = region_end(&t->regions[last - 1]);
		for (unsigned long i = first; i < last; i++)
			t->total_size -= t->regions[i].size;
		memmove(&t->regions[first + 1], &t->regions[last],
			(t->cnt - last) * sizeof(t->regions[0]));
		t->cnt -= last - first - 1;
	}
	t->regions[first].base = base;
	t->regions[first].size = end - base;
	t->total_size += end - base;
	return 0;
}

/* Take [base, end) out of the type; a region it falls inside is split. */
static int remove_range(struct memblock_type *t, phys_addr_t base, phys_addr_t size)
{
	phys_addr_t end = base + size;

	if (!size || end < base)
		return -EINVAL;
	for (unsigned long i = 0; i < t->cnt; i++) {
		struct memblock_region *r = &t->regions[i];
		phys_addr_t rend = region_end(r);

		if (rend <= base || r->base >= end)
			continue;
		if (r->base < base && rend > end) {
			/* The one case that needs a slot: check before changing. */
			if (t->cnt == MEMBLOCK_MAX_REGIONS)
				return -ENOSPC;
			memmove(&t->regions[i + 1], &t->regions[i],
				(t->cnt - i) * sizeof(t->regions[0]));
			t->cnt++;
			t->regions[i].size = base - r->base;
			t->regions[i + 1].base = end;
			t->regions[i + 1].size = rend - end;
			t->total_size -= size;
			return 0;
		}
		if (r->base >= base && rend <= end) {
			t->total_size -= r->size;
			memmove(r, r + 1, (t->cnt - i - 1) * sizeof(t->regions[0]));
			t->cnt--;
			i--;
			continue;
		}
		if (r->base < base) {
			t->total_size -= rend - base;
			r->size = base - r->base;
		} else {
			t->total_size -= end - r->base;
			r->size = rend - end;
			r->base = end;
		}
	}
	return 0;
}

int memblock_add(phys_addr_t base, phys_addr_t size)
{
	return add_range(&memblock.memory, base, size);
}

int memblock_reserve(phys_addr_t base, phys_addr_t size)
{
	return add_range(&memblock.reserved, base, size);
}

int memblock_phys_free(phys_addr_t base, phys_addr_t size)
{
	return remove_range(&memblock.reserved, base, size);
}

/* The free byte ranges, in order: each memory region minus the reserved
 * regions that overlap it. A callback keeps the two users (allocation and
 * the hand-over) on one walk. Stops when fn returns true. */
static void for_each_free_range(bool (*fn)(phys_addr_t start, phys_addr_t end, void *arg),
				void *arg)
{
	const struct memblock_type *mem = &memblock.memory, *res = &memblock.reserved;
	unsigned long r = 0;

	for (unsigned long m = 0; m < mem->cnt; m++) {
		phys_addr_t start = mem->regions[m].base, end = region_end(&mem->regions[m]);

		/* Reservations wholly below this region can be passed for good:
		 * the regions only go up. */
		while (r < res->cnt && region_end(&res->regions[r]) <= start)
			r++;
		for (unsigned long k = r; k < res->cnt && res->regions[k].base < end; k++) {
			const struct memblock_region *rv = &res->regions[k];

			if (rv->base > start && fn(start, rv->base, arg))
				return;
			if (region_end(rv) > start)
				start = region_end(rv);
		}
		if (start < end && fn(start, end, arg))
			return;
	}
}

struct fit {
	phys_addr_t size, align, found;
};

static bool try_fit(phys_addr_t start, phys_addr_t end, void *arg)
{
	struct fit *f = arg;
	phys_addr_t at = ALIGN_UP(start, f->align);

	if (at < start || at > end || end - at < f->size)
		return false;
	f->found = at;
	return true;
}

phys_addr_t memblock_phys_alloc(phys_addr_t size, phys_addr_t align)
{
	struct fit f = { size, align ? align : 1, 0 };

	if (!size || (f.align & (f.align - 1)))
		return 0;
	for_each_free_range(try_fit, &f);
	/* Address 0 is never handed out: it means failure. */
	if (!f.found || memblock_reserve(f.found, size))
		return 0;
	return f.found;
}

struct page_ranges {
	struct mem_range *out;
	int cap, n;
};

static bool add_pages(phys_addr_t start, phys_addr_t end, void *arg)
{
	struct page_ranges *p = arg;
	/* Only whole pages: a reservation that ends mid-page keeps the rest
	 * of that page too. */
	unsigned long first = ALIGN_UP(start, (phys_addr_t)PAGE_SIZE) >> PAGE_SHIFT;
	unsigned long last = end >> PAGE_SHIFT;

	if (first >= last)
		return false;
	if (p->n < p->cap) {
		p->out[p->n].start_pfn = first;
		p->out[p->n].end_pfn = last;
	}
	p->n++;
	return false;
}

int memblock_free_ranges(struct mem_range *out, int cap)
{
	struct page_ranges p = { out, cap, 0 };

	for_each_free_range(add_pages, &p);
	return p.n;
}

void memblock_free_all(struct page *map, unsigned long base_pfn, unsigned long nr_pfns,
		       unsigned long dma32_end_pfn)
{
	/* A memory region yields at most one more free range per reservation. */
	struct mem_range free[2 * MEMBLOCK_MAX_REGIONS];
	int n = memblock_free_ranges(free, (int)ARRAY_SIZE(free));

	if (n > (int)ARRAY_SIZE(free))
		panic("bootmem", "%d free ranges, room for %d", n, (int)ARRAY_SIZE(free));
	buddy_init(map, base_pfn, nr_pfns, free, n, dma32_end_pfn);
}
