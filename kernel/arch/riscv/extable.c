/* The exception table: instructions allowed to fault in the kernel, each
 * with the address to resume at. probe.S fills it; the linker gathers it
 * between __ex_table_start and __ex_table_end. */
#include "riscv.h"
#include "trap.h"

extern const struct exception_table_entry __ex_table_start[], __ex_table_end[];

/* Only translation and access faults are expected: anything else at a
 * probe (an illegal instruction, say) is a real bug. */
static bool fixable(unsigned long cause, uintptr_t kind)
{
	switch (cause) {
	case CAUSE_FETCH_PAGE_FAULT:
	case CAUSE_FETCH_ACCESS:
		return kind == EX_CALL;
	case CAUSE_LOAD_PAGE_FAULT:
	case CAUSE_STORE_PAGE_FAULT:
	case CAUSE_LOAD_ACCESS:
	case CAUSE_STORE_ACCESS:
		return kind == EX_INSN;
	default:
		return false;
	}
}

bool fixup_exception(struct trapframe *tf)
{
	for (const struct exception_table_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		uintptr_t at = e->kind == EX_CALL ? tf->regs[REG_RA] : tf->epc;

		if (at != e->insn || !fixable(tf->cause, e->kind))
			continue;
		last_trap.cause = tf->cause;
		last_trap.tval = tf->tval;
		last_trap.epc = tf->epc;
		last_trap.count++;
		/* The probe returns the cause: its error value. */
		tf->regs[REG_A0] = tf->cause;
		tf->epc = e->fixup;
		return true;
	}
	return false;
}
