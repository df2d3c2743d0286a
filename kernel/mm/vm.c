/* Sv39 page tables: walking, mapping, unmapping, tearing down.
 *
 * The rules every function keeps are in mm/vm.h: no empty table page
 * outside the root, one page reference per user leaf, flush after changing
 * a valid entry. Failure of a table-page allocation is a normal path: the
 * call undoes its own work and returns -ENOMEM.
 */
#include "arch.h"
#include "errno-base.h"
#include "lib.h"
#include "mm/page.h"
#include "mm/vm.h"

/* ---- table pages ---- */

static pagetable_t pt_alloc(void)
{
	struct page *pg = alloc_pages(GFP_KERNEL | __GFP_ZERO | GFP_CLASS(PGC_PGTABLE), 0);

	return pg ? page_address(pg) : NULL;
}

static void pt_free(pagetable_t pt)
{
	__free_pages(virt_to_page(pt), 0);
}

static pagetable_t pte_table(pte_t pte)
{
	return (pagetable_t)PTE2PA(pte);
}

static bool table_empty(const pagetable_t pt)
{
	for (int i = 0; i < PTRS_PER_PT; i++) {
		if (pt[i] & PTE_V)
			return false;
	}
	return true;
}

/* The struct page of a user leaf's pa (always managed memory);
 * get_page / put_page move on to its compound head themselves. */
static struct page *pa_page(phys_addr_t pa)
{
	struct page *pg = virt_to_page((void *)pa);

	if (!pg)
		panic("vm-bad-pa", "pa %lx is not managed memory", (unsigned long)pa);
	return pg;
}

pagetable_t uvmcreate(void)
{
	return pt_alloc();
}

/* ---- walking ---- */

pte_t *walk_level(pagetable_t pt, uintptr_t va, int alloc, int want, int *level)
{
	pte_t *made = NULL; /* the entry this call hung a new table on */

	if (level)
		*level = -1;
	if (va >= MAXVA || want < 0 || want >= PT_LEVELS - 1)
		return NULL;
	for (int l = PT_LEVELS - 1; l > want; l--) {
		pte_t *pte = &pt[PX(l, va)];

		if (*pte & PTE_V) {
			if (PTE_LEAF(*pte)) {
				if (level)
					*level = l;
				return pte;
			}
			pt = pte_table(*pte);
			continue;
		}
		if (!alloc) {
			if (level)
				*level = l;
			return NULL;
		}
		pagetable_t n = pt_alloc();
		if (!n) {
			/* At most two tables are made per walk, so only the
			 * first can be left over, and it is empty. */
			if (made) {
				pagetable_t t = pte_table(*made);

				*made = 0;
				sfence_vma_all(); /* a valid non-leaf entry went away */
				pt_free(t);
			}
			return NULL;
		}
		*pte = PA2PTE(n) | PTE_V;
		if (!made)
			made = pte;
		pt = n;
	}
	if (level)
		*level = want;
	return &pt[PX(want, va)];
}

pte_t *walk(pagetable_t pt, uintptr_t va, int alloc)
{
	return walk_level(pt, va, alloc, 0, NULL);
}

phys_addr_t walkaddr(pagetable_t pt, uintptr_t va)
{
	int level;
	pte_t *pte = walk_level(pt, va, 0, 0, &level);

	if (!pte || !(*pte & PTE_V) || !(*pte & PTE_U))
		return 0;
	return PTE2PA(*pte) + (va & (LEVEL_SIZE(level) - 1));
}

/* ---- pruning empty tables ---- */

/* Free every table page below pt (a table at `level` whose entry 0 maps
 * base) that covers part of [va, end) and maps nothing. */
static void prune_level(pagetable_t pt, int level, uintptr_t base, uintptr_t va, uintptr_t end)
{
	size_t i = va > base ? (va - base) >> PXSHIFT(level) : 0;

	for (; i < PTRS_PER_PT; i++) {
		uintptr_t a = base + (i << PXSHIFT(level));
		pte_t e = pt[i];

		if (a >= end)
			break;
		if (level == 0 || !(e & PTE_V) || PTE_LEAF(e))
			continue;
		pagetable_t child = pte_table(e);

		prune_level(child, level - 1, a, va, end);
		if (table_empty(child)) {
			pt[i] = 0;
			/* A walk cache may still hold the old entry. */
			sfence_vma_all();
			pt_free(child);
		}
	}
}

static void prune(pagetable_t pt, uintptr_t va, uintptr_t end)
{
	if (end > va)
		prune_level(pt, PT_LEVELS - 1, 0, va, end);
}

/* ---- mapping ---- */

static bool range_ok(uintptr_t va, size_t size, uintptr_t align)
{
	return size > 0 && IS_ALIGNED(va, align) && IS_ALIGNED(size, align) && va < MAXVA &&
	       size <= MAXVA - va;
}

/* Remove leaves of this level in [va, end) that the failed call itself
 * installed (so each is valid and holds no reference of its own). */
static void unmap_new(pagetable_t pt, uintptr_t va, uintptr_t end, int level)
{
	for (uintptr_t a = va; a < end; a += LEVEL_SIZE(level)) {
		pte_t *pte = walk_level(pt, a, 0, level, NULL);

		*pte = 0;
		sfence_vma(a);
	}
	prune(pt, va, end);
}

static int map_range(pagetable_t pt, uintptr_t va, size_t size, phys_addr_t pa, pte_t perm,
		     int level)
{
	uintptr_t step = LEVEL_SIZE(level), a;

	if (!range_ok(va, size, step) || !IS_ALIGNED(pa, step) || !(perm & PTE_RWX) ||
	    (perm & ~(PTE_RWX | PTE_U | PTE_G | PTE_COW | PTE_SHARED)))
		return -EINVAL;
	for (a = va; a < va + size; a += step, pa += step) {
		int got;
		pte_t *pte = walk_level(pt, a, 1, level, &got);

		if (!pte) {
			unmap_new(pt, va, a, level);
			return -ENOMEM;
		}
		if (*pte & PTE_V)
			panic("vm-remap", "va %lx is already mapped at level %d", (unsigned long)a,
			      got);
		*pte = PA2PTE(pa) | perm | PTE_V | PTE_A | PTE_D;
	}
	return 0;
}

int mappages(pagetable_t pt, uintptr_t va, size_t size, phys_addr_t pa, pte_t perm)
{
	return map_range(pt, va, size, pa, perm, 0);
}

int mappages_huge(pagetable_t pt, uintptr_t va, size_t size, phys_addr_t pa, pte_t perm)
{
	return map_range(pt, va, size, pa, perm, 1);
}

/* ---- splitting superpages ---- */

static void fill_split(pagetable_t t, pte_t leaf)
{
	phys_addr_t pa = PTE2PA(leaf);

	for (int i = 0; i < PTRS_PER_PT; i++)
		t[i] = PA2PTE(pa + ((phys_addr_t)i << PAGE_SHIFT)) | PTE_FLAGS(leaf);
}

/* Install the prepared table t in place of the leaf. */
static void commit_split(pte_t *pte, uintptr_t va, pagetable_t t, bool refs)
{
	fill_split(t, *pte);
	if (refs) {
		struct page *pg = pa_page(PTE2PA(*pte));

		for (int i = 1; i < PTRS_PER_PT; i++)
			get_page(pg);
	}
	*pte = PA2PTE(t) | PTE_V;
	/* The 2 MiB translation must not outlive the leaf. */
	sfence_vma(va & ~(LEVEL_SIZE(1) - 1));
}

int split_superpage(pte_t *pte, uintptr_t va, bool refs)
{
	pagetable_t t;

	if (!(*pte & PTE_V) || !PTE_LEAF(*pte))
		panic("vm-split", "va %lx: not a superpage leaf", (unsigned long)va);
	t = pt_alloc();
	if (!t)
		return -ENOMEM;
	commit_split(pte, va, t, refs);
	return 0;
}

/* The superpage leaf that a boundary at va cuts in two, or NULL. */
static pte_t *cut_superpage(pagetable_t pt, uintptr_t va)
{
	int level;
	pte_t *pte;

	if (va >= MAXVA || IS_ALIGNED(va, LEVEL_SIZE(1)))
		return NULL;
	pte = walk_level(pt, va, 0, 0, &level);
	if (!pte || level == 0 || !(*pte & PTE_V))
		return NULL;
	if (level != 1)
		panic("vm-gigapage", "va %lx: level-%d leaf", (unsigned long)va, level);
	return pte;
}

/* Split the superpages cut by the range's two ends. Both table pages are
 * allocated before either split, so a failure changes nothing. */
static int split_ends(pagetable_t pt, uintptr_t va, uintptr_t end, bool refs)
{
	pte_t *lo = cut_superpage(pt, va), *hi = cut_superpage(pt, end);
	pagetable_t tlo = NULL, thi = NULL;

	if (hi == lo)
		hi = NULL; /* both ends inside one superpage: one split */
	if (lo && !(tlo = pt_alloc()))
		return -ENOMEM;
	if (hi && !(thi = pt_alloc())) {
		if (tlo)
			pt_free(tlo);
		return -ENOMEM;
	}
	if (lo)
		commit_split(lo, va, tlo, refs);
	if (hi)
		commit_split(hi, end, thi, refs);
	return 0;
}

/* ---- visiting the leaves of a range ---- */

/* fn for every valid leaf in [va, end), whole-table holes skipped. The
 * caller has split the superpages the range's ends cut. */
static void for_each_leaf(pagetable_t pt, uintptr_t va, uintptr_t end,
			  void (*fn)(pte_t *pte, uintptr_t a, int level, void *arg), void *arg)
{
	for (uintptr_t a = va; a < end;) {
		int level;
		pte_t *pte = walk_level(pt, a, 0, 0, &level);

		if (!pte) {
			a = (a & ~(LEVEL_SIZE(level) - 1)) + LEVEL_SIZE(level);
			continue;
		}
		if (*pte & PTE_V)
			fn(pte, a, level, arg);
		a += LEVEL_SIZE(level);
	}
}

/* ---- unmapping ---- */

struct unmap_range {
	uintptr_t end;
	int do_free;
};

static void unmap_leaf(pte_t *pte, uintptr_t a, int level, void *arg)
{
	const struct unmap_range *u = arg;
	pte_t old = *pte;

	if (level != 0 && (!IS_ALIGNED(a, LEVEL_SIZE(level)) || u->end - a < LEVEL_SIZE(level)))
		panic("vm-unmap", "va %lx: superpage not split", (unsigned long)a);
	*pte = 0;
	sfence_vma(a);
	if (u->do_free)
		put_page(pa_page(PTE2PA(old)));
}

int uvmunmap(pagetable_t pt, uintptr_t va, size_t size, int do_free)
{
	uintptr_t end;
	int r;

	if (!range_ok(va, size, PAGE_SIZE))
		return -EINVAL;
	end = va + size;
	r = split_ends(pt, va, end, do_free);
	if (r)
		return r;
	struct unmap_range u = { .end = end, .do_free = do_free };
	for_each_leaf(pt, va, end, unmap_leaf, &u)
		;
	prune(pt, va, end);
	return 0;
}

/* ---- protection ---- */

static void protect_leaf(pte_t *pte, uintptr_t a, int level, void *arg)
{
	pte_t now = (*pte & ~(PTE_RWX | PTE_U)) | *(const pte_t *)arg;

	(void)level;
	/* Writing a shared copy-on-write page must still fault. */
	if (now & PTE_COW)
		now &= ~PTE_W;
	if (now != *pte) {
		*pte = now;
		sfence_vma(a);
	}
}

int uvmprotect(pagetable_t pt, uintptr_t va, size_t size, pte_t perm)
{
	uintptr_t end;
	int r;

	if (!range_ok(va, size, PAGE_SIZE) || (perm & ~(PTE_RWX | PTE_U)) || !(perm & PTE_RWX))
		return -EINVAL;
	end = va + size;
	r = split_ends(pt, va, end, true);
	if (r)
		return r;
	for_each_leaf(pt, va, end, protect_leaf, &perm)
		;
	return 0;
}

/* ---- teardown ---- */

/* Clear every leaf under pt, dropping its reference if refs. */
static void drop_leaves(pagetable_t pt, int level, bool refs)
{
	for (int i = 0; i < PTRS_PER_PT; i++) {
		pte_t e = pt[i];

		if (!(e & PTE_V))
			continue;
		if (PTE_LEAF(e)) {
			pt[i] = 0;
			if (refs)
				put_page(pa_page(PTE2PA(e)));
		} else if (level > 0) {
			drop_leaves(pte_table(e), level - 1, refs);
		}
	}
}

static void free_tables(pagetable_t pt, int level)
{
	for (int i = 0; i < PTRS_PER_PT; i++) {
		pte_t e = pt[i];

		if (!(e & PTE_V))
			continue;
		if (PTE_LEAF(e) || level == 0)
			panic("vm-freewalk-leaf", "entry %d at level %d still maps %lx", i, level,
			      (unsigned long)PTE2PA(e));
		free_tables(pte_table(e), level - 1);
		pt[i] = 0;
	}
	pt_free(pt);
}

/* The table is no hart's satp any more, so after one flush nothing can
 * bring its translations back: pages and tables may then be freed. */
void freewalk(pagetable_t pt)
{
	sfence_vma_all();
	free_tables(pt, PT_LEVELS - 1);
}

/* The first flush makes the leaves' pages safe to free; freewalk's own
 * flush then costs a TLB already empty of this table. */
void uvmfree(pagetable_t pt)
{
	sfence_vma_all();
	drop_leaves(pt, PT_LEVELS - 1, true);
	freewalk(pt);
}

void kvmfree(pagetable_t pt)
{
	drop_leaves(pt, PT_LEVELS - 1, false);
	freewalk(pt);
}
