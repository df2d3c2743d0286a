/* arch.h's TLB maintenance for kernel.elf: the hart's TLB is the only one
 * that caches the kernel's page tables. kernel-replay.elf leaves this file
 * out and brings its own, which flushes the software MMU's as well. */
#include "arch.h"
#include "riscv.h"

void sfence_vma(uintptr_t va)
{
	hart_sfence_vma(va);
}

void sfence_vma_all(void)
{
	hart_sfence_vma_all();
}
