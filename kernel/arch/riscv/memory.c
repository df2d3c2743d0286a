/* Physical memory at boot: which RAM the buddy allocator may hand out and
 * where its page array (mem_map) lives, worked out from the device tree
 * before any allocator exists. */
#include "arch.h"
#include "lib.h"
#include "mm/page.h"
#include "platform.h"
#include "setup.h"

/* Every RAM range can be split once per reservation. */
#define MAX_FREE_RANGES (FDT_MAX_RANGES * (FDT_MAX_RANGES + 4))

struct range_set {
	struct phys_range r[MAX_FREE_RANGES];
	int n;
};

static struct range_set free_ram;

static void range_insert(struct range_set *s, int at, phys_addr_t start, phys_addr_t end)
{
	if (s->n == MAX_FREE_RANGES)
		panic("bootmem", "more than %d free ranges", MAX_FREE_RANGES);
	memmove(&s->r[at + 1], &s->r[at], (size_t)(s->n - at) * sizeof(s->r[0]));
	s->r[at].start = start;
	s->r[at].end = end;
	s->n++;
}

static void range_remove(struct range_set *s, int at)
{
	memmove(&s->r[at], &s->r[at + 1], (size_t)(s->n - at - 1) * sizeof(s->r[0]));
	s->n--;
}

/* Take [start, end) out of the set; ranges stay sorted. */
static void range_cut(struct range_set *s, phys_addr_t start, phys_addr_t end)
{
	for (int i = 0; i < s->n; i++) {
		struct phys_range *r = &s->r[i];

		if (end <= r->start || start >= r->end)
			continue;
		if (start > r->start && end < r->end) {
			range_insert(s, i + 1, end, r->end);
			s->r[i].end = start;
			return;
		}
		if (start <= r->start && end >= r->end) {
			range_remove(s, i--);
			continue;
		}
		if (start > r->start)
			r->end = start;
		else
			r->start = end;
	}
}

/* Whole pages only: the buddy hands out nothing smaller. */
static void add_ram(struct range_set *s, const struct phys_range *ram)
{
	phys_addr_t start = ALIGN_UP(ram->start, (phys_addr_t)PAGE_SIZE);
	phys_addr_t end = ram->end & PAGE_MASK;
	int at = 0;

	if (start >= end)
		return;
	while (at < s->n && s->r[at].start < start)
		at++;
	range_insert(s, at, start, end);
}

/* The lowest free place for bytes; it is taken out of the set. */
static phys_addr_t bootmem_take(struct range_set *s, size_t bytes)
{
	bytes = ALIGN_UP(bytes, (size_t)PAGE_SIZE);
	for (int i = 0; i < s->n; i++) {
		phys_addr_t start = s->r[i].start;

		if (s->r[i].end - start >= bytes) {
			range_cut(s, start, start + bytes);
			return start;
		}
	}
	panic("bootmem", "no room for %zu bytes", bytes);
}

void setup_memory(const struct fdt_info *fi)
{
	phys_addr_t lo = ~(phys_addr_t)0, hi = 0, map;
	struct mem_range usable[MAX_FREE_RANGES];
	unsigned long base_pfn, nr_pfns;
	int nr = 0;

	for (int i = 0; i < fi->nr_mem; i++) {
		add_ram(&free_ram, &fi->mem[i]);
		if (fi->mem[i].start < lo)
			lo = fi->mem[i].start;
		if (fi->mem[i].end > hi)
			hi = fi->mem[i].end;
	}
	if (!free_ram.n)
		panic("bootmem", "the device tree lists no RAM");
	/* OpenSBI sits below the image (it starts its payload right above
	 * itself) and guards its part with PMP: everything up to the image's
	 * end stays out of the allocator, as does the tree we still read. */
	range_cut(&free_ram, 0, ALIGN_UP((phys_addr_t)__kernel_end, (phys_addr_t)PAGE_SIZE));
	range_cut(&free_ram, fi->blob & PAGE_MASK,
		  ALIGN_UP(fi->blob + fi->blob_size, (phys_addr_t)PAGE_SIZE));
	for (int i = 0; i < fi->nr_reserved; i++)
		range_cut(&free_ram, fi->reserved[i].start & PAGE_MASK,
			  ALIGN_UP(fi->reserved[i].end, (phys_addr_t)PAGE_SIZE));

	/* buddy_init wants the span to start on a MAX_ORDER boundary. */
	base_pfn = (lo >> PAGE_SHIFT) & ~((1UL << MAX_ORDER) - 1);
	nr_pfns = (ALIGN_UP(hi, (phys_addr_t)PAGE_SIZE) >> PAGE_SHIFT) - base_pfn;
	map = bootmem_take(&free_ram, nr_pfns * sizeof(struct page));

	for (int i = 0; i < free_ram.n; i++) {
		usable[nr].start_pfn = free_ram.r[i].start >> PAGE_SHIFT;
		usable[nr].end_pfn = free_ram.r[i].end >> PAGE_SHIFT;
		nr++;
	}
	buddy_init((struct page *)map, base_pfn, nr_pfns, usable, nr);
	printk("memory: RAM %lx-%lx, mem_map %lx (%lu pages), %lu KiB free in %d ranges\n",
	       (unsigned long)lo, (unsigned long)hi, (unsigned long)map, nr_pfns,
	       nr_free_pages() * (PAGE_SIZE / 1024), nr);
}
