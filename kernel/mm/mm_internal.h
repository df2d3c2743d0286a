/* What vma.c, mmap.c, fault.c and cow.c share; not public mm API. */
#ifndef MMRIG_MM_INTERNAL_H
#define MMRIG_MM_INTERNAL_H

#include "mm/mm.h"

#define PAGE_ALIGN(x) ALIGN_UP((uintptr_t)(x), (uintptr_t)PAGE_SIZE)

/* vma.c: VMA structs come from one kmem_cache; alloc can fail (NULL). */
struct vm_area_struct *vm_area_alloc(struct mm_struct *mm);
void vm_area_free(struct vm_area_struct *vma);
/* Insert into mm's sorted list (the range must be free) / take out. */
void vma_link(struct mm_struct *mm, struct vm_area_struct *vma);
void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma);
struct vm_area_struct *vma_next(struct mm_struct *mm, struct vm_area_struct *vma);
/* Cut vma at addr (strictly inside): vma keeps [start, addr), spare
 * becomes [addr, end) and is linked after it. Cannot fail. */
void vma_split(struct mm_struct *mm, struct vm_area_struct *vma, uintptr_t addr,
	       struct vm_area_struct *spare);
/* Merge every pair of touching VMAs with equal flags and shared id
 * (frees structs). */
void vma_merge_all(struct mm_struct *mm);
/* A fresh id for a MAP_SHARED mapping. */
unsigned long vma_new_shared_id(void);
/* True if some VMA intersects [start, end). */
bool vma_range_busy(struct mm_struct *mm, uintptr_t start, uintptr_t end);
/* A free range of len bytes for mmap without MAP_FIXED, or 0. */
uintptr_t get_unmapped_area(struct mm_struct *mm, uintptr_t hint, size_t len);

/* The R/W/X/U bits a leaf of a VMA with these flags gets. */
pte_t vm_flags_to_perm(unsigned long vm_flags);

/* fault.c: map a fresh zeroed page (or superpage) at va, which is inside
 * vma and not mapped. 0 or -ENOMEM (nothing changed). */
int do_anonymous_page(struct mm_struct *mm, struct vm_area_struct *vma, uintptr_t va);

/* cow.c: a write to the PTE_COW leaf *pte (at level) for va: copy the
 * page, or reuse it when this is its only mapping. 0 or -ENOMEM (nothing
 * changed, or a superpage split kept: see cow.c). */
int do_wp_page(struct mm_struct *mm, struct vm_area_struct *vma, uintptr_t va, pte_t *pte,
	       int level);

#endif
