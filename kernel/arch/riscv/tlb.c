/* TLB maintenance for kernel/mm (arch.h): the real sfence.vma. Out of
 * line because arch.h declares them as functions every arch provides. */
#include "arch.h"

void sfence_vma(uintptr_t va)
{
	__asm__ volatile("sfence.vma %0, zero" : : "r"(va) : "memory");
}

void sfence_vma_all(void)
{
	__asm__ volatile("sfence.vma zero, zero" : : : "memory");
}
