/* Trap dispatch. Nothing here enables interrupts, so every trap is
 * synchronous: a page fault from U-mode goes to kernel/mm's fault
 * handler (through the trampoline, see uaccess_user.h), a kernel
 * breakpoint or an expected fault is noted and stepped over, anything
 * else in the kernel is a panic with the decoded cause. */
#include "arch.h"
#include "lib.h"
#include "mm/mm.h"
#include "riscv.h"
#include "setup.h"
#include "trap.h"
#include "uaccess_user.h"

struct trap_record last_trap;
struct mm_struct *current_mm;

void trap_init(void)
{
	w_sscratch(0); /* in the kernel: see trapvec.S */
	w_sie(0);
	w_stvec((uintptr_t)trap_vector);
}

static const char *cause_name(unsigned long cause)
{
	static const char *const names[] = {
		[CAUSE_MISALIGNED_FETCH] = "misaligned fetch",
		[CAUSE_FETCH_ACCESS] = "fetch access fault",
		[CAUSE_ILLEGAL_INSTRUCTION] = "illegal instruction",
		[CAUSE_BREAKPOINT] = "breakpoint",
		[CAUSE_MISALIGNED_LOAD] = "misaligned load",
		[CAUSE_LOAD_ACCESS] = "load access fault",
		[CAUSE_MISALIGNED_STORE] = "misaligned store",
		[CAUSE_STORE_ACCESS] = "store access fault",
		[CAUSE_USER_ECALL] = "ecall from U-mode",
		[CAUSE_SUPERVISOR_ECALL] = "ecall from S-mode",
		[CAUSE_FETCH_PAGE_FAULT] = "instruction page fault",
		[CAUSE_LOAD_PAGE_FAULT] = "load page fault",
		[CAUSE_STORE_PAGE_FAULT] = "store page fault",
	};

	if (cause < ARRAY_SIZE(names) && names[cause])
		return names[cause];
	return "unknown cause";
}

/* The access a page fault was for, in handle_mm_fault's terms; 0 if the
 * cause is no page fault. */
static unsigned int fault_access(unsigned long cause)
{
	switch (cause) {
	case CAUSE_FETCH_PAGE_FAULT:
		return FAULT_EXEC;
	case CAUSE_LOAD_PAGE_FAULT:
		return FAULT_READ;
	case CAUSE_STORE_PAGE_FAULT:
		return FAULT_WRITE;
	default:
		return 0;
	}
}

/* The trap that ended a run of user_touch's stub. A page fault from
 * U-mode is demand paging or copy-on-write, the same call the hosted
 * software MMU makes; its error is the access's result (the SIGSEGV of a
 * touch). The stub makes one load or store and an ecall, in U-mode: any
 * other trap, or one from S-mode, is a bug of the runner's. */
int user_trap(const struct user_call *uc)
{
	if (!current_mm || (uc->status & SSTATUS_SPP))
		panic("user-trap", "%s at sepc %lx, stval %lx: %s", cause_name(uc->cause), uc->epc,
		      uc->tval, current_mm ? "taken in S-mode" : "no current mm");
	if (uc->cause == CAUSE_USER_ECALL)
		return USER_TRAP_DONE;
	if (uc->cause != CAUSE_LOAD_PAGE_FAULT && uc->cause != CAUSE_STORE_PAGE_FAULT)
		panic("user-trap", "%s at sepc %lx, stval %lx", cause_name(uc->cause), uc->epc,
		      uc->tval);
	return handle_mm_fault(current_mm, uc->tval, fault_access(uc->cause));
}

/* 2 for a compressed instruction, else 4 (the low two bits say). */
static unsigned long insn_len(uintptr_t pc)
{
	return (*(const uint16_t *)pc & 3) == 3 ? 4 : 2;
}

void kernel_trap(struct trapframe *tf)
{
	if (tf->cause & SCAUSE_INTERRUPT)
		panic("kernel-trap", "interrupt %lu with interrupts off",
		      tf->cause & ~SCAUSE_INTERRUPT);
	/* U-mode traps enter at the trampoline's uservec: this vector is not
	 * mapped in a user table, so a U-mode trap here means stvec was left
	 * wrong. */
	if (!(tf->status & SSTATUS_SPP))
		panic("user-trap", "%s from U-mode through the kernel's vector, sepc %lx",
		      cause_name(tf->cause), tf->epc);
	/* The kernel has no debugger of its own: a breakpoint in it is one
	 * the self-test planted to go through the trap path. */
	if (tf->cause == CAUSE_BREAKPOINT) {
		last_trap.cause = tf->cause;
		last_trap.tval = tf->tval;
		last_trap.epc = tf->epc;
		last_trap.count++;
		tf->epc += insn_len(tf->epc);
		return;
	}
	if (fixup_exception(tf))
		return;
	panic("kernel-trap", "%s at sepc %lx, stval %lx", cause_name(tf->cause), tf->epc, tf->tval);
}
