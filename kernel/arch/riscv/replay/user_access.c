/* Where a touch op reaches user memory (mmu.h's mmu_copy_in / out, called
 * by harness/exec/ops_mm.c). Today both modes go through the software
 * MMU, which walks the process page table in memory as the hosted build
 * does; a U-mode runner (a real load or store from U-mode on that table)
 * replaces the MMU_USER half here and nowhere else. */
#include "mmu.h"

enum mmu_fault swmmu_copy_in(pagetable_t pt, void *dst, uintptr_t va, size_t n,
			     unsigned int mode, size_t *done);
enum mmu_fault swmmu_copy_out(pagetable_t pt, uintptr_t va, const void *src, size_t n,
			      unsigned int mode, size_t *done);

enum mmu_fault mmu_copy_in(pagetable_t pt, void *dst, uintptr_t va, size_t n,
			   unsigned int mode, size_t *done)
{
	return swmmu_copy_in(pt, dst, va, n, mode, done);
}

enum mmu_fault mmu_copy_out(pagetable_t pt, uintptr_t va, const void *src, size_t n,
			    unsigned int mode, size_t *done)
{
	return swmmu_copy_out(pt, va, src, n, mode, done);
}
