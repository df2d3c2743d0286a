/* A resumable point for the replay: rv_save_context stores what a callee
 * must preserve (ra, sp, s0-s11, fs0-fs11) and returns 0; a later
 * rv_resume_context on the same record returns 1 from that call. A panic
 * uses it to abandon the program that broke the kernel and go on with
 * the next one, which the hosted replay gets from running each program
 * in a child process. */
	.section .text
	.balign 4

	.globl rv_save_context
rv_save_context:
	sd ra, 0(a0)
	sd sp, 8(a0)
	sd s0, 16(a0)
	sd s1, 24(a0)
	sd s2, 32(a0)
	sd s3, 40(a0)
	sd s4, 48(a0)
	sd s5, 56(a0)
	sd s6, 64(a0)
	sd s7, 72(a0)
	sd s8, 80(a0)
	sd s9, 88(a0)
	sd s10, 96(a0)
	sd s11, 104(a0)
	fsd fs0, 112(a0)
	fsd fs1, 120(a0)
	fsd fs2, 128(a0)
	fsd fs3, 136(a0)
	fsd fs4, 144(a0)
	fsd fs5, 152(a0)
	fsd fs6, 160(a0)
	fsd fs7, 168(a0)
	fsd fs8, 176(a0)
	fsd fs9, 184(a0)
	fsd fs10, 192(a0)
	fsd fs11, 200(a0)
	li a0, 0
	ret

	.globl rv_resume_context
rv_resume_context:
	ld ra, 0(a0)
	ld sp, 8(a0)
	ld s0, 16(a0)
	ld s1, 24(a0)
	ld s2, 32(a0)
	ld s3, 40(a0)
	ld s4, 48(a0)
	ld s5, 56(a0)
	ld s6, 64(a0)
	ld s7, 72(a0)
	ld s8, 80(a0)
	ld s9, 88(a0)
	ld s10, 96(a0)
	ld s11, 104(a0)
	fld fs0, 112(a0)
	fld fs1, 120(a0)
	fld fs2, 128(a0)
	fld fs3, 136(a0)
	fld fs4, 144(a0)
	fld fs5, 152(a0)
	fld fs6, 160(a0)
	fld fs7, 168(a0)
	fld fs8, 176(a0)
	fld fs9, 184(a0)
	fld fs10, 192(a0)
	fld fs11, 200(a0)
	li a0, 1
	ret

/* rv_call_on_stack(fn, arg, top): fn(arg) on the stack that ends at top
 * (16-byte aligned), then back on the caller's. The harness gets a stack
 * of its own, far larger than the boot stack, with nothing under it. */
	.globl rv_call_on_stack
rv_call_on_stack:
	addi a2, a2, -16
	sd ra, 8(a2)
	sd sp, 0(a2)
	mv sp, a2
	mv t0, a0
	mv a0, a1
	jalr t0
	ld ra, 8(sp)
	ld sp, 0(sp)
	ret
