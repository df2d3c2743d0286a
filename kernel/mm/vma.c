/* VMA bookkeeping: the cache the structs come from, the sorted list,
 * splitting, merging and finding room. No page-table work here. */
#include "arch.h"
#include "errno-base.h"
#include "mm/slab.h"
#include "mm_internal.h"
#include "slab_internal.h"

/* A boot cache like kmalloc's: static, so booting allocates nothing (the
 * harness's buddy model starts from the usable ranges alone) and
 * kmem_cache_shrink_all() returns its empty slabs. kmem_cache_init()
 * forgets every cache, so mm_init() runs after each one. */
static struct kmem_cache vm_area_cache;
static unsigned long last_shared_id;

int mm_init(void)
{
	last_shared_id = 0; /* the same ids in every run */
	if (!kmem_cache_setup(&vm_area_cache, "vm_area_struct", sizeof(struct vm_area_struct), 0, 0,
			      NULL, true))
		return -EINVAL;
	kmem_cache_link(&vm_area_cache);
	return 0;
}

unsigned long vma_new_shared_id(void)
{
	return ++last_shared_id;
}

unsigned long vm_area_count(void)
{
	return kmem_cache_in_use(&vm_area_cache);
}

struct vm_area_struct *vm_area_alloc(struct mm_struct *mm)
{
	struct vm_area_struct *vma = kmem_cache_alloc(&vm_area_cache, GFP_KERNEL | __GFP_ZERO);

	if (vma)
		vma->vm_mm = mm;
	return vma;
}

void vm_area_free(struct vm_area_struct *vma)
{
	kmem_cache_free(&vm_area_cache, vma);
}

struct vm_area_struct *find_vma(struct mm_struct *mm, uintptr_t addr)
{
	struct list_head *pos;

	list_for_each(pos, &mm->mmap) {
		struct vm_area_struct *vma = list_entry(pos, struct vm_area_struct, vm_list);

		if (vma->vm_end > addr)
			return vma;
	}
	return NULL;
}

struct vm_area_struct *vma_next(struct mm_struct *mm, struct vm_area_struct *vma)
{
	if (vma->vm_list.next == &mm->mmap)
		return NULL;
	return list_entry(vma->vm_list.next, struct vm_area_struct, vm_list);
}

bool vma_range_busy(struct mm_struct *mm, uintptr_t start, uintptr_t end)
{
	struct vm_area_struct *vma = find_vma(mm, start);

	return vma && vma->vm_start < end;
}

void vma_link(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *next = find_vma(mm, vma->vm_start);

	if (next && next->vm_start < vma->vm_end)
		panic("vma-overlap", "[%lx, %lx) overlaps [%lx, %lx)", (unsigned long)vma->vm_start,
		      (unsigned long)vma->vm_end, (unsigned long)next->vm_start,
		      (unsigned long)next->vm_end);
	/* Before the first VMA above it: list_add_tail on an element links
	 * in front of that element. */
	list_add_tail(&vma->vm_list, next ? &next->vm_list : &mm->mmap);
	mm->map_count++;
}

void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma)
{
	list_del(&vma->vm_list);
	mm->map_count--;
}

void vma_split(struct mm_struct *mm, struct vm_area_struct *vma, uintptr_t addr,
	       struct vm_area_struct *spare)
{
	if (addr <= vma->vm_start || addr >= vma->vm_end)
		panic("vma-split", "%lx is not inside [%lx, %lx)", (unsigned long)addr,
		      (unsigned long)vma->vm_start, (unsigned long)vma->vm_end);
	spare->vm_start = addr;
	spare->vm_end = vma->vm_end;
	spare->vm_flags = vma->vm_flags;
	spare->vm_shared_id = vma->vm_shared_id;
	spare->vm_mm = mm;
	vma->vm_end = addr;
	list_add(&spare->vm_list, &vma->vm_list);
	mm->map_count++;
}

void vma_merge_all(struct mm_struct *mm)
{
	struct vm_area_struct *vma = list_empty(&mm->mmap)
					     ? NULL
					     : list_first_entry(&mm->mmap, struct vm_area_struct,
								vm_list);

	while (vma) {
		struct vm_area_struct *next = vma_next(mm, vma);

		if (next && next->vm_start == vma->vm_end && next->vm_flags == vma->vm_flags &&
		    next->vm_shared_id == vma->vm_shared_id) {
			vma->vm_end = next->vm_end;
			vma_unlink(mm, next);
			vm_area_free(next);
			continue; /* the grown VMA may meet the one after, too */
		}
		vma = next;
	}
}

/* The hint if it is free, else first fit upwards from MMAP_MIN_ADDR.
 * Big requests are 2 MiB-aligned so their faults can use superpages. */
uintptr_t get_unmapped_area(struct mm_struct *mm, uintptr_t hint, size_t len)
{
	uintptr_t align = len >= SUPERPGSIZE ? SUPERPGSIZE : PAGE_SIZE;
	uintptr_t addr = MMAP_MIN_ADDR;
	struct list_head *pos;

	if (len > TASK_SIZE - MMAP_MIN_ADDR)
		return 0;
	hint = PAGE_ALIGN(hint);
	if (hint >= MMAP_MIN_ADDR && hint <= TASK_SIZE - len &&
	    !vma_range_busy(mm, hint, hint + len))
		return hint;
	list_for_each(pos, &mm->mmap) {
		struct vm_area_struct *vma = list_entry(pos, struct vm_area_struct, vm_list);

		if (vma->vm_end <= addr)
			continue;
		if (vma->vm_start >= addr + len)
			break;
		addr = ALIGN_UP(vma->vm_end, align);
		if (addr > TASK_SIZE - len)
			return 0;
	}
	return addr <= TASK_SIZE - len ? addr : 0;
}

pte_t vm_flags_to_perm(unsigned long vm_flags)
{
	pte_t perm = PTE_U;

	if (!(vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
		return PTE_R; /* PROT_NONE: kept, but only S-mode may touch it */
	if (vm_flags & (VM_READ | VM_WRITE))
		perm |= PTE_R;
	if (vm_flags & VM_WRITE)
		perm |= PTE_W;
	if (vm_flags & VM_EXEC)
		perm |= PTE_X;
	return perm;
}
