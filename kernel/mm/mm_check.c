/* A full consistency walk of one address space, for tests and the fuzz
 * harness's check ops: the VMA list is sorted, canonical (no two
 * neighbours that should have merged) and inside the user range; every
 * leaf lies inside one VMA with exactly the bits that VMA gives; no table
 * page is empty. Any breach is a kernel bug: panic("mm-check", ...).
 */
#include "arch.h"
#include "mm/page.h"
#include "mm_internal.h"

static void check_vmas(struct mm_struct *mm)
{
	struct list_head *pos;
	uintptr_t prev_end = USER_BASE;
	struct vm_area_struct *prev = NULL;
	int n = 0;

	list_for_each(pos, &mm->mmap) {
		struct vm_area_struct *v = list_entry(pos, struct vm_area_struct, vm_list);

		if (v->vm_mm != mm || v->vm_start < prev_end || v->vm_start >= v->vm_end ||
		    v->vm_end > TASK_SIZE || !IS_ALIGNED(v->vm_start, PAGE_SIZE) ||
		    !IS_ALIGNED(v->vm_end, PAGE_SIZE))
			panic("mm-check", "VMA [%lx, %lx) out of order or out of range",
			      (unsigned long)v->vm_start, (unsigned long)v->vm_end);
		if (!(v->vm_flags & VM_SHARED) != !v->vm_shared_id)
			panic("mm-check", "VMA [%lx, %lx): shared id %lu with flags %lx",
			      (unsigned long)v->vm_start, (unsigned long)v->vm_end, v->vm_shared_id,
			      v->vm_flags);
		if (prev && prev->vm_end == v->vm_start && prev->vm_flags == v->vm_flags &&
		    prev->vm_shared_id == v->vm_shared_id)
			panic("mm-check", "VMAs at %lx should have merged",
			      (unsigned long)v->vm_start);
		prev_end = v->vm_end;
		prev = v;
		n++;
	}
	if (n != mm->map_count)
		panic("mm-check", "map_count %d, %d VMAs listed", mm->map_count, n);
}

static void check_leaf(struct mm_struct *mm, uintptr_t va, int level, pte_t pte)
{
	struct vm_area_struct *v = find_vma(mm, va);
	pte_t want, have = pte & (PTE_RWX | PTE_U);
	struct page *pg;

	if (!v || v->vm_start > va || v->vm_end - va < LEVEL_SIZE(level))
		panic("mm-check", "leaf at %lx (level %d) is not inside one VMA", (unsigned long)va,
		      level);
	want = vm_flags_to_perm(v->vm_flags);
	if (pte & PTE_COW)
		want &= ~PTE_W; /* written only after the copy */
	if (have != want || !(pte & PTE_A) || !(pte & PTE_D) || (pte & PTE_G) ||
	    !(pte & PTE_SHARED) != !(v->vm_flags & VM_SHARED) ||
	    ((pte & PTE_COW) && (pte & PTE_SHARED)))
		panic("mm-check", "leaf at %lx: pte %lx, VMA flags %lx", (unsigned long)va,
		      (unsigned long)pte, v->vm_flags);
	pg = virt_to_page((void *)PTE2PA(pte));
	if (!pg || page_ref_count(compound_head(pg)) < 1)
		panic("mm-check", "leaf at %lx maps pa %lx, not a live page", (unsigned long)va,
		      (unsigned long)PTE2PA(pte));
}

/* Returns whether the table held anything. */
static bool check_table(struct mm_struct *mm, pagetable_t pt, int level, uintptr_t base)
{
	bool any = false;

	for (int i = 0; i < PTRS_PER_PT; i++) {
		pte_t e = pt[i];
		uintptr_t va = base + ((uintptr_t)i << PXSHIFT(level));

		if (!(e & PTE_V))
			continue;
		any = true;
		if (PTE_LEAF(e)) {
			if (level > 1)
				panic("mm-check", "level-%d leaf at %lx", level, (unsigned long)va);
			check_leaf(mm, va, level, e);
		} else if (level == 0) {
			panic("mm-check", "pointer at level 0 for %lx", (unsigned long)va);
		} else if (!check_table(mm, (pagetable_t)PTE2PA(e), level - 1, va)) {
			panic("mm-check", "empty level-%d table under %lx", level - 1,
			      (unsigned long)va);
		}
	}
	return any;
}

void mm_check(struct mm_struct *mm)
{
	check_vmas(mm);
	check_table(mm, mm->pgd, PT_LEVELS - 1, 0);
}
