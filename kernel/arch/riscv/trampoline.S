/* Into U-mode and back, for user_touch (uaccess_user.c).
 *
 * The trampoline page is code the kernel maps twice in the upper half
 * (see uaccess_user.h): at TRAMPOLINE without U, in the kernel's table
 * and in the user's, so the hart can fetch it on both sides of a satp
 * switch; and at USER_STUB with U, the only code U-mode may run. Code in
 * the page reaches the rest of the kernel by absolute address only: the
 * distance from an alias to the kernel's text is no link-time constant.
 *
 * The stub's registers hold nothing worth keeping: after any trap the
 * access is started afresh, so the way back clobbers them freely and
 * does not need the full frame trapvec.S saves.
 */
#include "uaccess_user.h"

#define PAGE_SIZE 4096
#define SSTATUS_SPP 0x100

	.section .text.trampoline, "ax"
	.balign PAGE_SIZE
	.globl trampoline
trampoline:

/* stvec while the stub runs (from U-mode, on the user's table; sscratch
 * holds the kernel's satp). Back onto the kernel's table, then on to
 * user_exit in the kernel's own text. */
uservec:
	csrrw t6, sscratch, t6
	csrw satp, t6
	sfence.vma zero, zero
	ld t6, user_exit_addr
	jr t6

/* From user_enter, t0 = the user's satp. The page-table stores were
 * ordered by the caller's sfence.vma; this one drops the kernel's
 * translations, G ones included, which would otherwise shadow user
 * pages at the same addresses. */
userret:
	csrw satp, t0
	sfence.vma zero, zero
	sret

/* Runs in U-mode through the USER_STUB alias: a0 = va, a1 = value,
 * a2 = nonzero for a store. The ecall says the access happened; a1 holds
 * what a load read. */
user_stub:
	bnez a2, 1f
	lbu a1, 0(a0)
	ecall
1:	sb a1, 0(a0)
	ecall

	.balign 8
user_exit_addr:
	.dword user_exit

	/* Nothing else shares the page: U-mode may run all of it. .org
	 * fails the build if the code outgrew it. */
	.org trampoline + PAGE_SIZE
	.globl trampoline_end
trampoline_end:

	.section .text
/* void user_enter(struct user_call *uc)
 * Frame: ra, s0-s11 and uc at 0..104(sp). user_exit finds it again
 * through user_saved_sp: nothing of the kernel's survives in registers. */
	.globl user_enter
user_enter:
	addi sp, sp, -112
	sd ra, 0(sp)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	sd s\n, (8 + \n * 8)(sp)
	.endr
	sd a0, 104(sp)
	la t0, user_saved_sp
	sd sp, 0(t0)
	csrr t0, satp
	csrw sscratch, t0
	/* t1: from the trampoline's link address to its kernel alias */
	la t0, trampoline
	li t1, TRAMPOLINE
	sub t1, t1, t0
	la t2, uservec
	add t2, t2, t1
	csrw stvec, t2
	la t2, user_stub
	add t2, t2, t1
	li t3, USER_STUB - TRAMPOLINE
	add t2, t2, t3
	csrw sepc, t2
	li t2, SSTATUS_SPP
	csrc sstatus, t2
	la t2, userret
	add t2, t2, t1
	ld t0, UC_SATP(a0)
	ld a1, UC_VALUE(a0)
	ld a2, UC_WRITE(a0)
	ld a0, UC_VA(a0)
	jr t2

/* From uservec, on the kernel's table: the trap that ended the run goes
 * to the caller's user_call, stvec and sscratch become the kernel's again
 * (see trapvec.S), and user_enter returns. */
user_exit:
	la t0, trap_vector
	csrw stvec, t0
	csrw sscratch, zero
	la t0, user_saved_sp
	ld sp, 0(t0)
	ld t0, 104(sp)
	csrr t2, scause
	sd t2, UC_CAUSE(t0)
	csrr t2, stval
	sd t2, UC_TVAL(t0)
	csrr t2, sepc
	sd t2, UC_EPC(t0)
	sd a1, UC_RESULT(t0)
	csrr t2, sstatus
	sd t2, UC_STATUS(t0)
	ld ra, 0(sp)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	ld s\n, (8 + \n * 8)(sp)
	.endr
	addi sp, sp, 112
	ret

	.section .bss
	.balign 8
user_saved_sp:
	.zero 8
