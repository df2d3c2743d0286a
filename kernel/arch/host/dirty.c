/* Poisoning and the cheap reset.
 *
 * A fuzzer resets the kernel once per input, so host_mm_reset() must cost
 * what the previous run touched, not what the arena holds. Every block the
 * buddy allocator hands out is recorded in the arena's dirty bitmap; at
 * reset only those pages are zeroed, and while buddy_init() re-poisons the
 * free memory only those pages are poisoned again: the rest never stopped
 * being poisoned.
 */
#include "arch.h"
#include "host_internal.h"
#include "lib.h"
#include "mm/memblock.h"
#include "mm/mm.h"
#include "mm/slab.h"
#include "mmu.h"

#ifdef HOST_ASAN
#include <sanitizer/asan_interface.h>
#endif

static struct host_arena *cur; /* the arena the kernel currently runs on */
static bool resetting;         /* buddy_init() inside host_mm_reset() */

static void asan_poison(const void *addr, size_t len)
{
#ifdef HOST_ASAN
	__asan_poison_memory_region(addr, len);
#else
	(void)addr;
	(void)len;
#endif
}

static void asan_unpoison(const void *addr, size_t len)
{
#ifdef HOST_ASAN
	__asan_unpoison_memory_region(addr, len);
#else
	(void)addr;
	(void)len;
#endif
}

/* ---- the dirty bitmap ---- */

static bool test_bit(const unsigned long *map, unsigned long i)
{
	return (map[i / BITS_PER_LONG] >> (i % BITS_PER_LONG)) & 1;
}

static void set_bits(unsigned long *map, unsigned long i, unsigned long n)
{
	unsigned long end = i + n;

	while (i < end) {
		if (i % BITS_PER_LONG == 0 && end - i >= BITS_PER_LONG) {
			map[i / BITS_PER_LONG] = ~0UL;
			i += BITS_PER_LONG;
		} else {
			map[i / BITS_PER_LONG] |= 1UL << (i % BITS_PER_LONG);
			i++;
		}
	}
}

/* The next run [*start, *stop) of set bits at or after *start, below end. */
static bool next_run(const unsigned long *map, unsigned long *start, unsigned long end,
		     unsigned long *stop)
{
	unsigned long i = *start;

	while (i < end && !test_bit(map, i)) {
		if (i % BITS_PER_LONG == 0 && !map[i / BITS_PER_LONG])
			i += BITS_PER_LONG;
		else
			i++;
	}
	if (i >= end)
		return false;
	*start = i;
	while (i < end && test_bit(map, i)) {
		if (i % BITS_PER_LONG == 0 && map[i / BITS_PER_LONG] == ~0UL)
			i += BITS_PER_LONG;
		else
			i++;
	}
	*stop = i < end ? i : end;
	return true;
}

static void *pfn_addr(const struct host_arena *a, unsigned long off)
{
	return (char *)a->base + (off << PAGE_SHIFT);
}

void host_mark_dirty(unsigned long pfn, unsigned int order)
{
	unsigned long off, n = 1UL << order;

	if (!cur || pfn < cur->base_pfn || pfn - cur->base_pfn >= cur->nr_pfns)
		return;
	off = pfn - cur->base_pfn;
	if (n > cur->nr_pfns - off)
		n = cur->nr_pfns - off;
	set_bits(cur->dirty, off, n);
}

/* ---- poison hooks ---- */

/* During a reset, poison only the dirty pages of a page-aligned range of the
 * current arena; false if the range is not one the filter can vouch for. */
static bool poison_dirty_only(const void *addr, size_t len)
{
	uintptr_t p = (uintptr_t)addr, base = (uintptr_t)cur->base;
	unsigned long off, end;

	if (p < base || p - base + len > cur->size || !IS_ALIGNED(p, PAGE_SIZE) ||
	    !IS_ALIGNED(len, PAGE_SIZE))
		return false;
	off = (p - base) >> PAGE_SHIFT;
	end = off + (len >> PAGE_SHIFT);
	for (unsigned long stop; next_run(cur->dirty, &off, end, &stop); off = stop)
		asan_poison(pfn_addr(cur, off), (stop - off) << PAGE_SHIFT);
	return true;
}

void arch_poison(const void *addr, size_t len)
{
	if (resetting && poison_dirty_only(addr, len))
		return;
	asan_poison(addr, len);
}

void arch_unpoison(const void *addr, size_t len)
{
	asan_unpoison(addr, len);
}

/* ---- reset ---- */

/* Zero every page handed out since the last reset: it may be free and
 * poisoned now, so it is unpoisoned first. */
static void scrub_dirty(struct host_arena *a)
{
	unsigned long off = 0, stop;

	for (; next_run(a->dirty, &off, a->nr_pfns, &stop); off = stop) {
		void *p = pfn_addr(a, off);
		size_t len = (stop - off) << PAGE_SHIFT;

		asan_unpoison(p, len);
		memset(p, 0, len);
	}
}

void host_arena_forget(struct host_arena *a, unsigned long next_pfns)
{
	/* Past both layouts the pages stay poisoned: no reset touches them. */
	unsigned long span = next_pfns > a->nr_pfns ? next_pfns : a->nr_pfns;

	scrub_dirty(a);
	memset(a->dirty, 0, BITS_TO_LONGS(a->nr_pfns) * sizeof(unsigned long));
	asan_unpoison(a->base, span << PAGE_SHIFT);
	memset(a->base, 0, a->nr_meta_pfns << PAGE_SHIFT);
	a->poisoned = false;
}

/* Memory only the boot needs, taken and given back before the hand-over
 * as boot code does (Linux: early page tables, the initrd): a scratch
 * buffer of the geometry's size and a table page right above it. Freeing
 * the buffer splits the reservation the two joined, freeing the page
 * removes what is left of it, so both paths of memblock_phys_free run on
 * every boot, and a slip in either shows in what memblock then holds. */
static void early_buffers(const struct host_arena *a)
{
	phys_addr_t size = a->nr_early_pfns << PAGE_SHIFT;
	phys_addr_t scratch = memblock_phys_alloc(size, PAGE_SIZE);
	phys_addr_t table = memblock_phys_alloc(PAGE_SIZE, PAGE_SIZE);

	/* A geometry whose holes leave nothing past mem_map has no room for
	 * them: a boot with no free memory, not a broken one. */
	if (!scratch || !table) {
		if ((scratch && memblock_phys_free(scratch, size)) ||
		    (table && memblock_phys_free(table, PAGE_SIZE)))
			panic("bootmem", "early buffers not given back");
		return;
	}
	if (memblock_phys_free(scratch, size) || memblock_phys_free(table, PAGE_SIZE))
		panic("bootmem", "early buffers not given back");
}

/* Boot the way the riscv kernel does: the memory map into memblock, the
 * page array from it, every page left over to the buddy. */
static void boot_memory(struct host_arena *a)
{
	phys_addr_t map;

	memblock_init();
	for (int i = 0; i < a->nr_memory; i++)
		if (memblock_add(a->memory[i].start_pfn << PAGE_SHIFT,
				 (a->memory[i].end_pfn - a->memory[i].start_pfn) << PAGE_SHIFT))
			panic("bootmem", "memory bank %d not added", i);
	for (int i = 0; i < a->nr_reserved; i++)
		if (memblock_reserve(a->reserved[i].start_pfn << PAGE_SHIFT,
				     (a->reserved[i].end_pfn - a->reserved[i].start_pfn)
					     << PAGE_SHIFT))
			panic("bootmem", "reservation %d not recorded", i);
	/* buddy_init writes the whole array: no need to have it zeroed. */
	map = memblock_phys_alloc(a->nr_meta_pfns << PAGE_SHIFT, PAGE_SIZE);
	if (!map)
		panic("bootmem", "no room for mem_map (%lu pages)", a->nr_meta_pfns);
	early_buffers(a);
	memblock_free_all((struct page *)map, a->base_pfn, a->nr_pfns,
			  a->base_pfn + a->nr_dma32_pfns);
}

void host_mm_reset(struct host_arena *a)
{
	cur = a;
	scrub_dirty(a);
	/* The first reset poisons everything; later ones only what was dirty.
	 * Past the layout's end nothing is the kernel's to touch. */
	if (!a->poisoned && a->cap_pfns > a->nr_pfns)
		asan_poison(pfn_addr(a, a->nr_pfns), (a->cap_pfns - a->nr_pfns) << PAGE_SHIFT);
	resetting = a->poisoned;
	boot_memory(a);
	kmem_cache_init();
	mm_init();   /* allocates nothing: its VMA cache is static */
	mmu_reset(); /* no translation may outlive the page tables it came from */
	resetting = false;
	a->poisoned = true;
	memset(a->dirty, 0, BITS_TO_LONGS(a->nr_pfns) * sizeof(unsigned long));
}
