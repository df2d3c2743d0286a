/* mmu.h's mmu_copy_in / out for the harness, over the software MMU (whose
 * own names the CMakeLists moved aside). Touch ops do not come here in
 * this image: replay.c points exec_user_touch at the U-mode runner. */
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
