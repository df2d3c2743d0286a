/* The kernel's stated choices on a user page fault, judged around each
 * fault the software MMU sends it (docs/virtual-memory.md, "Faults").
 * The address-space model judges what a program sees; these rules judge
 * what the kernel chose where the contract leaves it a choice, so a kernel
 * that quietly stops making superpages, or copies a page nobody else
 * shares, diverges at the fault instead of passing:
 *
 *  - a fault on an unmapped page whose aligned 2 MiB block lies inside
 *    the VMA with nothing mapped there (no level-0 table) maps a
 *    superpage, unless an order-9 allocation failed in the op;
 *  - a write to a 2 MiB copy-on-write leaf leaves a 2 MiB leaf (the block
 *    reused or copied whole), unless an order-9 allocation failed;
 *  - a write to a copy-on-write leaf whose block holds no other reference
 *    reuses the block: the leaf still maps the same memory.
 *
 * Only faults the kernel resolved are judged; a refused access is the
 * model's to judge. */
#include "mm/mm.h"
#include "mm/page.h"
#include "mmu.h"
#include "world.h"

void fault_rule_before(struct exec *e, int id, uintptr_t va, unsigned int access,
		       struct fault_before *b)
{
	uintptr_t base = va & ~((uintptr_t)SUPERPGSIZE - 1);
	struct pt_probe p;
	struct as_vma v;

	*b = (struct fault_before){ 0 };
	if (!pt_probe(e, e->mms[id].mm->pgd, va, &p))
		return;
	if (!(p.pte & PTE_V)) {
		/* An empty level-1 slot, or no level-1 table at all. */
		b->want_super = (p.level == 2 || (p.level == 1 && p.pte == 0)) &&
				asm_find_vma(e->as, id, va, &v) && base >= v.start &&
				v.end - base >= SUPERPGSIZE;
		return;
	}
	if (!(access & MMU_WRITE) || !(p.pte & PTE_COW))
		return;
	b->cow = true;
	b->cow_super = p.level == 1;
	b->pa = PTE2PA(p.pte);
	b->one_ref = page_ref_count(compound_head(virt_to_page((void *)b->pa))) == 1;
}

void fault_rule_after(struct exec *e, int id, uintptr_t va, const struct fault_before *b)
{
	struct pt_probe p;

	if ((!b->want_super && !b->cow) || !pt_probe(e, e->mms[id].mm->pgd, va, &p) ||
	    !(p.pte & PTE_V))
		return;
	if ((b->want_super || b->cow_super) && p.level != 1 && !e->big_fail) {
		diverge(e, "vm.superpage-rule", "a 2 MiB leaf at %#lx after the %s",
			(unsigned long)va,
			b->cow ? "write to a 2 MiB copy-on-write leaf"
			       : "fault: the aligned 2 MiB block is inside the VMA, nothing mapped");
		diverge_actual(e, "a level-%d leaf, and no order-9 allocation failed", p.level);
		return;
	}
	if (b->cow && b->one_ref && PTE2PA(p.pte) != b->pa) {
		diverge(e, "vm.cow-reuse",
			"the write at %#lx to reuse the copy-on-write block no one else holds",
			(unsigned long)va);
		diverge_actual(e, "the leaf now maps another block: it was copied");
	}
}
