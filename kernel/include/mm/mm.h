/* Address spaces: an Sv39 page table plus a sorted list of VMAs, in the
 * Linux mm_struct / vm_area_struct shape. Only anonymous memory exists.
 *
 * Private anonymous memory is demand-paged: mmap() only records a VMA and
 * the first access faults a zeroed page in (a whole 2 MiB superpage where
 * an aligned 2 MiB block lies inside the VMA and nothing is mapped there
 * yet). MAP_SHARED anonymous memory has no backing object to find pages
 * in later, so it is populated when mapped: every page exists from mmap()
 * on, and fork() shares them all.
 *
 * Leaf permissions follow the VMA: PROT_WRITE implies read (W without R is
 * reserved in Sv39); PROT_NONE keeps the pages mapped, readable only from
 * S-mode (no PTE_U), so every user access faults and the contents survive
 * a later mprotect().
 */
#ifndef MMRIG_MM_MM_H
#define MMRIG_MM_MM_H

#include "../list.h"
#include "vm.h"

/* Linux's values, so a hosted caller can pass its own constants. */
#define PROT_NONE 0x0
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20

/* vm_flags */
#define VM_READ 0x1ul
#define VM_WRITE 0x2ul
#define VM_EXEC 0x4ul
#define VM_SHARED 0x8ul

/* access bits of handle_mm_fault(): the host MMU's MMU_READ / WRITE / EXEC */
#define FAULT_READ 0x1u
#define FAULT_WRITE 0x2u
#define FAULT_EXEC 0x4u

/* Every mapping lies in [USER_BASE, TASK_SIZE): page 0 stays unmapped.
 * mmap() without MAP_FIXED looks for room from MMAP_MIN_ADDR up; the heap
 * starts at MM_BRK_BASE. */
#define USER_BASE ((uintptr_t)PAGE_SIZE)
#define MMAP_MIN_ADDR ((uintptr_t)0x40000000)
#define MM_BRK_BASE ((uintptr_t)0x10000000)
#define TASK_SIZE MAXVA

struct mm_struct;

struct vm_area_struct {
	uintptr_t vm_start, vm_end; /* [vm_start, vm_end), page-aligned */
	unsigned long vm_flags;
	/* MAP_SHARED: which mmap() call made it (0 for private memory). Only
	 * pieces of one shared mapping merge again, as pieces of one shmem
	 * object would in Linux; fork keeps the id. */
	unsigned long vm_shared_id;
	struct mm_struct *vm_mm;
	struct list_head vm_list; /* on mm->mmap, sorted by vm_start */
};

struct mm_struct {
	pagetable_t pgd;
	struct list_head mmap; /* VMAs, sorted, never overlapping */
	int map_count;
	uintptr_t start_brk, brk; /* heap: [start_brk, PAGE_ALIGN(brk)) */
};

/* Boot step after kmem_cache_init() (so after every host_mm_reset()):
 * makes the VMA cache. 0 or -ENOMEM. */
int mm_init(void);

/* A new empty address space, or NULL. */
struct mm_struct *mm_alloc(void);
/* Unmap everything and free the mm, its VMAs and page tables. The page
 * table must not be in use (it gets one sfence_vma_all()). */
void mm_exit(struct mm_struct *mm);

/* VMA structs handed out and not freed: with every mm's map_count, what
 * leak accounting needs to see a VMA struct lost on some path. */
unsigned long vm_area_count(void);

/* The first VMA with vm_end > addr, or NULL (Linux semantics: it may
 * start above addr). */
struct vm_area_struct *find_vma(struct mm_struct *mm, uintptr_t addr);

/* Map len bytes (rounded up to pages) of anonymous memory. Exactly one of
 * MAP_SHARED / MAP_PRIVATE, and MAP_ANONYMOUS, must be given. Without
 * MAP_FIXED, addr is a hint taken if the range is free, else the lowest
 * free range above MMAP_MIN_ADDR is used, 2 MiB-aligned when len is at
 * least 2 MiB. With MAP_FIXED, whatever was mapped there goes first.
 * -EINVAL for bad flags or prot, len 0 or above TASK_SIZE - USER_BASE, or
 * (MAP_FIXED) a range not page-aligned inside [USER_BASE, TASK_SIZE).
 * Returns the address, or -EINVAL / -ENOMEM.
 * Rollback: on -ENOMEM nothing changed, except MAP_FIXED | MAP_SHARED
 * failing while populating: then the range is left unmapped (the old
 * mapping is gone, as Linux warns for MAP_FIXED). */
long do_mmap(struct mm_struct *mm, uintptr_t addr, size_t len, int prot, int flags);

/* Unmap [addr, addr + len) (len rounded up; holes allowed), splitting
 * VMAs and superpages. 0, -EINVAL, or -ENOMEM with nothing changed (the
 * VMA struct for a hole punched in one VMA and the split tables are all
 * allocated before anything changes). */
int do_munmap(struct mm_struct *mm, uintptr_t addr, size_t len);

/* Change the protection of [addr, addr + len), which VMAs must cover
 * without holes (-ENOMEM otherwise, as Linux). Present PTEs are updated
 * and flushed; copy-on-write PTEs stay read-only. 0, -EINVAL, or -ENOMEM
 * with nothing changed. */
int do_mprotect(struct mm_struct *mm, uintptr_t addr, size_t len, int prot);

/* Move the program break (>= start_brk). Growing maps a private RW VMA
 * (merged with the heap) and fails with -ENOMEM if it would overlap
 * another mapping; shrinking unmaps. 0 or -errno; brk unchanged on error. */
int do_brk(struct mm_struct *mm, uintptr_t newbrk);

/* A copy of parent for fork(): the same VMAs, every page shared (private
 * ones copy-on-write, see kernel/mm/cow.c). NULL on -ENOMEM: the child is
 * freed whole; parent leaves already made PTE_COW stay so (same contents,
 * and with the child's references gone the next write reuses the page). */
struct mm_struct *mm_fork(struct mm_struct *parent);

/* Walk mm whole and panic("mm-check") on any inconsistency: VMAs sorted,
 * inside [USER_BASE, TASK_SIZE), merged where they can be; every leaf
 * inside one VMA with exactly the bits its flags give (W dropped while
 * PTE_COW), A and D set, mapping a live page; no empty table page. */
void mm_check(struct mm_struct *mm);

/* Resolve a fault at va for an access (FAULT_* bits, from U-mode).
 * 0: retry the access; -EFAULT: SIGSEGV (no VMA, or the VMA forbids the
 * access); -ENOMEM: no memory, the page table unchanged (or, for a
 * superpage COW, split with the same translations: see cow.c). */
int handle_mm_fault(struct mm_struct *mm, uintptr_t va, unsigned int access);

/* get_user_pages' lookup: the physical address of va if its VMA and its
 * present leaf both allow the access, else 0 (no fault is taken). */
phys_addr_t follow_page(struct mm_struct *mm, uintptr_t va, unsigned int access);

/* The kernel's own reach into user memory (copy_to_user/copy_from_user):
 * page by page, follow_page, and on a miss one handle_mm_fault and a
 * second look. Bytes before a failing page are copied. 0, -EFAULT (the
 * access would SIGSEGV a user) or -ENOMEM (the fault could not allocate). */
int copyout(struct mm_struct *mm, uintptr_t dst, const void *src, size_t len);
int copyin(struct mm_struct *mm, void *dst, uintptr_t src, size_t len);

#endif
