/* Trap dispatch. Nothing here enables interrupts, so every trap is
 * synchronous: a page fault from U-mode goes to kernel/mm's fault
 * handler, a kernel breakpoint or an expected fault is noted and stepped
 * over, anything else in the kernel is a panic with the decoded cause. */
#include "arch.h"
#include "lib.h"
#include "mm/mm.h"
#include "riscv.h"
#include "setup.h"
#include "trap.h"

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

/* A page fault from U-mode is demand paging or copy-on-write, the same
 * call the hosted software MMU makes. With no runner to hand a SIGSEGV
 * to yet, an unresolved fault stops the kernel. */
static void user_trap(struct trapframe *tf)
{
	unsigned int access = fault_access(tf->cause);
	int err;

	if (!access || !current_mm)
		panic("user-trap", "%s at sepc %lx, stval %lx", cause_name(tf->cause),
		      tf->epc, tf->tval);
	err = handle_mm_fault(current_mm, tf->tval, access);
	if (err)
		panic("user-fault", "%s at %lx: error %d", cause_name(tf->cause), tf->tval, err);
	/* Resolved: sret runs the access again. */
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
	if (!(tf->status & SSTATUS_SPP)) {
		user_trap(tf);
		return;
	}
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
	panic("kernel-trap", "%s at sepc %lx, stval %lx", cause_name(tf->cause), tf->epc,
	      tf->tval);
}
