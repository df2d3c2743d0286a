/* User accesses in U-mode: the harness's `touch` as one real load or
 * store, made by a stub running in U-mode on the address space's own page
 * table, so the access goes through qemu's MMU and its page faults through
 * the trap path into kernel/mm's handle_mm_fault.
 *
 * A user page table maps nothing of the kernel's identity map: user space
 * [USER_BASE, TASK_SIZE) and the identity map share the low half of Sv39
 * (MMIO and RAM sit below 2^38 too), so no kernel address is safe from a
 * user mapping. What both tables need is two pages in the upper half,
 * which no user address reaches: the trampoline (trampoline.S), mapped
 * once without U for the trap entry and the satp switches, and once with
 * U, where the stub runs. Included from assembly too, for the layout.
 */
#ifndef MMRIG_RISCV_UACCESS_USER_H
#define MMRIG_RISCV_UACCESS_USER_H

/* The top two pages of the address space, under the root's last entry. */
#ifdef __ASSEMBLER__
#define TRAMPOLINE 0xfffffffffffff000
#define USER_STUB 0xffffffffffffe000
#else
#define TRAMPOLINE 0xfffffffffffff000UL
#define USER_STUB 0xffffffffffffe000UL
#endif

/* struct user_call, in bytes */
#define UC_SATP 0
#define UC_VA 8
#define UC_VALUE 16
#define UC_WRITE 24
#define UC_CAUSE 32
#define UC_TVAL 40
#define UC_EPC 48
#define UC_RESULT 56
#define UC_STATUS 64
#define UC_SIZE 72

#ifndef __ASSEMBLER__
#include "types.h"

/* As the hosted harness (TOUCH_TRIES): an access still faulting after the
 * kernel resolved this many of its faults is a fault loop. */
#define USER_TOUCH_TRIES 3
/* user_touch()'s fault loop, Linux's "too many levels" errno. */
#ifndef ELOOP
#define ELOOP 40
#endif

struct mm_struct;

/* One byte at va in mm, through the MMU in U-mode: the byte read, 0 after
 * a write, -EFAULT (the access is a SIGSEGV), -ENOMEM (the fault could not
 * allocate), or -ELOOP (it still faulted after USER_TOUCH_TRIES resolved
 * faults: a PTE change the TLB never saw). Paging must be on. The hart is
 * back on the kernel's page table when it returns, so mm may be freed. */
long user_touch(struct mm_struct *mm, uintptr_t va, bool write, uint8_t value);

/* How the last user_touch() went: U-mode runs, and the last page fault. */
struct user_touch_trace {
	unsigned int runs;
	unsigned int faults;
	unsigned long fault_cause; /* scause, 0 if no fault */
	uintptr_t fault_tval;
};

extern struct user_touch_trace user_touch_last;
/* Every user_touch() since boot: U-mode runs and page faults taken. */
extern struct user_touch_trace user_touch_total;

/* One run of the stub, between uaccess_user.c and trampoline.S. */
struct user_call {
	unsigned long satp; /* the user page table */
	uintptr_t va;
	unsigned long value; /* the byte a store writes */
	unsigned long write;
	unsigned long cause, tval, epc; /* the trap that ended the run */
	unsigned long result;           /* the byte a load read */
	unsigned long status;           /* sstatus at the trap: SPP says from where */
};

_Static_assert(sizeof(struct user_call) == UC_SIZE, "trampoline.S call layout");
_Static_assert(offsetof(struct user_call, result) == UC_RESULT &&
		       offsetof(struct user_call, status) == UC_STATUS,
	       "trampoline.S call layout");

/* trampoline.S: enters the stub, returns after the trap that ends it,
 * on the kernel's page table with stvec and sscratch as before. */
void user_enter(struct user_call *uc);
extern char trampoline[], trampoline_end[];

/* trap.c: what the trap that ended a run means. USER_TRAP_DONE for the
 * stub's ecall, 0 for a fault kernel/mm resolved (run again), or the
 * fault's -EFAULT / -ENOMEM. */
#define USER_TRAP_DONE 1
int user_trap(const struct user_call *uc);
#endif

#endif
