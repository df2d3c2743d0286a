/* fork() and copy-on-write.
 *
 * mm_fork shares every page with the child. MAP_SHARED leaves (PTE_SHARED)
 * are shared as they are, writable. Every private leaf, in both parent and
 * child, becomes read-only with PTE_COW (even one that was read-only
 * already: a later mprotect(PROT_WRITE) must not make a shared page
 * writable; uvmprotect never gives W to a PTE_COW leaf). Each copy of a
 * leaf holds its own reference (get_page on the compound head).
 *
 * A write to a PTE_COW leaf copies the page unless the leaf holds the
 * page's only reference, in which case the page is reused in place. A 2 MiB
 * superpage is copied whole into a new 2 MiB block (PGC_COW), so the
 * writer keeps a superpage. When no 2 MiB block can be had (fragmented
 * memory, as Linux's THP falls back) the leaf is split into 512 4 KiB
 * leaves, each holding a reference on the block, and only the faulting
 * page is copied. Failures: no table page for the split, -ENOMEM and
 * nothing changed; no 4 KiB copy after the split, -ENOMEM with the split
 * kept (same translations and contents). Reference counts are per block,
 * so a 4 KiB leaf left over from a split superpage is copied while any
 * other leaf still maps any part of that block.
 */
#include "arch.h"
#include "errno-base.h"
#include "lib.h"
#include "mm/page.h"
#include "mm/slab.h"
#include "mm_internal.h"

#define COW_GFP (GFP_HIGHUSER_MOVABLE | GFP_CLASS(PGC_COW))

/* ---- the fault ---- */

static int wp_split(struct mm_struct *mm, struct vm_area_struct *vma, uintptr_t va, pte_t *pte)
{
	int r = split_superpage(pte, va, true);

	if (r)
		return r;
	return do_wp_page(mm, vma, va, walk(mm->pgd, va, 0), 0);
}

int do_wp_page(struct mm_struct *mm, struct vm_area_struct *vma, uintptr_t va, pte_t *pte,
	       int level)
{
	uintptr_t size = LEVEL_SIZE(level), base = va & ~(size - 1);
	phys_addr_t old = PTE2PA(*pte);
	struct page *head = compound_head(virt_to_page((void *)old));
	pte_t flags = (PTE_FLAGS(*pte) & ~PTE_COW) | PTE_W;
	struct page *copy;

	if (page_ref_count(head) == 1) {
		/* The last user: the page is ours, make it writable. */
		*pte = PA2PTE(old) | flags;
		sfence_vma(base);
		return 0;
	}
	if (level) {
		copy = alloc_pages(COW_GFP | __GFP_COMP | __GFP_NOWARN, SUPERPAGE_ORDER);
		if (!copy)
			return wp_split(mm, vma, va, pte);
	} else {
		copy = alloc_pages(COW_GFP, 0);
	}
	if (!copy)
		return -ENOMEM;
	memcpy(page_address(copy), (void *)old, size);
	*pte = PA2PTE(page_address(copy)) | flags;
	/* The old page must be unreachable before its reference goes. */
	sfence_vma(base);
	put_page(head);
	return 0;
}

/* ---- fork ---- */

/* Share one leaf of the parent with the child. The child's copy is made
 * first: if that fails the parent's leaf is untouched. */
static int share_leaf(pagetable_t child, pte_t *pte, uintptr_t va, int level)
{
	pte_t flags = PTE_FLAGS(*pte) & ~(PTE_V | PTE_A | PTE_D);
	phys_addr_t pa = PTE2PA(*pte);
	struct page *pg = virt_to_page((void *)pa);
	int r;

	if (!(flags & PTE_SHARED))
		flags = (flags & ~PTE_W) | PTE_COW;
	get_page(pg);
	r = level ? mappages_huge(child, va, LEVEL_SIZE(level), pa, flags)
		  : mappages(child, va, PAGE_SIZE, pa, flags);
	if (r) {
		put_page(pg);
		return r;
	}
	if (!(flags & PTE_SHARED) && *pte != (PA2PTE(pa) | flags | PTE_V | PTE_A | PTE_D)) {
		*pte = PA2PTE(pa) | flags | PTE_V | PTE_A | PTE_D;
		sfence_vma(va);
	}
	return 0;
}

/* xv6's uvmcopy, sharing instead of copying: every leaf of the parent in
 * [start, end) into child. 0 or -ENOMEM (the leaves shared so far stay in
 * both: the caller frees the child). */
static int uvmcopy(pagetable_t parent, pagetable_t child, uintptr_t start, uintptr_t end)
{
	for (uintptr_t a = start; a < end;) {
		int level;
		pte_t *pte = walk_level(parent, a, 0, 0, &level);

		if (pte && (*pte & PTE_V)) {
			int r = share_leaf(child, pte, a, level);

			if (r)
				return r;
		}
		if (level < 0)
			break;
		a = (a & ~(LEVEL_SIZE(level) - 1)) + LEVEL_SIZE(level);
	}
	return 0;
}

struct mm_struct *mm_fork(struct mm_struct *parent)
{
	struct mm_struct *child = mm_alloc();
	struct list_head *pos;

	if (!child)
		return NULL;
	child->start_brk = parent->start_brk;
	child->brk = parent->brk;
	list_for_each(pos, &parent->mmap) {
		struct vm_area_struct *pv = list_entry(pos, struct vm_area_struct, vm_list);
		struct vm_area_struct *cv = vm_area_alloc(child);

		if (!cv)
			goto fail;
		cv->vm_start = pv->vm_start;
		cv->vm_end = pv->vm_end;
		cv->vm_flags = pv->vm_flags;
		cv->vm_shared_id = pv->vm_shared_id;
		list_add_tail(&cv->vm_list, &child->mmap);
		child->map_count++;
		if (uvmcopy(parent->pgd, child->pgd, pv->vm_start, pv->vm_end))
			goto fail;
	}
	return child;
fail:
	mm_exit(child);
	return NULL;
}
