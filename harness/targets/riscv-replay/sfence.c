/* TLB maintenance for the replay image (arch.h). Two TLBs cache the
 * kernel's page tables here: the hart's, and the software MMU's that touch
 * runs through (kernel/arch/host/mmu.c). Each flush kernel/mm issues must
 * reach both, as either could hold the translation it retires. The
 * CMakeLists renames the two files' own definitions to the names below. */
#include "arch.h"

void hart_sfence_vma(uintptr_t va);
void hart_sfence_vma_all(void);
void swmmu_sfence_vma(uintptr_t va);
void swmmu_sfence_vma_all(void);

void sfence_vma(uintptr_t va)
{
	hart_sfence_vma(va);
	swmmu_sfence_vma(va);
}

void sfence_vma_all(void)
{
	hart_sfence_vma_all();
	swmmu_sfence_vma_all();
}
