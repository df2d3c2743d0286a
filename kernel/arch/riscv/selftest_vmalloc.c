/* vmalloc on the kernel's real table, paging on: areas placed from the
 * window's start with a guard page each, written and read through the
 * hart's MMU, the guard and a freed area faulting (the freed one after
 * its translations were cached: vfree's flush is what makes it fault),
 * vzalloc reading zero, the lowest gap reused, and every page back. */
#include "arch.h"
#include "lib.h"
#include "mm/page.h"
#include "mm/slab.h"
#include "mm/vmalloc.h"
#include "riscv.h"
#include "selftest.h"
#include "trap.h"

static uint8_t pattern(uintptr_t off)
{
	return (uint8_t)(off * 7 + 3);
}

static void fill(uintptr_t va, size_t len)
{
	for (uintptr_t off = 0; off < len; off += 61)
		((volatile uint8_t *)va)[off] = pattern(off);
}

static bool filled(uintptr_t va, size_t len)
{
	for (uintptr_t off = 0; off < len; off += 61)
		if (((volatile uint8_t *)va)[off] != pattern(off))
			return false;
	return true;
}

static void faults(const char *what, uintptr_t va)
{
	uint8_t v;
	unsigned long cause = probe_load(va, &v);

	st_check(cause == CAUSE_LOAD_PAGE_FAULT, "%s %lx: scause %lu, want a load page fault", what,
		 (unsigned long)va, cause);
}

void selftest_vmalloc(void)
{
	unsigned long free0;
	uintptr_t a, b, c;
	uint8_t v;

	/* empty slabs are kept until a shrink: count without them */
	kmem_cache_shrink_all();
	free0 = nr_free_pages();

	st_begin("vmalloc");
	a = (uintptr_t)vmalloc(3 * PAGE_SIZE);
	b = (uintptr_t)vzalloc(2 * PAGE_SIZE);
	if (!st_check(a == VMALLOC_START && b == a + 4 * PAGE_SIZE,
		      "areas at %lx and %lx, want %lx and 4 pages on", (unsigned long)a,
		      (unsigned long)b, (unsigned long)VMALLOC_START)) {
		st_end();
		return;
	}
	fill(a, 3 * PAGE_SIZE);
	st_check(filled(a, 3 * PAGE_SIZE), "area a does not read back what was written");
	/* the second page as the direct map sees it */
	st_check(memcmp(page_address(vmalloc_to_page((void *)(a + PAGE_SIZE))),
			(void *)(a + PAGE_SIZE), PAGE_SIZE) == 0,
		 "vmalloc_to_page is not the page mapped there");
	faults("guard", a + 3 * PAGE_SIZE);
	for (uintptr_t off = 0; off < 2 * PAGE_SIZE; off += 8)
		if (!st_check(probe_load(b + off, &v) == 0 && v == 0, "vzalloc byte %lu: %u",
			      (unsigned long)off, v))
			break;
	vfree((void *)a);
	faults("freed area", a);
	faults("freed area", a + 2 * PAGE_SIZE);
	c = (uintptr_t)vmalloc(PAGE_SIZE);
	st_check(c == a, "a one-page area at %lx, want the lowest gap %lx", (unsigned long)c,
		 (unsigned long)a);
	vfree((void *)b);
	vfree((void *)c);
	kmem_cache_shrink_all();
	st_check(nr_free_pages() == free0, "%lu pages free after vfree, %lu before",
		 nr_free_pages(), free0);
	st_end();
}
