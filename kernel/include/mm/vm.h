/* RISC-V Sv39 page tables.
 *
 * Three levels of 512 eight-byte PTEs, one page each; level 2 is the root.
 * A leaf at level 0 maps 4 KiB, a leaf at level 1 a 2 MiB superpage (va
 * and pa 2 MiB-aligned). The kernel never makes level-2 (1 GiB) leaves.
 *
 * Invariants every function here keeps:
 *  - a page-table page other than the root exists only while it holds at
 *    least one valid entry: whoever empties one frees it. So after a failed
 *    call has removed what it added, any empty table left in the range was
 *    made by that call, and pruning restores the exact previous structure.
 *  - in a user page table every leaf holds one reference on the compound
 *    head of the page it maps (put_page() on unmap); splitting a 2 MiB
 *    leaf into 512 small ones turns its one reference into 512.
 *  - leaves are created with A and D set: the kernel does no accessed /
 *    dirty tracking, so the MMU never has to write a PTE (qemu with or
 *    without Svadu, and the host's software MMU, then agree).
 *  - after a valid leaf is changed or removed, sfence_vma(va) is called;
 *    after a non-leaf entry is removed, sfence_vma_all(), before the table
 *    page is freed. Invalid -> valid needs no flush (no TLB caches misses).
 */
#ifndef MMRIG_MM_VM_H
#define MMRIG_MM_VM_H

#include "../config.h"
#include "../types.h"

typedef uint64_t pte_t;
typedef pte_t *pagetable_t; /* one page: PTRS_PER_PT entries */

#define PTE_V (1ULL << 0)
#define PTE_R (1ULL << 1)
#define PTE_W (1ULL << 2)
#define PTE_X (1ULL << 3)
#define PTE_U (1ULL << 4)
#define PTE_G (1ULL << 5)
#define PTE_A (1ULL << 6)
#define PTE_D (1ULL << 7)
/* The two bits reserved for software (RSW). */
#define PTE_COW (1ULL << 8)    /* private page shared after fork: copy on write */
#define PTE_SHARED (1ULL << 9) /* MAP_SHARED page: fork keeps it writable */

#define PTE_RWX (PTE_R | PTE_W | PTE_X)
#define PTE_FLAGS(pte) ((pte)&0x3ffULL)
#define PTE_LEAF(pte) (((pte)&PTE_RWX) != 0)
/* Bits 63..54 are reserved (no Svpbmt / Svnapot): must be zero. */
#define PTE_RESERVED (0x3ffULL << 54)
#define PTE_PPN_MASK ((1ULL << 44) - 1)

#define PA2PTE(pa) ((((pte_t)(pa)) >> PAGE_SHIFT) << 10)
#define PTE2PA(pte) ((phys_addr_t)((((pte) >> 10) & PTE_PPN_MASK) << PAGE_SHIFT))

#define PTRS_PER_PT 512
#define PT_LEVELS 3
#define PXSHIFT(level) (PAGE_SHIFT + 9 * (level))
#define PX(level, va) ((((uint64_t)(va)) >> PXSHIFT(level)) & 0x1ffULL)
#define LEVEL_SIZE(level) ((uintptr_t)1 << PXSHIFT(level))

/* One bit below the Sv39 maximum, so no user address needs the high bits
 * sign-extended (as in xv6). */
#define MAXVA ((uintptr_t)1 << (9 + 9 + 9 + PAGE_SHIFT - 1))

/* Make a page table: a zeroed root page, or NULL. */
pagetable_t uvmcreate(void);

/* The PTE for va, descending from the root down to level `want` (0 or 1).
 * A valid leaf met above `want` (a superpage) stops the descent and is
 * returned. *level (if not NULL) says the level of the returned PTE; on
 * NULL it says the level of the invalid entry that ended the walk (so the
 * caller can skip LEVEL_SIZE(level) of hole), or is -1 if va >= MAXVA or
 * an allocation failed. With alloc, missing tables are made; if one
 * cannot be, the tables this call made are freed and NULL is returned. */
pte_t *walk_level(pagetable_t pt, uintptr_t va, int alloc, int want, int *level);
/* xv6's walk: the level-0 PTE, or a superpage leaf (then *level says 1
 * when asked through walk_level). */
pte_t *walk(pagetable_t pt, uintptr_t va, int alloc);
/* The physical address va maps to if it is a user page, else 0. */
phys_addr_t walkaddr(pagetable_t pt, uintptr_t va);

/* Map [va, va + size) to [pa, pa + size) with 4 KiB leaves, perm | V|A|D.
 * 0, -EINVAL (misaligned, empty or beyond MAXVA: nothing done), or -ENOMEM:
 * the tables made by this call are freed and the mapping is unchanged.
 * Mapping over a valid entry is a kernel bug: panic("vm-remap"). */
int mappages(pagetable_t pt, uintptr_t va, size_t size, phys_addr_t pa, pte_t perm);
/* The same with 2 MiB leaves: va, size and pa 2 MiB-aligned. */
int mappages_huge(pagetable_t pt, uintptr_t va, size_t size, phys_addr_t pa, pte_t perm);

/* Remove every mapping in [va, va + size) (page-aligned); holes are
 * skipped. With do_free each removed leaf's reference is dropped
 * (put_page), so shared pages are freed by their last user. A 2 MiB leaf
 * only partly inside the range is split first; the one or two table pages
 * for that are allocated before anything changes, so the result is 0, or
 * -ENOMEM with the mapping unchanged, or -EINVAL (bad range). */
int uvmunmap(pagetable_t pt, uintptr_t va, size_t size, int do_free);

/* Give every present leaf in [va, va + size) (a user table) the
 * permission bits perm (of PTE_R / W / X / U), keeping its other bits;
 * a PTE_COW leaf never gets W. Changed leaves are flushed. Superpages cut
 * by the ends are split first, as in uvmunmap: 0, -EINVAL, or -ENOMEM
 * with nothing changed. */
int uvmprotect(pagetable_t pt, uintptr_t va, size_t size, pte_t perm);

/* Split the 2 MiB leaf *pte (mapping va's superpage) into a level-0 table
 * with the same flags. With refs, the page's one reference becomes 512.
 * 0 or -ENOMEM (unchanged). */
int split_superpage(pte_t *pte, uintptr_t va, bool refs);

/* Teardown. pt must be no hart's satp any more: one sfence_vma_all()
 * first, then nothing can cache its translations again.
 * freewalk frees the page-table pages, root included; every leaf must
 * already be gone: a leaf left is a kernel bug, panic("vm-freewalk-leaf"). */
void freewalk(pagetable_t pt);
/* Tear down a user page table: drop every leaf's reference, then freewalk. */
void uvmfree(pagetable_t pt);
/* Tear down a kernel map: leaves hold no references. */
void kvmfree(pagetable_t pt);

/* One identity-mapped region of a kernel map. */
struct kvm_region {
	phys_addr_t pa;
	size_t size;
	pte_t perm; /* PTE_R / W / X / G */
};

/* Build an identity map of the regions (page-aligned, not overlapping:
 * an overlap is a remap panic), with 2 MiB leaves
 * where alignment allows. NULL if a region is misaligned or a table page
 * cannot be had: everything this call allocated is freed again. */
pagetable_t kvmmake(const struct kvm_region *regions, int n);

#endif
