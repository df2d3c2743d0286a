/* The harness's own walk of every live address space's page tables,
 * across mms (the kernel's mm_check sees one mm at a time), and the
 * oracles built on it. It reads tables and pages through their physical
 * addresses (host pointers into the arena), never through the software
 * MMU: a check must not fill or flush the TLB the kernel's bugs hide in.
 *
 * Structure, whenever the walk runs:
 *  - every table page is an allocated order-0 pgtable block, reached once;
 *  - every leaf maps into one allocated user or COW block.
 * Both are checked before the walk reads what the entry points at, so a
 * stale entry is reported as such instead of as a sanitizer crash in the
 * harness.
 *
 * At check ops, besides:
 *  - a private page mapped by more than one leaf must be writable in none
 *    of them (otherwise a write in one mm shows in another);
 *  - every user block's reference count equals the leaves mapping it: each
 *    leaf holds one reference on its block's head, nothing else does;
 *  - contents: every byte a leaf maps equals the model's byte.
 *
 * Accounting (at check ops, after the harness releases an mm, and after
 * any op in which an allocation failed): between ops nothing but live mms
 * holds page-table, user or COW blocks (a kernel map is built and freed
 * within one op), so every such block the buddy model holds must be
 * reachable from a live mm. A leak is then reported at the op that caused
 * it, not at the end of the program after every mm is gone. */
#include <stdlib.h>
#include <string.h>

#include "mm/mm.h"
#include "world.h"

/* Per page, at check ops: how it is mapped; at a block's head also how
 * many leaves map into the block (a split superpage's pieces each hold a
 * reference). */
struct pt_page {
	unsigned short maps;     /* leaves mapping this 4 KiB page */
	unsigned short writable; /* of which writable and not MAP_SHARED */
	unsigned short leaves;   /* at a block head: leaves into the block */
	bool shared;             /* mapped MAP_SHARED somewhere */
};

/* The walk's scratch, made once per executor. Accounting needs only two
 * bits per page (reached as a table; a block head some leaf maps into),
 * so the walk after every mm release clears two small bitmaps, not the
 * per-page counts only check ops need. Each table and block is checked to
 * be an allocated block of its class when first met, so when the totals
 * equal the buddy model's counts of those classes, nothing is
 * unaccounted for, and the model's blocks are scanned only for a leak. */
struct pt_tally {
	unsigned long nr_pfns;
	struct pt_page *page;
	uint64_t *table, *mapped; /* bitmaps over pfn offsets */
	unsigned long tables;     /* bits set in table */
	unsigned long blocks;     /* bits set in mapped */
	bool full;                /* this walk fills page[] too */
};

void pt_tally_free(struct pt_tally *t)
{
	if (!t)
		return;
	free(t->page);
	free(t->table);
	free(t->mapped);
	free(t);
}

struct pt_tally *pt_tally_alloc(unsigned long nr_pfns)
{
	struct pt_tally *t = calloc(1, sizeof(*t));
	size_t words = (nr_pfns + 63) / 64;

	if (!t)
		return NULL;
	t->nr_pfns = nr_pfns;
	t->page = calloc(nr_pfns, sizeof(*t->page));
	t->table = calloc(words, sizeof(uint64_t));
	t->mapped = calloc(words, sizeof(uint64_t));
	if (!t->page || !t->table || !t->mapped) {
		pt_tally_free(t);
		return NULL;
	}
	return t;
}

/* Sets bit off; returns whether it was set already. */
static bool test_and_set(uint64_t *map, unsigned long off)
{
	uint64_t bit = 1ull << (off % 64);
	bool was = map[off / 64] & bit;

	map[off / 64] |= bit;
	return was;
}

static bool test_bit(const uint64_t *map, unsigned long off)
{
	return map[off / 64] & (1ull << (off % 64));
}

static const char *const leak_when[] = {
	[VM_AT_CHECK] = "at check",
	[VM_AT_MM_EXIT] = "at mm_exit",
	[VM_AFTER_ALLOC_FAILURE] = "after alloc failure",
};

/* Whether [pfn, pfn + n) lies in the arena; *off is pfn's offset. */
static bool in_arena(const struct exec *e, unsigned long pfn, unsigned long n, unsigned long *off)
{
	*off = pfn - e->arena.base_pfn;
	return pfn >= e->arena.base_pfn && *off < e->arena.nr_pfns && n <= e->arena.nr_pfns - *off;
}

/* What the buddy model says the page at pfn is, for a report. */
static void describe(const struct exec *e, unsigned long pfn, char *buf, size_t cap)
{
	unsigned long head, off;
	unsigned int order, cls;

	if (!in_arena(e, pfn, 1, &off))
		snprintf(buf, cap, "outside the arena");
	else if (!bm_find_allocated(e->model, pfn, &head, &order, &cls))
		snprintf(buf, cap, "pfn offset %lu, a free page", off);
	else
		snprintf(buf, cap, "pfn offset %lu, page %lu of a %s block of order %u", off,
			 pfn - head, page_class_name(cls), order);
}

/* Whether pa is an allocated order-0 pgtable block: a table the walk may
 * read without touching freed (poisoned) memory. */
static bool is_table_block(const struct exec *e, phys_addr_t pa)
{
	unsigned long pfn = pa >> PAGE_SHIFT, head, off;
	unsigned int order, cls;

	return in_arena(e, pfn, 1, &off) && bm_find_allocated(e->model, pfn, &head, &order, &cls) &&
	       head == pfn && order == 0 && cls == PGC_PGTABLE;
}

bool pt_probe(const struct exec *e, pagetable_t pgd, uintptr_t va, struct pt_probe *out)
{
	pagetable_t pt = pgd;

	if (!is_table_block(e, (phys_addr_t)(uintptr_t)pgd))
		return false;
	for (int level = PT_LEVELS - 1; level >= 0; level--) {
		pte_t pte = pt[PX(level, va)];

		out->level = level;
		out->pte = pte;
		if (!(pte & PTE_V) || PTE_LEAF(pte))
			return true;
		if (level == 0 || !is_table_block(e, PTE2PA(pte)))
			return false;
		pt = (pagetable_t)PTE2PA(pte);
	}
	return false;
}

static bool tally_table_page(struct exec *e, phys_addr_t pa)
{
	struct pt_tally *t = e->pt_tally;
	unsigned long pfn = pa >> PAGE_SHIFT, off = pfn - e->arena.base_pfn;
	char what[96];

	if (!is_table_block(e, pa)) {
		describe(e, pfn, what, sizeof(what));
		diverge(e, "vm.table-page",
			"every page-table page an allocated order-0 pgtable block");
		diverge_actual(e, "a table entry points at %s", what);
		return false;
	}
	if (test_and_set(t->table, off)) {
		diverge(e, "vm.table-page", "every page-table page reached once");
		diverge_actual(e, "pfn offset %lu is reached twice", off);
		return false;
	}
	t->tables++;
	return true;
}

static bool tally_leaf(struct exec *e, pte_t pte, int level)
{
	struct pt_tally *t = e->pt_tally;
	unsigned long pfn = PTE2PA(pte) >> PAGE_SHIFT, n = 1ul << (9 * level);
	unsigned long head, off;
	unsigned int order, cls;
	char what[96];

	if (!in_arena(e, pfn, n, &off) || !bm_find_allocated(e->model, pfn, &head, &order, &cls) ||
	    (cls != PGC_USER && cls != PGC_COW) || pfn + n > head + (1ul << order)) {
		describe(e, pfn, what, sizeof(what));
		diverge(e, "vm.leaf-page", "every leaf inside an allocated user or cow block");
		diverge_actual(e, "a level-%d leaf maps %s", level, what);
		return false;
	}
	head -= e->arena.base_pfn;
	if (!test_and_set(t->mapped, head))
		t->blocks++;
	if (!t->full)
		return true;
	t->page[head].leaves++;
	for (unsigned long i = 0; i < n; i++) {
		struct pt_page *p = &t->page[off + i];

		p->maps++;
		if (pte & PTE_SHARED)
			p->shared = true;
		else if (pte & PTE_W)
			p->writable++;
	}
	return true;
}

static bool tally_table(struct exec *e, pagetable_t pt, int level)
{
	for (int i = 0; i < PTRS_PER_PT; i++) {
		pte_t pte = pt[i];

		if (!(pte & PTE_V))
			continue;
		if (PTE_LEAF(pte)) {
			if (!tally_leaf(e, pte, level))
				return false;
		} else if (level > 0) {
			if (!tally_table_page(e, PTE2PA(pte)) ||
			    !tally_table(e, (pagetable_t)PTE2PA(pte), level - 1))
				return false;
		}
	}
	return true;
}

/* The vmalloc window's tables: the kernel's, held by no mm. Its leaves
 * map vmalloc blocks, which ops_vmalloc.c judges. */
static bool tally_kernel_tables(struct exec *e, pagetable_t pt, int level)
{
	for (int i = 0; i < PTRS_PER_PT; i++) {
		pte_t pte = pt[i];

		if (!(pte & PTE_V) || PTE_LEAF(pte) || level == 0)
			continue;
		if (!tally_table_page(e, PTE2PA(pte)) ||
		    !tally_kernel_tables(e, (pagetable_t)PTE2PA(pte), level - 1))
			return false;
	}
	return true;
}

/* Tallies every live mm (full: with the per-page counts) and the vmalloc
 * window's tables; false on a divergence. */
static bool tally_all(struct exec *e, bool full)
{
	struct pt_tally *t = e->pt_tally;
	/* Sized for the largest geometry; only this one's pages are used. */
	size_t words = (e->arena.nr_pfns + 63) / 64;

	memset(t->table, 0, words * sizeof(uint64_t));
	memset(t->mapped, 0, words * sizeof(uint64_t));
	if (full)
		memset(t->page, 0, e->arena.nr_pfns * sizeof(*t->page));
	t->tables = t->blocks = 0;
	t->full = full;
	for (int i = 0; i < NR_MM_SLOTS; i++) {
		pagetable_t pgd;

		if (!e->mms[i].live)
			continue;
		pgd = e->mms[i].mm->pgd;
		if (!tally_table_page(e, (phys_addr_t)(uintptr_t)pgd) ||
		    !tally_table(e, pgd, PT_LEVELS - 1))
			return false;
	}
	return !e->vm_kpt || (tally_table_page(e, (phys_addr_t)(uintptr_t)e->vm_kpt) &&
			      tally_kernel_tables(e, e->vm_kpt, PT_LEVELS - 1));
}

/* ---- accounting ---- */

struct leak_scan {
	const struct pt_tally *t;
	unsigned long base;
	unsigned long count;
	unsigned long first_pfn;
	unsigned int first_order, first_cls;
};

static void scan_block(void *arg, unsigned long pfn, unsigned int order, unsigned int cls)
{
	struct leak_scan *s = arg;
	unsigned long off = pfn - s->base;
	bool held;

	if (cls == PGC_PGTABLE)
		held = test_bit(s->t->table, off);
	else if (cls == PGC_USER || cls == PGC_COW)
		held = test_bit(s->t->mapped, off);
	else
		return; /* other classes have owners the walk cannot see */
	if (held || s->count++)
		return;
	s->first_pfn = pfn;
	s->first_order = order;
	s->first_cls = cls;
}

/* Needs a fresh tally. */
/* VMA structs come from one cache: as many in use as the live mms list. */
static bool account_vmas(struct exec *e, enum vm_when when)
{
	unsigned long listed = 0, used = vm_area_count();
	char check[48];

	for (int i = 0; i < NR_MM_SLOTS; i++)
		if (e->mms[i].live)
			listed += (unsigned long)e->mms[i].mm->map_count;
	if (used == listed)
		return true;
	snprintf(check, sizeof(check), "leak.vma %s", leak_when[when]);
	diverge(e, check, "%lu VMA structs in use (the live mms' map_count)", listed);
	diverge_actual(e, "%lu", used);
	return false;
}

/* Pages first: a lost page-table page names the bug better than the VMA
 * structs lost with it. */
static bool account(struct exec *e, enum vm_when when)
{
	const struct pt_tally *t = e->pt_tally;
	struct leak_scan s = { .t = t, .base = e->arena.base_pfn };
	char check[48];

	if (t->tables == bm_nr_allocated_class(e->model, PGC_PGTABLE) &&
	    t->blocks == bm_nr_allocated_class(e->model, PGC_USER) +
				 bm_nr_allocated_class(e->model, PGC_COW))
		return account_vmas(e, when);
	bm_for_each_allocated(e->model, scan_block, &s);
	if (!s.count)
		return account_vmas(e, when);
	snprintf(check, sizeof(check), "leak.%s %s", page_class_name(s.first_cls), leak_when[when]);
	if (s.first_cls == PGC_PGTABLE)
		diverge(e, check, "every pgtable block reachable from a live mm's page table");
	else
		diverge(e, check, "every %s block mapped by a leaf of a live mm",
			page_class_name(s.first_cls));
	diverge_actual(e,
		       "%lu block(s) held by no live mm; the first: %s, order %u at pfn offset %lu",
		       s.count, page_class_name(s.first_cls), s.first_order, s.first_pfn - s.base);
	return false;
}

bool oracle_vm_leaks(struct exec *e, enum vm_when when)
{
	return tally_all(e, false) && account(e, when);
}

/* ---- contents ---- */

/* One leaf against the model: the model lists the non-zero bytes it
 * knows in address order; everything between them must be 0. The gaps
 * go through a word-wide zero scan, so a mostly-zero 2 MiB leaf costs one
 * fast pass plus a compare per known byte. */
struct leaf_cmp {
	const uint8_t *p; /* the leaf's memory */
	uintptr_t va;
	size_t pos; /* bytes before this are verified */
	bool bad;
	size_t bad_off;
	uint8_t want, got;
};

/* tags.c's first_nonzero without the sanitizer's check on every load: a
 * check op scans every mapped byte, up to the whole arena, and the
 * instrumented loads made that about ten times slower in the ASan and
 * fuzzing builds. Safe because the walk has just confirmed that the leaf
 * maps an allocated (so unpoisoned) block. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_ASAN __attribute__((no_sanitize("address")))
#endif
#elif defined(__SANITIZE_ADDRESS__)
#define NO_ASAN __attribute__((no_sanitize_address))
#endif
#ifndef NO_ASAN
#define NO_ASAN
#endif

NO_ASAN static long leaf_first_nonzero(const uint8_t *p, size_t len)
{
	size_t i = 0;

	for (; i + 64 <= len; i += 64) {
		uint64_t w[8];

		memcpy(w, p + i, sizeof(w)); /* gaps start anywhere: unaligned */
		if (w[0] | w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7])
			break;
	}
	for (; i < len; i++)
		if (p[i])
			return (long)i;
	return -1;
}

static bool gap_ok(struct leaf_cmp *c, size_t end)
{
	long z = leaf_first_nonzero(c->p + c->pos, end - c->pos);

	if (z < 0)
		return true;
	c->bad = true;
	c->bad_off = c->pos + (size_t)z;
	c->want = 0;
	c->got = c->p[c->bad_off];
	return false;
}

static void cmp_byte(void *arg, uint64_t addr, uint8_t val)
{
	struct leaf_cmp *c = arg;
	size_t off = (size_t)(addr - c->va);

	if (c->bad || !gap_ok(c, off))
		return;
	if (c->p[off] != val) {
		c->bad = true;
		c->bad_off = off;
		c->want = val;
		c->got = c->p[off];
		return;
	}
	c->pos = off + 1;
}

static bool contents_leaf(struct exec *e, int id, uintptr_t va, int level, pte_t pte)
{
	size_t size = LEVEL_SIZE(level);
	struct leaf_cmp c = { .p = (const uint8_t *)(uintptr_t)PTE2PA(pte), .va = va };
	struct as_vma v;

	/* The kernel's mm_check panics on this first; kept so the contents
	 * check never compares against bytes of the wrong mapping. */
	if (!asm_find_vma(e->as, id, va, &v) || v.end - va < size) {
		diverge(e, "vm.leaf-outside-vma", "m%d: every leaf inside one VMA", id);
		diverge_actual(e, "a level-%d leaf at %#lx", level, (unsigned long)va);
		return false;
	}
	asm_for_each_byte_in(e->as, id, va, va + size, cmp_byte, &c);
	if (!c.bad && gap_ok(&c, size))
		return true;
	diverge(e, "vm.contents", "m%d byte at %#lx: %#x (model)", id,
		(unsigned long)(va + c.bad_off), c.want);
	diverge_actual(e, "%#x, in pfn offset %lu (a %s leaf)", c.got,
		       (unsigned long)((PTE2PA(pte) + c.bad_off) >> PAGE_SHIFT) - e->arena.base_pfn,
		       level ? "2 MiB" : "4 KiB");
	return false;
}

static bool contents_table(struct exec *e, int id, pagetable_t pt, int level, uintptr_t base)
{
	for (int i = 0; i < PTRS_PER_PT; i++) {
		pte_t pte = pt[i];
		uintptr_t va = base + ((uintptr_t)i << PXSHIFT(level));

		if (!(pte & PTE_V))
			continue;
		if (PTE_LEAF(pte)) {
			if (!contents_leaf(e, id, va, level, pte))
				return false;
		} else if (level > 0 &&
			   !contents_table(e, id, (pagetable_t)PTE2PA(pte), level - 1, va)) {
			return false;
		}
	}
	return true;
}

/* Needs a fresh tally without divergence: every leaf then maps live
 * memory, so reading it is safe. */
static bool oracle_contents(struct exec *e)
{
	for (int i = 0; i < NR_MM_SLOTS; i++)
		if (e->mms[i].live && !contents_table(e, i, e->mms[i].mm->pgd, PT_LEVELS - 1, 0))
			return false;
	return true;
}

bool oracle_page_tables(struct exec *e)
{
	const struct pt_page *t = e->pt_tally->page;

	if (!tally_all(e, true))
		return false;
	for (unsigned long off = 0; off < e->arena.nr_pfns; off++) {
		if (!t[off].shared && t[off].maps > 1 && t[off].writable) {
			diverge(e, "vm.shared-writable",
				"a private page mapped %u times to be writable in none of them",
				t[off].maps);
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
	return oracle_contents(e) && account(e, VM_AT_CHECK);
}
