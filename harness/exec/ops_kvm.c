/* The kvmmake op: build the kernel's identity map for a qemu-virt-like
 * machine, check it with the harness's own page-table walk, free it.
 * The layout is what the freestanding kernel maps (test finisher, PLIC,
 * UART, kernel text read-execute, the rest of RAM read-write) with the
 * text and RAM sizes taken from the op, so region ends fall on and off
 * superpage boundaries; fault injection reaches every table page the
 * build allocates, and a failed build must give every one back. */
#include <stdio.h>

#include "mm/vm.h"
#include "world.h"

#define VIRT_TEST 0x100000ul
#define VIRT_PLIC 0x0c000000ul
#define VIRT_PLIC_SIZE 0x400000ul
#define VIRT_UART 0x10000000ul
/* OpenSBI owns the first 2 MiB of RAM; the kernel is loaded after it. */
#define KERNEL_BASE 0x80200000ul
#define KVM_MAX_RAM (64ul << 20)
#define KVM_MAX_TEXT_PAGES 2048u

#define NR_KVM_REGIONS 6

struct kvm_layout {
	struct kvm_region r[NR_KVM_REGIONS];
	int n;
	unsigned long pages; /* 4 KiB pages over all regions */
	bool invalid;        /* the edge region must be refused (-EINVAL) */
};

/* The edge regions (OPK_*): pa and size, and whether the build must
 * refuse them. Each is mapped first, so a refusal that comes before any
 * mapping leaves the root the only table allocated. */
static const struct {
	phys_addr_t pa;
	size_t size;
	bool invalid;
} kvm_edges[NR_KVM_EDGES] = {
	[OPK_EMPTY] = { 0x90000000ul, 0, true },
	[OPK_UNALIGNED_PA] = { 0x90000001ul, 4ul << 20, true },
	[OPK_UNALIGNED_SIZE] = { 0x90000000ul - PAGE_SIZE, SUPERPGSIZE + PAGE_SIZE + 1, true },
	[OPK_WRAP] = { (phys_addr_t)0 - SUPERPGSIZE, 2 * SUPERPGSIZE, true },
	[OPK_TOP] = { MAXVA - SUPERPGSIZE - PAGE_SIZE, SUPERPGSIZE + PAGE_SIZE, false },
	[OPK_PAST_TOP] = { MAXVA, SUPERPGSIZE + PAGE_SIZE, true },
	[OPK_STRADDLE] = { MAXVA - SUPERPGSIZE, 2 * SUPERPGSIZE, true },
};

static void add_region(struct kvm_layout *l, phys_addr_t pa, size_t size, pte_t perm)
{
	if (!size)
		return;
	l->r[l->n++] = (struct kvm_region){ .pa = pa, .size = size, .perm = perm };
	l->pages += size / PAGE_SIZE;
}

static void kvm_layout(const struct op *op, struct kvm_layout *l)
{
	size_t text = ((size_t)op->pgoff % KVM_MAX_TEXT_PAGES + 1) * PAGE_SIZE;
	size_t ram = ((size_t)op->size % KVM_MAX_RAM + PAGE_SIZE - 1) & ~(size_t)(PAGE_SIZE - 1);

	/* gap: RAM a superpage further on, so its first part needs a table
	 * of its own (the text's does not reach it) */
	unsigned int edge = op->raw < NR_KVM_EDGES ? op->raw : OPK_NONE;
	phys_addr_t gap = edge == OPK_GAP ? SUPERPGSIZE : 0;

	*l = (struct kvm_layout){ .n = 0 };
	if (edge != OPK_NONE && edge != OPK_GAP) {
		l->invalid = kvm_edges[edge].invalid;
		/* an empty region too: add_region would drop it */
		l->r[l->n++] = (struct kvm_region){ .pa = kvm_edges[edge].pa,
						    .size = kvm_edges[edge].size,
						    .perm = PTE_R | PTE_W | PTE_G };
		l->pages += kvm_edges[edge].size / PAGE_SIZE;
	}
	add_region(l, VIRT_TEST, PAGE_SIZE, PTE_R | PTE_W | PTE_G);
	add_region(l, VIRT_PLIC, VIRT_PLIC_SIZE, PTE_R | PTE_W | PTE_G);
	add_region(l, VIRT_UART, PAGE_SIZE, PTE_R | PTE_W | PTE_G);
	add_region(l, KERNEL_BASE, text, PTE_R | PTE_X | PTE_G);
	if (ram > text)
		add_region(l, KERNEL_BASE + text + gap, ram - text, PTE_R | PTE_W | PTE_G);
}

struct kvm_walk {
	struct exec *e;
	const struct kvm_layout *l;
	unsigned long pages, tables;
	bool bad;
};

static const struct kvm_region *region_of(const struct kvm_layout *l, uintptr_t va)
{
	for (int i = 0; i < l->n; i++)
		if (va >= l->r[i].pa && va - l->r[i].pa < l->r[i].size)
			return &l->r[i];
	return NULL;
}

static void kvm_bad(struct kvm_walk *w, uintptr_t va, const char *expected, const char *actual)
{
	if (w->bad)
		return;
	w->bad = true;
	diverge(w->e, "kvm.layout", "va %#lx: %s", (unsigned long)va, expected);
	diverge_actual(w->e, "%s", actual);
}

/* The build's policy, checked leaf by leaf: identity, the region's bits
 * and no U, inside one region, and a 2 MiB leaf wherever a whole aligned
 * 2 MiB block lies inside the region (never a 4 KiB leaf there). */
static void check_leaf(struct kvm_walk *w, uintptr_t va, pte_t pte, int level)
{
	uintptr_t size = LEVEL_SIZE(level), sp = va & ~(LEVEL_SIZE(1) - 1);
	const struct kvm_region *r = region_of(w->l, va);

	w->pages += size / PAGE_SIZE;
	if (!r || va + size - r->pa > r->size)
		return kvm_bad(w, va, "every leaf inside one region", "a leaf outside them");
	if (PTE2PA(pte) != va)
		return kvm_bad(w, va, "pa == va", "another pa");
	if ((pte & (PTE_RWX | PTE_U | PTE_G)) != r->perm)
		return kvm_bad(w, va, "the region's R/W/X/G bits and no U", "other bits");
	if (level > 1)
		return kvm_bad(w, va, "no leaf above 2 MiB", "a gigapage leaf");
	if (level == 0 && sp >= r->pa && sp + LEVEL_SIZE(1) - r->pa <= r->size)
		kvm_bad(w, va, "a 2 MiB leaf for a whole aligned block", "4 KiB leaves");
}

static void walk_kvm(struct kvm_walk *w, pagetable_t pt, int level, uintptr_t base)
{
	w->tables++;
	for (int i = 0; i < PTRS_PER_PT && !w->bad; i++) {
		pte_t pte = pt[i];
		uintptr_t va = base + ((uintptr_t)i << PXSHIFT(level));

		if (!(pte & PTE_V))
			continue;
		if (PTE_LEAF(pte))
			check_leaf(w, va, pte, level);
		else if (level == 0)
			kvm_bad(w, va, "a leaf at level 0", "a pointer to a table");
		else
			walk_kvm(w, (pagetable_t)PTE2PA(pte), level - 1, va);
	}
}

static void count_table(void *arg, unsigned long pfn, unsigned int order, unsigned int cls)
{
	(void)pfn;
	if (cls == PGC_PGTABLE)
		*(unsigned long *)arg += 1ul << order;
}

static unsigned long table_pages(const struct exec *e)
{
	unsigned long n = 0;

	bm_for_each_allocated(e->model, count_table, &n);
	return n;
}

static void kvm_leak_check(struct exec *e, unsigned long before, const char *when)
{
	unsigned long now = table_pages(e);

	if (now == before)
		return;
	diverge(e, "kvm.leak", "%s: %lu page-table pages allocated, as before kvmmake", when,
		before);
	diverge_actual(e, "%lu", now);
}

/* A region no identity map can hold: the build fails, and checks its
 * arguments before it maps (the root is allocated first, nothing after). */
static void kvm_refused(struct exec *e, const struct kvm_region *r, pagetable_t pt,
			unsigned long tables)
{
	if (pt) {
		diverge(e, "kvm.result",
			"kvmmake to fail (-EINVAL): region [%#lx, +%#lx) is "
			"empty, misaligned, wrapping or past MAXVA",
			(unsigned long)r->pa, (unsigned long)r->size);
		diverge_actual(e, "a page table");
	} else if (tables > 1) {
		diverge(e, "kvm.result",
			"kvmmake to refuse region [%#lx, +%#lx) before mapping "
			"it: no page-table page but the root allocated",
			(unsigned long)r->pa, (unsigned long)r->size);
		diverge_actual(e, "%lu page-table pages allocated", tables);
	}
}

void op_kvmmake(struct exec *e, const struct op *op)
{
	struct kvm_layout l;
	unsigned long before = table_pages(e);
	pagetable_t pt;

	unsigned long allocs = e->pgtable_allocs;

	kvm_layout(op, &l);
	pt = kvmmake(l.r, l.n);
	if (l.invalid) {
		kvm_refused(e, &l.r[0], pt, e->pgtable_allocs - allocs);
		if (pt)
			kvmfree(pt);
		if (!diverged(e))
			kvm_leak_check(e, before, "after a refused kvmmake");
		return;
	}
	if (!pt) {
		if (!e->injected && !e->page_fail_legal) {
			diverge(e, "kvm.result", "kvmmake to succeed: no allocation failed");
			diverge_actual(e, "NULL");
			return;
		}
		kvm_leak_check(e, before, "after a failed kvmmake");
		return;
	}

	struct kvm_walk w = { .e = e, .l = &l };
	walk_kvm(&w, pt, PT_LEVELS - 1, 0);
	if (!w.bad && w.pages != l.pages) {
		diverge(e, "kvm.layout", "%lu pages mapped (the regions')", l.pages);
		diverge_actual(e, "%lu", w.pages);
	} else if (!w.bad && table_pages(e) - before != w.tables) {
		diverge(e, "kvm.leak", "kvmmake allocated %lu page-table pages (those reached)",
			w.tables);
		diverge_actual(e, "%lu", table_pages(e) - before);
	}
	kvmfree(pt);
	if (!diverged(e))
		kvm_leak_check(e, before, "after kvmfree");
}
