/* A walk of the kernel map as kvmmake built it, before satp points at
 * it. The walk decodes PTEs by the privileged spec on its own (not with
 * kernel/mm's macros), and the expected layout is written out here again
 * from the board and the linker symbols, so neither a PTE-encoding bug
 * nor a wrong region table in kmap.c can vouch for itself. Every leaf
 * must map its own address with the permissions of the region it lies
 * in, every byte of every region must be mapped, and every 2 MiB block a
 * region covers whole must be one superpage. */
#include "arch.h"
#include "lib.h"
#include "mm/page.h"
#include "platform.h"
#include "selftest.h"

#define V (1UL << 0)
#define R (1UL << 1)
#define W (1UL << 2)
#define X (1UL << 3)
#define U (1UL << 4)
#define G (1UL << 5)
#define A (1UL << 6)
#define D (1UL << 7)
#define RSW (3UL << 8)
#define RESERVED (0x3ffUL << 54)
#define PPN(pte) (((pte) >> 10) & ((1UL << 44) - 1))
#define LEVEL_BYTES(level) (1UL << (12 + 9 * (level)))

struct expect {
	const char *name;
	uintptr_t start, end;
	unsigned long perm; /* R W X */
	unsigned long mapped;
};

static struct expect want[5 + FDT_MAX_RANGES];
static int nr_want;
static unsigned long leaves[2]; /* by level: 4 KiB, 2 MiB */

static void expect(const char *name, uintptr_t start, uintptr_t end, unsigned long perm)
{
	if (start < end)
		want[nr_want++] = (struct expect){ name, start, end, perm, 0 };
}

static void expect_layout(const struct fdt_info *fi)
{
	uintptr_t ro_end = (uintptr_t)__rodata_end;

	nr_want = 0;
	expect("finisher", VIRT_TEST, VIRT_TEST + 0x1000, R | W);
	expect("plic", VIRT_PLIC, VIRT_PLIC + 0x400000, R | W);
	expect("uart", VIRT_UART0, VIRT_UART0 + 0x1000, R | W);
	expect("text", (uintptr_t)__text_start, (uintptr_t)__text_end, R | X);
	expect("rodata", (uintptr_t)__rodata_start, ro_end, R);
	/* RAM from the end of rodata up; the firmware below is not mapped. */
	for (int i = 0; i < fi->nr_mem; i++) {
		uintptr_t start = fi->mem[i].start > ro_end ? fi->mem[i].start : ro_end;

		expect("ram", ALIGN_UP(start, PAGE_SIZE), fi->mem[i].end & PAGE_MASK, R | W);
	}
}

/* The region holding all of [va, va + size), or NULL. */
static struct expect *region_of(uintptr_t va, unsigned long size)
{
	for (int i = 0; i < nr_want; i++) {
		if (va >= want[i].start && va + size <= want[i].end)
			return &want[i];
	}
	return NULL;
}

static void check_leaf(uint64_t pte, uintptr_t va, int level)
{
	unsigned long size = LEVEL_BYTES(level), perm = pte & (R | W | X);
	uintptr_t pa = PPN(pte) << 12;
	struct expect *e = region_of(va, size);

	st_check(level < 2, "%lx: a 1 GiB leaf", (unsigned long)va);
	st_check(pa == va, "%lx maps pa %lx, not itself (pte %lx)", (unsigned long)va,
		 (unsigned long)pa, (unsigned long)pte);
	st_check(!(pte & (RESERVED | RSW | U)), "%lx: stray bits in pte %lx", (unsigned long)va,
		 (unsigned long)pte);
	st_check((pte & (A | D | G)) == (A | D | G), "%lx: A, D or G missing in pte %lx",
		 (unsigned long)va, (unsigned long)pte);
	if (!st_check(e, "%lx-%lx is mapped, but no region is there", (unsigned long)va,
		      (unsigned long)(va + size)))
		return;
	st_check(perm == e->perm, "%lx (%s): permissions %lx, want %lx", (unsigned long)va, e->name,
		 perm, e->perm);
	e->mapped += size;
	if (level < 2)
		leaves[level]++;
}

static void check_table(const uint64_t *pt, uintptr_t base, int level)
{
	for (unsigned long i = 0; i < 512; i++) {
		uint64_t pte = pt[i];
		uintptr_t va = base + i * LEVEL_BYTES(level), child;

		if (!(pte & V))
			continue;
		/* A 2 MiB block inside one region is a single leaf. */
		if (level == 1 && region_of(va, LEVEL_BYTES(1)))
			st_check(pte & (R | W | X), "%lx: 4 KiB pages where a superpage fits",
				 (unsigned long)va);
		if (pte & (R | W | X)) {
			check_leaf(pte, va, level);
			continue;
		}
		child = PPN(pte) << 12;
		if (!st_check(level > 0, "%lx: a table pointer at level 0", (unsigned long)va) ||
		    !st_check(!(pte & (U | A | D)), "%lx: U, A or D in table pointer %lx",
			      (unsigned long)va, (unsigned long)pte) ||
		    !st_check(pfn_valid(child >> 12), "%lx: table at %lx, outside RAM",
			      (unsigned long)va, (unsigned long)child))
			continue;
		check_table((const uint64_t *)child, va, level - 1);
	}
}

bool selftest_kmap(pagetable_t kpgtbl, const struct fdt_info *fi)
{
	st_begin("kmap");
	expect_layout(fi);
	check_table(kpgtbl, 0, 2);
	for (int i = 0; i < nr_want; i++) {
		const struct expect *e = &want[i];

		st_check(e->mapped == e->end - e->start, "%s %lx-%lx: %lu of %lu bytes mapped",
			 e->name, (unsigned long)e->start, (unsigned long)e->end, e->mapped,
			 (unsigned long)(e->end - e->start));
	}
	printk("kmap: %d regions, %lu 4 KiB leaves, %lu 2 MiB leaves\n", nr_want, leaves[0],
	       leaves[1]);
	return st_end();
}
