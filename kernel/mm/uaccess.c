/* copyout/copyin: the kernel reading and writing a user address space
 * the way xv6 does (through the page tables, never through satp), but
 * faulting pages in as Linux's get_user_pages does, so that a kernel
 * write to a copy-on-write page breaks the sharing first. */
#include "arch.h"
#include "errno-base.h"
#include "lib.h"
#include "mm/mm.h"

/* The kernel address of the page byte at va, or a negative errno. A
 * fault that reports success must leave a leaf that allows the access:
 * anything else would make the caller loop, so it is a kernel bug. */
static long uaccess_page(struct mm_struct *mm, uintptr_t va, unsigned int access)
{
	phys_addr_t pa = follow_page(mm, va, access);
	int r;

	if (pa)
		return (long)pa;
	r = handle_mm_fault(mm, va, access);
	if (r)
		return r;
	pa = follow_page(mm, va, access);
	if (!pa)
		panic("vm-uaccess-unresolved",
		      "va %lx: the fault succeeded, the leaf still refuses access %u",
		      (unsigned long)va, access);
	return (long)pa;
}

/* One loop for both directions: buf is only read when writing. */
static int uaccess_copy(struct mm_struct *mm, uintptr_t va, char *buf, size_t len,
			unsigned int access)
{
	while (len) {
		size_t n = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		long pa = uaccess_page(mm, va, access);

		if (pa < 0)
			return (int)pa;
		if (n > len)
			n = len;
		if (access & FAULT_WRITE)
			memcpy((void *)pa, buf, n);
		else
			memcpy(buf, (const void *)pa, n);
		buf += n;
		va += n;
		len -= n;
	}
	return 0;
}

int copyout(struct mm_struct *mm, uintptr_t dst, const void *src, size_t len)
{
	return uaccess_copy(mm, dst, (char *)(uintptr_t)src, len, FAULT_WRITE);
}

int copyin(struct mm_struct *mm, void *dst, uintptr_t src, size_t len)
{
	return uaccess_copy(mm, src, dst, len, FAULT_READ);
}
