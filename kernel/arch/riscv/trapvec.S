/* The trap vector (stvec, direct mode): save every register in a
 * struct trapframe on the kernel stack, call kernel_trap(tf), restore,
 * sret.
 *
 * sscratch says where the trap came from: 0 while the hart is in the
 * kernel, the kernel stack top while it runs in U-mode. Swapping it with
 * sp is the one move that needs no free register: afterwards sp is a
 * kernel stack in both cases and sscratch holds the interrupted sp. */
#include "trap.h"

#define SSTATUS_SPP 0x100

	.section .text
	.balign 4
	.globl trap_vector
trap_vector:
	csrrw sp, sscratch, sp
	bnez sp, 1f
	/* From the kernel: keep using its stack, below the interrupted sp. */
	csrr sp, sscratch
1:	addi sp, sp, -TF_SIZE
	.irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd x\n, (\n * 8)(sp)
	.endr
	csrr t0, sscratch
	sd t0, (2 * 8)(sp)
	/* A trap taken inside the handler is a kernel trap. */
	csrw sscratch, zero
	csrr t0, sepc
	sd t0, TF_EPC(sp)
	csrr t0, sstatus
	sd t0, TF_STATUS(sp)
	csrr t0, scause
	sd t0, TF_CAUSE(sp)
	csrr t0, stval
	sd t0, TF_TVAL(sp)

	mv a0, sp
	call kernel_trap

	/* The handler may have moved epc on (a fixup, a skipped ebreak). */
	ld t0, TF_EPC(sp)
	csrw sepc, t0
	ld t0, TF_STATUS(sp)
	csrw sstatus, t0
	andi t0, t0, SSTATUS_SPP
	bnez t0, 2f
	/* Back to U-mode: its next trap starts on an empty kernel stack. */
	addi t0, sp, TF_SIZE
	csrw sscratch, t0
2:	.irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld x\n, (\n * 8)(sp)
	.endr
	ld sp, (2 * 8)(sp)
	sret
