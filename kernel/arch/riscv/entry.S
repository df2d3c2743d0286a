/* The first instructions: OpenSBI (fw_dynamic) enters here in S-mode on
 * the boot hart with a0 = hartid and a1 = the device tree, paging off
 * and interrupts masked. Give C a stack and a zeroed bss, then kmain.
 * tp holds the CPU number (smp.c): 0 here. */
#define SSTATUS_FS_INITIAL 0x2000
#define BOOT_STACK_SIZE 16384

	.section .text.entry
	.globl _start
_start:
	li tp, 0
	la sp, boot_stack_top
	la t0, __bss_start
	la t1, __bss_end
1:	bgeu t0, t1, 2f
	sd zero, 0(t0)
	addi t0, t0, 8
	j 1b
	/* lp64d lets the compiler use FP registers; with sstatus.FS off any
	 * FP instruction would be an illegal-instruction trap. */
2:	li t0, SSTATUS_FS_INITIAL
	csrs sstatus, t0
	call kmain
3:	wfi
	j 3b

	.section .bss.stack
	.balign 16
boot_stack:
	.space BOOT_STACK_SIZE
boot_stack_top:
