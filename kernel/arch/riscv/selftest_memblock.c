/* Boot memory as the buddy got it, before anything is allocated: every
 * free block is RAM memblock knows and overlaps no reservation (firmware,
 * the image, the device tree, mem_map), the tree and the image are
 * reserved, the buddy holds exactly the pages memblock handed over, and
 * those are all the pages of RAM outside the reservations. */
#include "arch.h"
#include "lib.h"
#include "mm/memblock.h"
#include "mm/mmzone.h"
#include "platform.h"
#include "selftest.h"

static bool overlaps(const struct memblock_type *t, phys_addr_t start, phys_addr_t end)
{
	for (unsigned long i = 0; i < t->cnt; i++)
		if (t->regions[i].base < end && start < t->regions[i].base + t->regions[i].size)
			return true;
	return false;
}

static bool covered(const struct memblock_type *t, phys_addr_t start, phys_addr_t end)
{
	for (unsigned long i = 0; i < t->cnt; i++)
		if (t->regions[i].base <= start && end <= t->regions[i].base + t->regions[i].size)
			return true;
	return false;
}

void selftest_memblock(const struct fdt_info *fi)
{
	struct mem_range r[2 * MEMBLOCK_MAX_REGIONS];
	int n = memblock_free_ranges(r, (int)ARRAY_SIZE(r));
	unsigned long handed = 0, listed = 0, outside = 0;
	struct zone *z;

	st_begin("memblock");
	for_each_zone(z) {
		for (unsigned int o = 0; o <= MAX_ORDER; o++) {
			for (int t = 0; t < MIGRATE_TYPES; t++) {
				struct list_head *pos;

				list_for_each(pos, &z->free_area[o].free_list[t]) {
					struct page *page = list_entry(pos, struct page, lru);
					phys_addr_t pa = (phys_addr_t)page_address(page);
					phys_addr_t end = pa + (PAGE_SIZE << o);

					listed += 1UL << o;
					st_check(
						covered(&memblock.memory, pa, end),
						"free block %lx (order %u) is not inside one RAM region",
						(unsigned long)pa, o);
					st_check(
						!overlaps(&memblock.reserved, pa, end),
						"free block %lx (order %u) overlaps reserved memory",
						(unsigned long)pa, o);
				}
			}
		}
	}
	for (int i = 0; i < n && i < (int)ARRAY_SIZE(r); i++)
		handed += r[i].end_pfn - r[i].start_pfn;
	/* Page by page, the slow way round: what memblock's walk must find. */
	for (unsigned long i = 0; i < memblock.memory.cnt; i++) {
		const struct memblock_region *m = &memblock.memory.regions[i];

		for (phys_addr_t pa = ALIGN_UP(m->base, (phys_addr_t)PAGE_SIZE);
		     pa + PAGE_SIZE <= m->base + m->size; pa += PAGE_SIZE)
			outside += !overlaps(&memblock.reserved, pa, pa + PAGE_SIZE);
	}
	st_check(outside == handed,
		 "%lu pages of RAM lie outside every reservation, %lu handed over", outside,
		 handed);
	st_check(handed == listed && listed == nr_free_pages(),
		 "memblock handed over %lu pages, the free lists hold %lu, nr_free_pages says %lu",
		 handed, listed, nr_free_pages());
	st_check(covered(&memblock.reserved, (phys_addr_t)__text_start, (phys_addr_t)__kernel_end),
		 "the kernel image is not reserved");
	st_check(covered(&memblock.reserved, fi->blob, fi->blob + fi->blob_size),
		 "the device tree [%lx, %lx) is not reserved", (unsigned long)fi->blob,
		 (unsigned long)(fi->blob + fi->blob_size));
	st_end();
}
