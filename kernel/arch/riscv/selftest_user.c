/* User accesses through the real MMU in U-mode (user_touch): demand
 * paging, SIGSEGVs, copy-on-write after fork and a 2 MiB superpage, each
 * by a real page fault that kernel/mm resolves, with the trace saying
 * which fault it took. The address spaces then go, and the buddy must be
 * back at the free structure it started from. */
#include "arch.h"
#include "errno-base.h"
#include "lib.h"
#include "mm/mm.h"
#include "mm/page.h"
#include "mm/slab.h"
#include "riscv.h"
#include "selftest.h"
#include "trap.h"
#include "uaccess_user.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
/* Below MMAP_MIN_ADDR, and the test makes no heap: no VMA is there. */
#define NO_VMA ((uintptr_t)0x20000000)

static unsigned long kernel_satp;

/* After every touch the hart must be the kernel's again: its table, its
 * trap vector, and nothing hung in the user's root. */
static void check_restored(const char *who, struct mm_struct *mm)
{
	st_check(r_satp() == kernel_satp, "%s: satp %lx after a touch, want %lx", who, r_satp(),
		 kernel_satp);
	st_check(r_stvec() == (uintptr_t)trap_vector && r_sscratch() == 0 && !current_mm,
		 "%s: stvec %lx, sscratch %lx, current_mm %p after a touch", who,
		 (unsigned long)r_stvec(), r_sscratch(), (void *)current_mm);
	st_check(mm->pgd[PTRS_PER_PT - 1] == 0, "%s: the trampoline is left in the user root", who);
}

/* One touch and its result; faults is how many page faults it must have
 * taken on the way, of kind cause (the last one). */
static void touch(const char *who, struct mm_struct *mm, uintptr_t va, bool write, uint8_t value,
		  long want, unsigned int faults, unsigned long cause)
{
	const char *op = write ? "write" : "read";
	long got = user_touch(mm, va, write, value);
	struct user_touch_trace t = user_touch_last;

	check_restored(who, mm);
	if (!st_check(got == want, "%s %lx in %s: %ld, want %ld", op, (unsigned long)va, who, got,
		      want))
		return;
	st_check(t.faults == faults, "%s %lx in %s: %u page faults, want %u", op, (unsigned long)va,
		 who, t.faults, faults);
	if (faults && t.faults)
		st_check(t.fault_cause == cause && t.fault_tval == va,
			 "%s %lx in %s: fault scause %lu stval %lx, want %lu at the address", op,
			 (unsigned long)va, who, t.fault_cause, (unsigned long)t.fault_tval, cause);
}

static void write_ok(const char *who, struct mm_struct *mm, uintptr_t va, uint8_t v,
		     unsigned int faults)
{
	touch(who, mm, va, true, v, 0, faults, CAUSE_STORE_PAGE_FAULT);
}

static void read_ok(const char *who, struct mm_struct *mm, uintptr_t va, uint8_t v,
		    unsigned int faults)
{
	touch(who, mm, va, false, 0, v, faults, CAUSE_LOAD_PAGE_FAULT);
}

static void segv(const char *who, struct mm_struct *mm, uintptr_t va, bool write)
{
	touch(who, mm, va, write, 0x77, -EFAULT, 1,
	      write ? CAUSE_STORE_PAGE_FAULT : CAUSE_LOAD_PAGE_FAULT);
}

static long map(struct mm_struct *mm, size_t len, int prot)
{
	long a = do_mmap(mm, 0, len, prot, ANON);

	st_check(a >= (long)MMAP_MIN_ADDR, "mmap(%zu, prot %d): %ld", len, prot, a);
	return a;
}

/* Leaf level of va: 0 for 4 KiB, 1 for a superpage, -1 if none. */
static int leaf_level(struct mm_struct *mm, uintptr_t va)
{
	int level;
	pte_t *pte = walk_level(mm->pgd, va, 0, 0, &level);

	return pte && (*pte & PTE_V) ? level : -1;
}

static void test_demand(struct mm_struct *mm, uintptr_t a)
{
	phys_addr_t pa;

	write_ok("mm", mm, a + 5, 0xa5, 1);
	read_ok("mm", mm, a + 5, 0xa5, 0);
	/* The store went where the kernel's PTE says, not somewhere qemu
	 * made up. */
	pa = walkaddr(mm->pgd, a + 5);
	st_check(pa && *(volatile uint8_t *)pa == 0xa5, "the U-mode store is not at pa %lx",
		 (unsigned long)pa);
	read_ok("mm", mm, a + PAGE_SIZE + 7, 0, 1);
	st_check(leaf_level(mm, a + PAGE_SIZE) == 0, "a read fault mapped no 4 KiB page");
}

static void test_segv(struct mm_struct *mm)
{
	long ro = map(mm, PAGE_SIZE, PROT_READ);

	if (ro > 0) {
		segv("mm", mm, ro, true);
		read_ok("mm", mm, ro + 9, 0, 1);
		segv("mm", mm, ro + 9, true); /* mapped now, still no W */
	}
	segv("mm", mm, NO_VMA, false);
	segv("mm", mm, NO_VMA, true);
	segv("mm", mm, 0, false);
	segv("mm", mm, MAXVA, false);      /* not canonical for Sv39 */
	segv("mm", mm, TRAMPOLINE, false); /* mapped, but not for U-mode */
	touch("mm", mm, USER_STUB + 4, false, 0, -EFAULT, 0, 0);
}

/* Both sides of a fork read through their own table: the child's write
 * copies, and the parent's next write reuses its page in place. */
static struct mm_struct *test_fork(struct mm_struct *mm, uintptr_t a)
{
	struct mm_struct *child;

	write_ok("parent", mm, a + 100, 0x11, 0);
	child = mm_fork(mm);
	if (!st_check(child != NULL, "mm_fork failed"))
		return NULL;
	read_ok("child", child, a + 5, 0xa5, 0);
	write_ok("child", child, a + 100, 0x22, 1);
	read_ok("parent", mm, a + 100, 0x11, 0);
	read_ok("child", child, a + 100, 0x22, 0);
	write_ok("parent", mm, a + 100, 0x33, 1);
	read_ok("parent", mm, a + 100, 0x33, 0);
	read_ok("child", child, a + 100, 0x22, 0);
	st_check(walkaddr(mm->pgd, a) != walkaddr(child->pgd, a),
		 "parent and child still share the written page");
	return child;
}

static struct mm_struct *test_superpage(struct mm_struct *mm)
{
	long s = map(mm, SUPERPGSIZE, RW);
	struct mm_struct *child;

	if (s <= 0)
		return NULL;
	st_check(!(s & (SUPERPGSIZE - 1)), "2 MiB mmap at %lx, not 2 MiB-aligned", s);
	write_ok("mm", mm, s + 0x12345, 0x5a, 1);
	st_check(leaf_level(mm, s) == 1, "the fault mapped level %d, want a superpage",
		 leaf_level(mm, s));
	read_ok("mm", mm, s + SUPERPGSIZE - 1, 0, 0);
	read_ok("mm", mm, s + 0x12345, 0x5a, 0);
	child = mm_fork(mm);
	if (!st_check(child != NULL, "mm_fork failed"))
		return NULL;
	write_ok("child", child, s + 0x12345, 0xc3, 1);
	st_check(leaf_level(child, s) == 1, "the COW copy is level %d, want a superpage",
		 leaf_level(child, s));
	read_ok("mm", mm, s + 0x12345, 0x5a, 0);
	read_ok("child", child, s + 0x12345, 0xc3, 0);
	return child;
}

void selftest_user(void)
{
	unsigned long before[NR_PAGE_ORDERS];
	struct mm_struct *mm, *child, *child2;
	long a;

	kernel_satp = r_satp();
	if (!(kernel_satp & SATP_MODE_SV39)) {
		st_skip("user", "paging is off");
		return;
	}
	st_begin("user");
	/* The first touch hangs the trampoline in the kernel's root with
	 * static tables: nothing of it shows in the buddy. */
	kmem_cache_shrink_all();
	st_free_blocks(before);
	mm = mm_alloc();
	if (!st_check(mm != NULL, "mm_alloc failed")) {
		st_end();
		return;
	}
	a = map(mm, 4 * PAGE_SIZE, RW);
	if (a > 0) {
		test_demand(mm, a);
		test_segv(mm);
		child = test_fork(mm, a);
		child2 = test_superpage(mm);
		if (child)
			mm_exit(child);
		if (child2)
			mm_exit(child2);
	}
	mm_exit(mm);
	kmem_cache_shrink_all();
	st_check_free_blocks(before, "after");
	st_end();
}
