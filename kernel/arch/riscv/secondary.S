/* A hart SBI's hart_start sent here (selftest_smp.c): a0 = hartid,
 * a1 = the top of its stack; it is CPU 1 (tp, smp.c). Paging off: the
 * kernel's map is the identity, so every address means the same. */
#define SSTATUS_FS_INITIAL 0x2000

	.text
	.globl secondary_start
secondary_start:
	mv sp, a1
	li tp, 1
	li t0, SSTATUS_FS_INITIAL
	csrs sstatus, t0
	call secondary_main
1:	wfi
	j 1b
