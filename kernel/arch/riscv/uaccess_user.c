/* The runner of U-mode accesses: user_touch, the riscv half of the
 * harness's `touch`. Same loop as the hosted user_access (access, on a
 * fault ask handle_mm_fault, try again, at most USER_TOUCH_TRIES times),
 * but the access is a real load or store and the faults are qemu's. */
#include "arch.h"
#include "errno-base.h"
#include "lib.h"
#include "mm/mm.h"
#include "riscv.h"
#include "trap.h"
#include "uaccess_user.h"

struct user_touch_trace user_touch_last, user_touch_total;

/* The tables under the last root entry that map the trampoline's two
 * aliases. Static, not from the buddy: a touch must not change the free
 * counts the harness's models check. */
static pte_t tramp_l1[PTRS_PER_PT] __attribute__((aligned(PAGE_SIZE)));
static pte_t tramp_l0[PTRS_PER_PT] __attribute__((aligned(PAGE_SIZE)));
static pte_t tramp_root_pte;

/* User space stays below MAXVA, so the root's upper half is free in every
 * user table; the kernel's table gets the same entry once, for the fetch
 * right after the switch back. */
#define TRAMP_ROOT_INDEX (PTRS_PER_PT - 1)
_Static_assert(PX(2, TRAMPOLINE) == TRAMP_ROOT_INDEX && PX(2, USER_STUB) == TRAMP_ROOT_INDEX,
	       "the trampoline lives under the root's last entry");
_Static_assert(PX(2, TASK_SIZE - 1) < TRAMP_ROOT_INDEX, "user space reaches the trampoline");

static pagetable_t satp_root(unsigned long satp)
{
	return (pagetable_t)((satp & PTE_PPN_MASK) << PAGE_SHIFT);
}

static void tramp_init(void)
{
	phys_addr_t pa = (phys_addr_t)trampoline;
	pagetable_t kroot = satp_root(r_satp());

	if (!(r_satp() & SATP_MODE_SV39))
		panic("user-touch", "paging is off");
	tramp_l0[PX(0, TRAMPOLINE)] = PA2PTE(pa) | PTE_R | PTE_X | PTE_A | PTE_D | PTE_V;
	tramp_l0[PX(0, USER_STUB)] = PA2PTE(pa) | PTE_R | PTE_X | PTE_U | PTE_A | PTE_D | PTE_V;
	tramp_l1[PX(1, TRAMPOLINE)] = PA2PTE(tramp_l0) | PTE_V;
	tramp_root_pte = PA2PTE(tramp_l1) | PTE_V;
	if (kroot[TRAMP_ROOT_INDEX])
		panic("user-touch", "kernel root entry %d in use: %lx", TRAMP_ROOT_INDEX,
		      (unsigned long)kroot[TRAMP_ROOT_INDEX]);
	kroot[TRAMP_ROOT_INDEX] = tramp_root_pte;
	local_flush_tlb_all();
}

/* The trampoline hangs in the user table only while the stub runs:
 * kernel/mm (the fault handler included, and mm_check, fork, uvmfree)
 * never meets it, even when a panic in the handler is resumed from. */
static void tramp_attach(pagetable_t root)
{
	if (root[TRAMP_ROOT_INDEX])
		panic("user-touch", "user root %p: entry %d in use: %lx", (void *)root,
		      TRAMP_ROOT_INDEX, (unsigned long)root[TRAMP_ROOT_INDEX]);
	root[TRAMP_ROOT_INDEX] = tramp_root_pte;
	/* The walker must see the entry at the first fetch after the switch. */
	local_flush_tlb_all();
}

static void tramp_detach(pagetable_t root)
{
	root[TRAMP_ROOT_INDEX] = 0;
	/* A pointer entry went: as vm.h asks, before anyone may free the root. */
	local_flush_tlb_all();
}

static unsigned int touch_access(bool write)
{
	return write ? FAULT_WRITE : FAULT_READ;
}

long user_touch(struct mm_struct *mm, uintptr_t va, bool write, uint8_t value)
{
	struct user_call uc = {
		.satp = MAKE_SATP(mm->pgd),
		.va = va,
		.value = value,
		.write = write,
	};
	long ret = -ELOOP;
	int r;

	user_touch_last = (struct user_touch_trace){ 0 };
	if (!tramp_root_pte)
		tramp_init();
	/* The stub could read its own code through its U alias: give the
	 * fault any address outside user space gets, without running it. */
	if (va - USER_STUB < PAGE_SIZE)
		return handle_mm_fault(mm, va, touch_access(write));

	current_mm = mm;
	for (int tries = 0; tries < USER_TOUCH_TRIES; tries++) {
		tramp_attach(mm->pgd);
		user_enter(&uc);
		tramp_detach(mm->pgd);
		user_touch_last.runs++;
		r = user_trap(&uc);
		if (r == USER_TRAP_DONE) {
			ret = write ? 0 : (long)(uc.result & 0xff);
			break;
		}
		user_touch_last.faults++;
		user_touch_last.fault_cause = uc.cause;
		user_touch_last.fault_tval = uc.tval;
		if (r) {
			ret = r;
			break;
		}
	}
	current_mm = NULL;
	user_touch_total.runs += user_touch_last.runs;
	user_touch_total.faults += user_touch_last.faults;
	return ret;
}
