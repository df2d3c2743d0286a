/* The trap path itself, with traps the test provokes: a breakpoint must
 * come back to the next instruction with scause and sepc decoded, every
 * register must survive the round trip, and sscratch must say "in the
 * kernel" again afterwards. */
#include "lib.h"
#include "riscv.h"
#include "selftest.h"
#include "trap.h"

static void test_breakpoint(void)
{
	unsigned long count = last_trap.count;
	uintptr_t at;

	/* The assembler may compress it: the handler must step over either. */
	__asm__ volatile("1: ebreak\n\tlla %0, 1b" : "=r"(at));
	st_check(last_trap.count == count + 1, "ebreak: %lu traps taken, want 1",
		 last_trap.count - count);
	st_check(last_trap.cause == CAUSE_BREAKPOINT, "ebreak: scause %lu, want %d",
		 last_trap.cause, CAUSE_BREAKPOINT);
	st_check(last_trap.epc == at, "ebreak: sepc %lx, want %lx", last_trap.epc,
		 (unsigned long)at);
}

static void test_registers(void)
{
	unsigned long regs[32];

	probe_trap_regs(regs);
	for (unsigned int n = 1; n < 32; n++) {
		if (n == REG_SP)
			continue;
		st_check(regs[n] == PROBE_REG_PATTERN + n, "x%u: %lx after a trap, want %lx", n,
			 regs[n], PROBE_REG_PATTERN + n);
	}
	st_check(last_trap.cause == CAUSE_BREAKPOINT, "register probe: scause %lu",
		 last_trap.cause);
}

void selftest_trap(void)
{
	st_begin("trap");
	test_breakpoint();
	test_registers();
	st_check(r_sscratch() == 0, "sscratch %lx after kernel traps, want 0", r_sscratch());
	st_end();
}
