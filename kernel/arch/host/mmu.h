/* The hosted build's software MMU: Sv39 translation through the kernel's
 * own page tables, behind a small TLB that only sfence_vma() /
 * sfence_vma_all() invalidate. A flush the kernel forgets shows up as a
 * stale translation, as it would on a real hart. */
#ifndef MMRIG_HOST_MMU_H
#define MMRIG_HOST_MMU_H

#include "arch.h" /* sfence_vma(), sfence_vma_all(): on the host, this TLB's */
#include "mm/vm.h"

#define MMU_TLB_ENTRIES 16

/* What is being done, and from which privilege mode. */
#define MMU_READ 0x1u
#define MMU_WRITE 0x2u
#define MMU_EXEC 0x4u
#define MMU_USER 0x8u /* U-mode access; otherwise S-mode with SUM = MXR = 0 */

enum mmu_fault {
	MMU_OK = 0,
	MMU_FAULT_UNMAPPED, /* an invalid entry on the walk, or a non-canonical va */
	MMU_FAULT_PERM,     /* a leaf exists but forbids this access (R/W/X, U,
			     * or A clear / D clear on a write: no A/D updates) */
	MMU_FAULT_BADPTE,   /* a PTE the kernel must never write: W without R,
			     * reserved bits, misaligned superpage, a pointer at
			     * level 0, U/A/D on a pointer */
};

struct mmu_result {
	enum mmu_fault fault;
	phys_addr_t pa; /* MMU_OK: the translation */
	int level;      /* level of the leaf used (0: 4 KiB, 1: 2 MiB, 2: 1 GiB) */
	bool tlb_hit;   /* served from the TLB, without reading the tables */
};

struct mmu_stats {
	unsigned long hits, misses, faults;
	unsigned long flush_va, flush_all; /* sfence_vma / sfence_vma_all calls */
};

/* Translate va for one access through root pt. Only successful
 * translations are cached (no TLB keeps misses, so mapping a page needs no
 * flush); entries are tagged with the root, which plays the ASID. */
struct mmu_result mmu_translate(pagetable_t pt, uintptr_t va, unsigned int access);

/* Copy between a host buffer and the address space, page by page, as one
 * access each. Returns MMU_OK or the first fault (*done bytes were done).
 * mode: MMU_USER for U-mode; MMU_EXEC makes mmu_copy_in an instruction
 * fetch (the leaf needs X, not R). */
enum mmu_fault mmu_copy_in(pagetable_t pt, void *dst, uintptr_t va, size_t n, unsigned int mode,
			   size_t *done);
enum mmu_fault mmu_copy_out(pagetable_t pt, uintptr_t va, const void *src, size_t n,
			    unsigned int mode, size_t *done);

/* The software TLB's flushes, as a hart's sfence.vma rs1 / zero: every
 * entry for va, or every entry. The hosted arch.h sfence_vma*() are these
 * (sfence.c); the riscv replay image calls them and the hart's. */
void swmmu_sfence_vma(uintptr_t va);
void swmmu_sfence_vma_all(void);

/* An empty TLB and zeroed statistics. The TLB outlives host_mm_reset(),
 * and a reset reuses page-table pages (and so TLB tags): call this after
 * every reset. */
void mmu_reset(void);
const struct mmu_stats *mmu_get_stats(void);

#endif
