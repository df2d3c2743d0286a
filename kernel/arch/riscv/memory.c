/* Physical memory at boot: the device tree's RAM and reservations go into
 * memblock, the page array (mem_map) is its first allocation, and what is
 * left becomes the buddy allocator's free memory. */
#include "arch.h"
#include "lib.h"
#include "mm/memblock.h"
#include "platform.h"
#include "setup.h"

#define DMA32_LIMIT 0x100000000UL

static void reserve(phys_addr_t start, phys_addr_t end, const char *what)
{
	if (end > start && memblock_reserve(start, end - start))
		panic("bootmem", "cannot reserve %s [%lx, %lx)", what, (unsigned long)start,
		      (unsigned long)end);
}

void setup_memory(const struct fdt_info *fi)
{
	phys_addr_t lo = ~(phys_addr_t)0, hi = 0, map;
	unsigned long base_pfn, nr_pfns;

	memblock_init();
	for (int i = 0; i < fi->nr_mem; i++) {
		const struct phys_range *r = &fi->mem[i];

		if (r->end <= r->start)
			continue;
		if (memblock_add(r->start, r->end - r->start))
			panic("bootmem", "cannot add RAM [%lx, %lx)", (unsigned long)r->start,
			      (unsigned long)r->end);
		if (r->start < lo)
			lo = r->start;
		if (r->end > hi)
			hi = r->end;
	}
	if (!memblock.memory.cnt)
		panic("bootmem", "the device tree lists no RAM");
	/* OpenSBI sits below the image (it starts its payload right above
	 * itself) and guards its part with PMP: everything up to the image's
	 * end stays out of the allocator, as does the tree we still read.
	 * memblock keeps byte ranges; only whole free pages are handed on. */
	reserve(lo, (phys_addr_t)__kernel_end, "firmware and the kernel image");
	reserve(fi->blob, fi->blob + fi->blob_size, "the device tree");
	for (int i = 0; i < fi->nr_reserved; i++)
		reserve(fi->reserved[i].start, fi->reserved[i].end, "reserved-memory");

	/* buddy_init wants the span to start on a MAX_ORDER boundary. */
	base_pfn = (lo >> PAGE_SHIFT) & ~((1UL << MAX_ORDER) - 1);
	nr_pfns = (ALIGN_UP(hi, (phys_addr_t)PAGE_SIZE) >> PAGE_SHIFT) - base_pfn;
	map = memblock_phys_alloc(nr_pfns * sizeof(struct page), PAGE_SIZE);
	if (!map)
		panic("bootmem", "no room for mem_map (%lu pages)", nr_pfns);

	/* ZONE_DMA32 is what a 32-bit device reaches: below 4 GiB. */
	memblock_free_all((struct page *)map, base_pfn, nr_pfns, DMA32_LIMIT >> PAGE_SHIFT);
	printk("memory: RAM %lx-%lx, mem_map %lx (%lu pages), %lu KiB free in %d ranges, "
	       "%lu KiB reserved\n",
	       (unsigned long)lo, (unsigned long)hi, (unsigned long)map, nr_pfns,
	       nr_free_pages() * (PAGE_SIZE / 1024), memblock_free_ranges(NULL, 0),
	       (unsigned long)(memblock.reserved.total_size / 1024));
}
