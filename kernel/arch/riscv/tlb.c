/* The hart's TLB: the real sfence.vma. kernel.elf's sfence.c makes these
 * arch.h's sfence_vma*(); kernel-replay.elf flushes the software MMU's
 * TLB too. */
#include "riscv.h"

void hart_sfence_vma(uintptr_t va)
{
	__asm__ volatile("sfence.vma %0, zero" : : "r"(va) : "memory");
}

void hart_sfence_vma_all(void)
{
	local_flush_tlb_all();
}
