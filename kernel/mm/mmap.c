/* mmap, munmap, mprotect, brk, and the life of an mm_struct.
 *
 * Every operation allocates all it may need (VMA structs, split tables)
 * before it changes anything, so -ENOMEM always means "nothing happened"
 * (the one exception, MAP_FIXED | MAP_SHARED populating, is in mm/mm.h).
 */
#include "arch.h"
#include "errno-base.h"
#include "mm/slab.h"
#include "mm_internal.h"

struct mm_struct *mm_alloc(void)
{
	struct mm_struct *mm = kzalloc(sizeof(*mm), GFP_KERNEL);

	if (!mm)
		return NULL;
	mm->pgd = uvmcreate();
	if (!mm->pgd) {
		kfree(mm);
		return NULL;
	}
	INIT_LIST_HEAD(&mm->mmap);
	mm->start_brk = mm->brk = MM_BRK_BASE;
	return mm;
}

void mm_exit(struct mm_struct *mm)
{
	uvmfree(mm->pgd);
	while (!list_empty(&mm->mmap)) {
		struct vm_area_struct *vma = list_first_entry(&mm->mmap, struct vm_area_struct,
							      vm_list);

		vma_unlink(mm, vma);
		vm_area_free(vma);
	}
	kfree(mm);
}

static bool range_valid(uintptr_t addr, size_t len)
{
	return IS_ALIGNED(addr, PAGE_SIZE) && len > 0 && addr >= USER_BASE && addr < TASK_SIZE &&
	       len <= TASK_SIZE - addr;
}

static unsigned long prot_to_vm_flags(int prot)
{
	unsigned long f = 0;

	if (prot & PROT_READ)
		f |= VM_READ;
	if (prot & PROT_WRITE)
		f |= VM_WRITE | VM_READ; /* W without R does not exist in Sv39 */
	if (prot & PROT_EXEC)
		f |= VM_EXEC;
	return f;
}

/* ---- munmap ---- */

int do_munmap(struct mm_struct *mm, uintptr_t addr, size_t len)
{
	struct vm_area_struct *vma, *spare = NULL;
	uintptr_t end;
	int r;

	if (!range_valid(addr, len) || PAGE_ALIGN(len) > TASK_SIZE - addr)
		return -EINVAL;
	end = addr + PAGE_ALIGN(len);
	vma = find_vma(mm, addr);
	if (!vma || vma->vm_start >= end)
		return 0;
	/* A hole punched in one VMA leaves two: the only new struct. */
	if (vma->vm_start < addr && vma->vm_end > end) {
		spare = vm_area_alloc(mm);
		if (!spare)
			return -ENOMEM;
	}
	r = uvmunmap(mm->pgd, addr, end - addr, 1);
	if (r) {
		if (spare)
			vm_area_free(spare);
		return r;
	}
	if (spare) {
		vma_split(mm, vma, end, spare);
		vma->vm_end = addr;
		return 0;
	}
	while (vma && vma->vm_start < end) {
		struct vm_area_struct *next = vma_next(mm, vma);

		if (vma->vm_start < addr) {
			vma->vm_end = addr;
		} else if (vma->vm_end > end) {
			vma->vm_start = end;
		} else {
			vma_unlink(mm, vma);
			vm_area_free(vma);
		}
		vma = next;
	}
	return 0;
}

/* ---- mmap ---- */

/* Fault in every page of a new MAP_SHARED range. On failure the caller
 * unmaps the whole range. */
static int populate(struct mm_struct *mm, struct vm_area_struct *vma)
{
	for (uintptr_t a = vma->vm_start; a < vma->vm_end;) {
		int level;
		pte_t *pte = walk_level(mm->pgd, a, 0, 0, &level);

		if (pte && (*pte & PTE_V)) {
			a = (a & ~(LEVEL_SIZE(level) - 1)) + LEVEL_SIZE(level);
			continue;
		}
		int r = do_anonymous_page(mm, vma, a);

		if (r)
			return r;
	}
	return 0;
}

long do_mmap(struct mm_struct *mm, uintptr_t addr, size_t len, int prot, int flags)
{
	const int known = MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS;
	int type = flags & (MAP_SHARED | MAP_PRIVATE);
	struct vm_area_struct *vma;

	if (len == 0 || len > TASK_SIZE - USER_BASE || (flags & ~known) ||
	    !(flags & MAP_ANONYMOUS) || (type != MAP_SHARED && type != MAP_PRIVATE) ||
	    (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	len = PAGE_ALIGN(len);
	if (flags & MAP_FIXED) {
		if (!range_valid(addr, len))
			return -EINVAL;
	} else {
		addr = get_unmapped_area(mm, addr, len);
		if (!addr)
			return -ENOMEM;
	}
	vma = vm_area_alloc(mm);
	if (!vma)
		return -ENOMEM;
	if (flags & MAP_FIXED) {
		int r = do_munmap(mm, addr, len);

		if (r) {
			vm_area_free(vma);
			return r;
		}
	}
	vma->vm_start = addr;
	vma->vm_end = addr + len;
	vma->vm_flags = prot_to_vm_flags(prot) | (type == MAP_SHARED ? VM_SHARED : 0);
	vma->vm_shared_id = type == MAP_SHARED ? vma_new_shared_id() : 0;
	vma_link(mm, vma);
	if (type == MAP_SHARED) {
		int r = populate(mm, vma);

		if (r) {
			/* Only this VMA's pages are in the range now. */
			uvmunmap(mm->pgd, addr, len, 1);
			vma_unlink(mm, vma);
			vm_area_free(vma);
			return r;
		}
	}
	vma_merge_all(mm);
	return (long)addr;
}

/* ---- mprotect ---- */

int do_mprotect(struct mm_struct *mm, uintptr_t addr, size_t len, int prot)
{
	struct vm_area_struct *first, *last, *vma, *spare[2] = { NULL, NULL };
	unsigned long newflags = prot_to_vm_flags(prot);
	uintptr_t end, a;
	int nspare = 0, r;

	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	if (len == 0)
		return IS_ALIGNED(addr, PAGE_SIZE) ? 0 : -EINVAL;
	if (!range_valid(addr, len) || PAGE_ALIGN(len) > TASK_SIZE - addr)
		return -EINVAL;
	end = addr + PAGE_ALIGN(len);

	/* The range must be covered without holes. */
	first = find_vma(mm, addr);
	if (!first || first->vm_start > addr)
		return -ENOMEM;
	for (vma = first, a = addr;; vma = vma_next(mm, vma)) {
		if (!vma || vma->vm_start > a)
			return -ENOMEM;
		a = vma->vm_end;
		if (a >= end)
			break;
	}
	last = vma;

	/* Cuts inside a VMA need a struct each; take them all now. */
	nspare = (first->vm_start < addr) + (last->vm_end > end);
	for (int i = 0; i < nspare; i++) {
		spare[i] = vm_area_alloc(mm);
		if (!spare[i]) {
			while (i-- > 0)
				vm_area_free(spare[i]);
			return -ENOMEM;
		}
	}
	r = uvmprotect(mm->pgd, addr, end - addr, vm_flags_to_perm(newflags));
	if (r) {
		for (int i = 0; i < nspare; i++)
			vm_area_free(spare[i]);
		return r;
	}

	/* Nothing can fail from here on. */
	nspare = 0;
	if (first->vm_start < addr) {
		vma_split(mm, first, addr, spare[nspare]);
		if (last == first)
			last = spare[nspare];
		first = spare[nspare++];
	}
	if (last->vm_end > end)
		vma_split(mm, last, end, spare[nspare++]);
	for (vma = first;; vma = vma_next(mm, vma)) {
		vma->vm_flags = (vma->vm_flags & VM_SHARED) | newflags;
		if (vma == last)
			break;
	}
	vma_merge_all(mm);
	return 0;
}

/* ---- brk ---- */

int do_brk(struct mm_struct *mm, uintptr_t newbrk)
{
	uintptr_t oldend = PAGE_ALIGN(mm->brk), newend;
	struct vm_area_struct *vma;

	if (newbrk < mm->start_brk || newbrk > TASK_SIZE)
		return -EINVAL;
	newend = PAGE_ALIGN(newbrk);
	if (newend < oldend) {
		int r = do_munmap(mm, newend, oldend - newend);

		if (r)
			return r;
	} else if (newend > oldend) {
		if (vma_range_busy(mm, oldend, newend))
			return -ENOMEM;
		vma = vm_area_alloc(mm);
		if (!vma)
			return -ENOMEM;
		vma->vm_start = oldend;
		vma->vm_end = newend;
		vma->vm_flags = VM_READ | VM_WRITE;
		vma_link(mm, vma);
		vma_merge_all(mm);
	}
	mm->brk = newbrk;
	return 0;
}
