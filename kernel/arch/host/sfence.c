/* arch.h's TLB maintenance on the host: the software MMU's TLB is the only
 * one that caches the kernel's page tables here. */
#include "arch.h"
#include "mmu.h"

void sfence_vma(uintptr_t va)
{
	swmmu_sfence_vma(va);
}

void sfence_vma_all(void)
{
	swmmu_sfence_vma_all();
}
