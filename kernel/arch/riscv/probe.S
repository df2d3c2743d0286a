/* Accesses that are allowed to fault, for the self-test of the kernel
 * map under the real MMU and of the trap path itself. Each faulting
 * instruction has an exception-table entry; the handler resumes at the
 * fixup with a0 = scause, which becomes the probe's return value. */
#include "trap.h"

.macro EXTABLE insn, fixup, kind
	.pushsection __ex_table, "a"
	.balign 8
	.dword \insn, \fixup, \kind
	.popsection
.endm

	.section .text

/* unsigned long probe_load(uintptr_t va, uint8_t *val) */
	.globl probe_load
probe_load:
1:	lbu t0, 0(a0)
	sb t0, 0(a1)
	li a0, 0
2:	ret
	EXTABLE 1b, 2b, EX_INSN

/* unsigned long probe_store(uintptr_t va, uint8_t val) */
	.globl probe_store
probe_store:
1:	sb a1, 0(a0)
	li a0, 0
2:	ret
	EXTABLE 1b, 2b, EX_INSN

/* unsigned long probe_exec(uintptr_t va) */
	.globl probe_exec
probe_exec:
	addi sp, sp, -16
	sd ra, 8(sp)
	jalr a0
1:	ld ra, 8(sp)
	addi sp, sp, 16
	ret
	EXTABLE 1b, 1b, EX_CALL

/* void probe_trap_regs(unsigned long out[32])
 * Frame: ra, s0-s11, gp, tp and out at 0..120(sp); below it, after the
 * breakpoint, the 32 values as they came back. */
	.globl probe_trap_regs
probe_trap_regs:
	addi sp, sp, -128
	sd ra, 0(sp)
	sd s0, 8(sp)
	sd s1, 16(sp)
	.irp n, 2,3,4,5,6,7,8,9,10,11
	sd s\n, (8 + \n * 8)(sp)
	.endr
	sd gp, 104(sp)
	sd tp, 112(sp)
	sd a0, 120(sp)
	.irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	li x\n, PROBE_REG_PATTERN + \n
	.endr
	ebreak
	addi sp, sp, -256
	.irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd x\n, (\n * 8)(sp)
	.endr
	sd zero, 0(sp)
	sd zero, 16(sp)
	ld t0, (256 + 120)(sp)
	mv t1, sp
	addi t2, sp, 256
3:	ld t3, 0(t1)
	sd t3, 0(t0)
	addi t1, t1, 8
	addi t0, t0, 8
	bltu t1, t2, 3b
	addi sp, sp, 256
	ld ra, 0(sp)
	ld s0, 8(sp)
	ld s1, 16(sp)
	.irp n, 2,3,4,5,6,7,8,9,10,11
	ld s\n, (8 + \n * 8)(sp)
	.endr
	ld gp, 104(sp)
	ld tp, 112(sp)
	addi sp, sp, 128
	ret
