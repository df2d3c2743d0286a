/* Software MMU for the hosted build: the Sv39 walk a hart does, the
 * permission checks, and a 16-entry TLB in front of them.
 *
 * The TLB is the point: it is invalidated only by the kernel's own
 * sfence_vma() / sfence_vma_all(), which reach swmmu_sfence_vma*(), so a
 * PTE changed without a flush keeps being served from the TLB exactly as
 * on hardware. Replacement is round robin, so the same accesses give the
 * same hits in every run.
 */
#include "arch.h"
#include "lib.h"
#include "mm/mm.h"
#include "mm/page.h"
#include "mmu.h"
#include "sv39.h"

/* A harness hands the MMU's access bits straight to handle_mm_fault(). */
_Static_assert(MMU_READ == FAULT_READ && MMU_WRITE == FAULT_WRITE && MMU_EXEC == FAULT_EXEC,
	       "MMU and fault access bits agree");

struct tlb_entry {
	bool valid;
	pagetable_t root; /* the tag: a root page plays the role of an ASID */
	uintptr_t vbase;  /* va of the start of the mapped page / superpage */
	int level;
	pte_t pte; /* the leaf as it was when cached */
};

static struct tlb_entry tlb[MMU_TLB_ENTRIES];
static unsigned int tlb_next; /* round-robin victim */
static struct mmu_stats stats;

void mmu_reset(void)
{
	memset(tlb, 0, sizeof(tlb));
	tlb_next = 0;
	memset(&stats, 0, sizeof(stats));
}

const struct mmu_stats *mmu_get_stats(void)
{
	return &stats;
}

/* ---- flushes: arch.h's sfence_vma*() reach these (sfence.c) ---- */

/* rs1 = va, rs2 = x0: every address space's leaf for va goes. */
void swmmu_sfence_vma(uintptr_t va)
{
	stats.flush_va++;
	for (int i = 0; i < MMU_TLB_ENTRIES; i++) {
		if (tlb[i].valid && (va & ~(sv39_level_size(tlb[i].level) - 1)) == tlb[i].vbase)
			tlb[i].valid = false;
	}
}

void swmmu_sfence_vma_all(void)
{
	stats.flush_all++;
	for (int i = 0; i < MMU_TLB_ENTRIES; i++)
		tlb[i].valid = false;
}

/* ---- translation ---- */

/* Bits 63..39 must all equal bit 38. */
static bool canonical(uintptr_t va)
{
	uintptr_t top = va >> (SV39_VA_BITS - 1);

	return top == 0 || top == ((uintptr_t)1 << (64 - SV39_VA_BITS + 1)) - 1;
}

static enum mmu_fault check_perm(pte_t pte, unsigned int access)
{
	bool user = access & MMU_USER;

	if (user != !!(pte & SV39_U))
		return MMU_FAULT_PERM;
	if (((access & MMU_READ) && !(pte & SV39_R)) || ((access & MMU_WRITE) && !(pte & SV39_W)) ||
	    ((access & MMU_EXEC) && !(pte & SV39_X)))
		return MMU_FAULT_PERM;
	/* Svade behaviour: the MMU never sets A or D itself. */
	if (!(pte & SV39_A) || ((access & MMU_WRITE) && !(pte & SV39_D)))
		return MMU_FAULT_PERM;
	return MMU_OK;
}

/* The page-table walk of the privileged spec, 4.3.2. */
static enum mmu_fault walk_tables(pagetable_t pt, uintptr_t va, pte_t *leaf, int *level)
{
	const uint64_t *t = (const uint64_t *)pt;

	for (int l = SV39_LEVELS - 1; l >= 0; l--) {
		uint64_t e = t[sv39_vpn(va, l)];

		if (!(e & SV39_V))
			return MMU_FAULT_UNMAPPED;
		if ((e & SV39_HIGH_RESERVED) || ((e & SV39_W) && !(e & SV39_R)))
			return MMU_FAULT_BADPTE;
		if (sv39_is_leaf(e)) {
			if (sv39_pa(e) & (sv39_level_size(l) - 1))
				return MMU_FAULT_BADPTE; /* misaligned superpage */
			*leaf = e;
			*level = l;
			return MMU_OK;
		}
		if (l == 0 || (e & (SV39_U | SV39_A | SV39_D)))
			return MMU_FAULT_BADPTE;
		/* Only managed memory can hold a table: anything else would
		 * be a wild read of the host's address space. */
		if (!pfn_valid(sv39_ppn(e)))
			return MMU_FAULT_BADPTE;
		t = (const uint64_t *)(uintptr_t)sv39_pa(e);
	}
	return MMU_FAULT_BADPTE;
}

static struct tlb_entry *tlb_lookup(pagetable_t pt, uintptr_t va)
{
	for (int i = 0; i < MMU_TLB_ENTRIES; i++) {
		struct tlb_entry *e = &tlb[i];

		if (e->valid && e->root == pt &&
		    (va & ~(sv39_level_size(e->level) - 1)) == e->vbase)
			return e;
	}
	return NULL;
}

static struct tlb_entry *tlb_fill(pagetable_t pt, uintptr_t va, pte_t pte, int level)
{
	struct tlb_entry *e = &tlb[tlb_next];

	tlb_next = (tlb_next + 1) % MMU_TLB_ENTRIES;
	e->valid = true;
	e->root = pt;
	e->vbase = va & ~(sv39_level_size(level) - 1);
	e->level = level;
	e->pte = pte;
	return e;
}

struct mmu_result mmu_translate(pagetable_t pt, uintptr_t va, unsigned int access)
{
	struct mmu_result r = { .fault = MMU_OK, .level = -1 };
	struct tlb_entry *e;

	if (!canonical(va)) {
		r.fault = MMU_FAULT_UNMAPPED;
		stats.faults++;
		return r;
	}
	e = tlb_lookup(pt, va);
	if (e) {
		stats.hits++;
		r.tlb_hit = true;
	} else {
		pte_t leaf;
		int level;

		stats.misses++;
		r.fault = walk_tables(pt, va, &leaf, &level);
		if (r.fault == MMU_OK) {
			r.level = level;
			r.fault = check_perm(leaf, access);
		}
		if (r.fault != MMU_OK) {
			stats.faults++;
			return r;
		}
		e = tlb_fill(pt, va, leaf, level);
	}
	/* A hit is checked against the cached leaf, not the tables: a
	 * permission taken away without a flush is still granted. */
	r.fault = check_perm(e->pte, access);
	r.level = e->level;
	if (r.fault != MMU_OK) {
		stats.faults++;
		return r;
	}
	r.pa = sv39_pa(e->pte) + (va & (sv39_level_size(e->level) - 1));
	return r;
}

/* ---- copying through the MMU ---- */

static enum mmu_fault copy(pagetable_t pt, uintptr_t va, void *buf, size_t n, unsigned int access,
			   bool out, size_t *done)
{
	size_t off = 0;

	while (off < n) {
		size_t chunk = PAGE_SIZE - ((va + off) & (PAGE_SIZE - 1));
		struct mmu_result r = mmu_translate(pt, va + off, access);

		if (r.fault != MMU_OK) {
			if (done)
				*done = off;
			return r.fault;
		}
		if (chunk > n - off)
			chunk = n - off;
		if (out)
			memcpy((void *)r.pa, (char *)buf + off, chunk);
		else
			memcpy((char *)buf + off, (void *)r.pa, chunk);
		off += chunk;
	}
	if (done)
		*done = off;
	return MMU_OK;
}

enum mmu_fault mmu_copy_in(pagetable_t pt, void *dst, uintptr_t va, size_t n, unsigned int mode,
			   size_t *done)
{
	/* An instruction fetch needs X where a load needs R. */
	unsigned int access = (mode & MMU_EXEC) ? MMU_EXEC : MMU_READ;

	return copy(pt, va, dst, n, access | (mode & MMU_USER), false, done);
}

enum mmu_fault mmu_copy_out(pagetable_t pt, uintptr_t va, const void *src, size_t n,
			    unsigned int mode, size_t *done)
{
	return copy(pt, va, (void *)(uintptr_t)src, n, MMU_WRITE | (mode & MMU_USER), true, done);
}
