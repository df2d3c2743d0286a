/* Page faults on anonymous memory: demand paging of zeroed pages and
 * superpages, and the dispatch to copy-on-write. */
#include "arch.h"
#include "errno-base.h"
#include "mm_internal.h"
#include "mm/page.h"

#define USER_GFP (GFP_HIGHUSER_MOVABLE | __GFP_ZERO | GFP_CLASS(PGC_USER))

static pte_t leaf_perm(const struct vm_area_struct *vma)
{
	return vm_flags_to_perm(vma->vm_flags) | ((vma->vm_flags & VM_SHARED) ? PTE_SHARED : 0);
}

/* A superpage fits if the aligned 2 MiB block around va lies inside the
 * VMA and nothing at all is mapped there (no level-0 table). */
static bool superpage_fits(struct mm_struct *mm, struct vm_area_struct *vma, uintptr_t va)
{
	uintptr_t base = va & ~((uintptr_t)SUPERPGSIZE - 1);
	int level;
	pte_t *pte;

	if (base < vma->vm_start || vma->vm_end - base < SUPERPGSIZE)
		return false;
	pte = walk_level(mm->pgd, base, 0, 1, &level);
	return !pte || (level == 1 && *pte == 0);
}

static int map_superpage(struct mm_struct *mm, struct vm_area_struct *vma, uintptr_t va,
			 struct page *pg)
{
	uintptr_t base = va & ~((uintptr_t)SUPERPGSIZE - 1);
	int r = mappages_huge(mm->pgd, base, SUPERPGSIZE, (phys_addr_t)page_address(pg),
			      leaf_perm(vma));

	if (r)
		put_page(pg);
	return r;
}

int do_anonymous_page(struct mm_struct *mm, struct vm_area_struct *vma, uintptr_t va)
{
	struct page *pg;
	int r;

	va &= PAGE_MASK;
	/* Like THP: when no 2 MiB block can be had, a small page will do.
	 * A table page that cannot be had is a plain -ENOMEM (the small
	 * page would need it too). */
	if (superpage_fits(mm, vma, va)) {
		pg = alloc_pages(USER_GFP | __GFP_COMP | __GFP_NOWARN, SUPERPAGE_ORDER);
		if (pg)
			return map_superpage(mm, vma, va, pg);
	}
	pg = alloc_pages(USER_GFP, 0);
	if (!pg)
		return -ENOMEM;
	r = mappages(mm->pgd, va, PAGE_SIZE, (phys_addr_t)page_address(pg), leaf_perm(vma));
	if (r)
		put_page(pg);
	return r;
}

static bool vma_allows(const struct vm_area_struct *vma, unsigned int access)
{
	unsigned long f = vma->vm_flags;

	if ((access & FAULT_WRITE) && !(f & VM_WRITE))
		return false;
	if ((access & FAULT_EXEC) && !(f & VM_EXEC))
		return false;
	if ((access & FAULT_READ) && !(f & (VM_READ | VM_WRITE)))
		return false;
	return (f & (VM_READ | VM_WRITE | VM_EXEC)) != 0;
}

static bool leaf_allows(pte_t pte, unsigned int access)
{
	if (!(pte & PTE_U))
		return false;
	if ((access & FAULT_READ) && !(pte & PTE_R))
		return false;
	if ((access & FAULT_WRITE) && !(pte & PTE_W))
		return false;
	return !(access & FAULT_EXEC) || (pte & PTE_X);
}

phys_addr_t follow_page(struct mm_struct *mm, uintptr_t va, unsigned int access)
{
	struct vm_area_struct *vma = find_vma(mm, va);
	pte_t *pte;

	if (!vma || vma->vm_start > va || !vma_allows(vma, access))
		return 0;
	pte = walk(mm->pgd, va, 0);
	if (!pte || !(*pte & PTE_V) || !leaf_allows(*pte, access))
		return 0;
	return walkaddr(mm->pgd, va);
}

int handle_mm_fault(struct mm_struct *mm, uintptr_t va, unsigned int access)
{
	struct vm_area_struct *vma = find_vma(mm, va);
	int level;
	pte_t *pte;

	if (!vma || vma->vm_start > va || !vma_allows(vma, access))
		return -EFAULT;
	pte = walk_level(mm->pgd, va, 0, 0, &level);
	if (!pte || !(*pte & PTE_V))
		return do_anonymous_page(mm, vma, va);
	if ((access & FAULT_WRITE) && (*pte & PTE_COW))
		return do_wp_page(mm, vma, va, pte, level);
	/* The VMA allows the access, so the leaf must too: anything else is
	 * a PTE out of step with its VMA, and a retry would fault forever. */
	if (!leaf_allows(*pte, access))
		panic("vm-fault-unresolved", "va %lx: access %u allowed by the VMA, not by pte %lx",
		      (unsigned long)va, access, (unsigned long)*pte);
	/* The leaf allows it: the fault came from a TLB entry older than the
	 * PTE (a missing flush shows up here as a fault loop) or was raced. */
	return 0;
}
