/* The harness's own walk of every live address space's page tables at
 * check ops, across mms (the kernel's mm_check sees one mm at a time):
 *  - a private page mapped by more than one leaf must be writable in none
 *    of them (otherwise a write in one mm shows in another);
 *  - every user block's reference count equals the leaves mapping it: each
 *    leaf holds one reference on its block's head, nothing else does. */
#include <stdlib.h>
#include <string.h>

#include "mm/mm.h"
#include "world.h"

/* Per page: how it is mapped; at a block's head also how many leaves
 * map into the block (a split superpage's pieces each hold a reference). */
struct pt_tally {
	unsigned short maps;     /* leaves mapping this 4 KiB page */
	unsigned short writable; /* of which writable and not MAP_SHARED */
	bool shared;             /* mapped MAP_SHARED somewhere */
	unsigned short leaves;   /* at a block head: leaves into the block */
};

struct pt_tally *pt_tally_alloc(unsigned long nr_pfns)
{
	return calloc(nr_pfns, sizeof(struct pt_tally));
}

static void tally_leaf(struct exec *e, struct pt_tally *t, pte_t pte, int level)
{
	unsigned long pfn = PTE2PA(pte) >> PAGE_SHIFT;
	struct page *head = compound_head(pfn_to_page(pfn));

	t[page_to_pfn(head) - e->arena.base_pfn].leaves++;
	for (unsigned long i = 0; i < (1ul << (9 * level)); i++) {
		struct pt_tally *p = &t[pfn + i - e->arena.base_pfn];

		p->maps++;
		if (pte & PTE_SHARED)
			p->shared = true;
		else if (pte & PTE_W)
			p->writable++;
	}
}

static void tally_table(struct exec *e, struct pt_tally *t, pagetable_t pt, int level)
{
	for (int i = 0; i < PTRS_PER_PT; i++) {
		pte_t pte = pt[i];

		if (!(pte & PTE_V))
			continue;
		if (PTE_LEAF(pte))
			tally_leaf(e, t, pte, level);
		else if (level > 0)
			tally_table(e, t, (pagetable_t)PTE2PA(pte), level - 1);
	}
}

bool oracle_page_tables(struct exec *e)
{
	struct pt_tally *t = e->pt_tally;

	memset(t, 0, e->arena.nr_pfns * sizeof(*t));
	for (int i = 0; i < NR_MM_SLOTS; i++)
		if (e->mms[i].live)
			tally_table(e, t, e->mms[i].mm->pgd, PT_LEVELS - 1);
	for (unsigned long off = 0; off < e->arena.nr_pfns; off++) {
		if (!t[off].shared && t[off].maps > 1 && t[off].writable) {
			diverge(e, "vm.shared-writable", "a private page mapped %u times to be "
				"writable in none of them", t[off].maps);
			diverge_actual(e, "pfn offset %lu is writable in %u", off, t[off].writable);
			return false;
		}
		if (!t[off].leaves)
			continue;
		int refs = page_ref_count(pfn_to_page(e->arena.base_pfn + off));
		if (refs != t[off].leaves) {
			diverge(e, "vm.refcount", "pfn offset %lu: refcount == %u mapping leaves",
				off, t[off].leaves);
			diverge_actual(e, "refcount %d", refs);
			return false;
		}
	}
	return true;
}
