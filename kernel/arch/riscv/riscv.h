/* The RISC-V privileged-architecture pieces the S-mode kernel touches:
 * supervisor CSRs, their bits, trap causes and satp, named as in the spec. */
#ifndef MMRIG_RISCV_H
#define MMRIG_RISCV_H

#include "types.h"

#define SSTATUS_SIE (1UL << 1)
#define SSTATUS_SPIE (1UL << 5)
#define SSTATUS_SPP (1UL << 8) /* the trap came from S-mode */
#define SSTATUS_FS_INITIAL (1UL << 13)
#define SSTATUS_SUM (1UL << 18) /* S-mode may touch U pages */

/* scause: the top bit flags an interrupt, the rest is the code. */
#define SCAUSE_INTERRUPT (1UL << 63)
#define CAUSE_MISALIGNED_FETCH 0
#define CAUSE_FETCH_ACCESS 1
#define CAUSE_ILLEGAL_INSTRUCTION 2
#define CAUSE_BREAKPOINT 3
#define CAUSE_MISALIGNED_LOAD 4
#define CAUSE_LOAD_ACCESS 5
#define CAUSE_MISALIGNED_STORE 6
#define CAUSE_STORE_ACCESS 7
#define CAUSE_USER_ECALL 8
#define CAUSE_SUPERVISOR_ECALL 9
#define CAUSE_FETCH_PAGE_FAULT 12
#define CAUSE_LOAD_PAGE_FAULT 13
#define CAUSE_STORE_PAGE_FAULT 15

#define SATP_MODE_SV39 (8UL << 60)
#define MAKE_SATP(pt) (SATP_MODE_SV39 | ((uintptr_t)(pt) >> 12))

static inline unsigned long r_sstatus(void)
{
	unsigned long x;

	__asm__ volatile("csrr %0, sstatus" : "=r"(x));
	return x;
}

static inline void w_sstatus(unsigned long x)
{
	__asm__ volatile("csrw sstatus, %0" : : "r"(x));
}

static inline void w_stvec(uintptr_t x)
{
	__asm__ volatile("csrw stvec, %0" : : "r"(x));
}

static inline uintptr_t r_stvec(void)
{
	uintptr_t x;

	__asm__ volatile("csrr %0, stvec" : "=r"(x));
	return x;
}

static inline void w_sscratch(unsigned long x)
{
	__asm__ volatile("csrw sscratch, %0" : : "r"(x));
}

static inline unsigned long r_sscratch(void)
{
	unsigned long x;

	__asm__ volatile("csrr %0, sscratch" : "=r"(x));
	return x;
}

static inline void w_sie(unsigned long x)
{
	__asm__ volatile("csrw sie, %0" : : "r"(x));
}

static inline unsigned long r_satp(void)
{
	unsigned long x;

	__asm__ volatile("csrr %0, satp" : "=r"(x));
	return x;
}

/* The memory clobber keeps the compiler from moving page-table stores
 * across the switch. */
static inline void w_satp(unsigned long x)
{
	__asm__ volatile("csrw satp, %0" : : "r"(x) : "memory");
}

/* This hart's TLB only, as Linux's local_flush_tlb_all: for the U-mode
 * runner's own table switches, which are no kernel/mm page-table change
 * (the replay image counts kernel/mm's, which come through sfence_vma_all). */
static inline void local_flush_tlb_all(void)
{
	__asm__ volatile("sfence.vma zero, zero" : : : "memory");
}

/* smp.c: how many CPUs are online (the smp self-test brings up CPU 1). */
void smp_set_online(unsigned int n);

/* tlb.c: the hart's side of arch.h's sfence_vma*(). */
void hart_sfence_vma(uintptr_t va);
void hart_sfence_vma_all(void);

static inline uint64_t r_time(void)
{
	uint64_t x;

	__asm__ volatile("rdtime %0" : "=r"(x));
	return x;
}

static inline void wfi(void)
{
	__asm__ volatile("wfi");
}

#endif
