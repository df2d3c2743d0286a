/* The vmalloc and vmap ops, judged against the window model
 * (vmalloc_model.h).
 *
 * An area lives in an object handle ("o3 = vmalloc 12K", "vfree o3",
 * "o4 = vmap p2", "vunmap o4"): a handle holds an object or an area,
 * never both, because every op that binds a handle releases what it held
 * first (obj_slot_release). kfree of an area's handle, like vfree of an
 * object's or of a vmap area, finds nothing live of its kind and does
 * nothing, as for an empty handle. A vmap area maps a page block the
 * program holds; before the block is freed its areas are vunmapped, as a
 * caller must.
 *
 * The window's table exists from a program's first vmalloc op to its end
 * (the host has no kernel map of its own), so programs without vmalloc
 * allocate exactly what they did before. The harness reads and writes an
 * area as kernel code does: through the software MMU, so contents are
 * checked through the very leaves and TLB the kernel maintains; the
 * structural checks read the table directly (pt_probe) and never touch
 * the TLB.
 *
 * After every vmalloc op and at check:
 *  - placement is exactly the model's (lowest gap holding the pages and
 *    a guard page), and NULL only when the model has no gap, a fault was
 *    injected, or the buddy legally ran out;
 *  - every page of a live area is a 4 KiB leaf R|W|G (no U, no X) onto
 *    an allocated order-0 vmalloc block, and contents are as stamped
 *    (zero after vzalloc); a vmap area's page i is page i of its block,
 *    and reads through the MMU what the block holds;
 *  - no leaf in the window outside the live areas' pages (guards, freed
 *    areas, a failed call's pages), and after vfree or vunmap no page of
 *    the area translates through the MMU (a TLB entry left unflushed);
 *  - vmalloc blocks in the buddy model == pages of the live areas. */
#include <stdlib.h>
#include <string.h>

#include "mm/vmalloc.h"
#include "mmu.h"
#include "world.h"

#define VM_LEAF_BITS (PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_G)

static uint64_t page_seed(uint64_t seed, uintptr_t i)
{
	return seed + i * 0x9e3779b97f4a7c15ull;
}

/* The window's table, made at the first vmalloc op; false if that
 * allocation failed (judged here). */
static bool window_ready(struct exec *e)
{
	if (e->vm_kpt)
		return true;
	e->vm_kpt = uvmcreate();
	if (!e->vm_kpt) {
		if (!e->injected && !e->page_fail_legal) {
			diverge(e, "vmalloc.spurious-failure",
				"the window's root table to be allocated: no allocation failed");
			diverge_actual(e, "NULL");
		}
		return false;
	}
	vmalloc_init(e->vm_kpt);
	vmm_reset(&e->vmodel, VMALLOC_START, VMALLOC_END, PAGE_SIZE);
	return true;
}

/* Page i of area slot: its leaf, checked before anything reads through it. */
static bool check_leaf(struct exec *e, int slot, uintptr_t i)
{
	const struct vm_slot *v = &e->vms[slot];
	uintptr_t va = v->addr + i * PAGE_SIZE;
	struct pt_probe p;
	unsigned long head, pfn;
	unsigned int order, cls;

	if (!pt_probe(e, e->vm_kpt, va, &p) || !(p.pte & PTE_V) || !PTE_LEAF(p.pte) ||
	    p.level != 0) {
		diverge(e, "vmalloc.mapping", "o%d page %lu (%#lx): a 4 KiB leaf", slot,
			(unsigned long)i, (unsigned long)va);
		diverge_actual(e, "%s at level %d",
			       (p.pte & PTE_V) ? "a leaf or table of another level" : "no leaf",
			       p.level);
		return false;
	}
	if ((p.pte & VM_LEAF_BITS) != (PTE_V | PTE_R | PTE_W | PTE_G)) {
		diverge(e, "vmalloc.mapping", "o%d page %lu (%#lx): V|R|W|G, no X or U", slot,
			(unsigned long)i, (unsigned long)va);
		diverge_actual(e, "pte bits %#llx", (unsigned long long)PTE_FLAGS(p.pte));
		return false;
	}
	pfn = PTE2PA(p.pte) >> PAGE_SHIFT;
	if (v->block >= 0) {
		if (pfn == pfn_of(e->pages[v->block].addr) + i)
			return true;
		diverge(e, "vmalloc.mapping", "o%d page %lu (%#lx): page %lu of p%d", slot,
			(unsigned long)i, (unsigned long)va, (unsigned long)i, v->block);
		diverge_actual(e, "a leaf onto another page");
		return false;
	}
	if (!bm_find_allocated(e->model, pfn, &head, &order, &cls) || head != pfn || order ||
	    cls != PGC_VMALLOC) {
		diverge(e, "vmalloc.mapping",
			"o%d page %lu (%#lx): a leaf onto an allocated order-0 vmalloc block", slot,
			(unsigned long)i, (unsigned long)va);
		diverge_actual(e, "a leaf onto another page");
		return false;
	}
	return true;
}

/* Where page i of a vmap area's contents differ from its block's, or -1. */
static long block_differs(struct exec *e, const struct vm_slot *v, uintptr_t i)
{
	const uint8_t *p = (const uint8_t *)e->pages[v->block].addr + i * PAGE_SIZE;

	for (size_t off = 0; off < PAGE_SIZE; off++)
		if (e->vm_buf[off] != p[off])
			return (long)off;
	return -1;
}

/* Every page's leaf, then its contents through the MMU: the stamps, or
 * zeroes right after vzalloc (fresh), or a vmap area's block. */
static bool check_area(struct exec *e, int slot, bool fresh)
{
	const struct vm_slot *v = &e->vms[slot];
	uint8_t *buf = e->vm_buf;

	for (uintptr_t i = 0; i < v->pages; i++) {
		uintptr_t va = v->addr + i * PAGE_SIZE;
		long off;

		if (!check_leaf(e, slot, i))
			return false;
		if (fresh && !v->zero && v->block < 0)
			continue;
		if (mmu_copy_in(e->vm_kpt, buf, va, PAGE_SIZE, 0, NULL) != MMU_OK) {
			diverge(e, "vmalloc.mapping", "o%d page %lu (%#lx): readable by the kernel",
				slot, (unsigned long)i, (unsigned long)va);
			diverge_actual(e, "the MMU faults");
			return false;
		}
		if (v->block >= 0)
			off = block_differs(e, v, i);
		else if (fresh)
			off = first_nonzero(buf, PAGE_SIZE);
		else
			off = tag_verify_block(buf, PAGE_SIZE, page_seed(v->seed, i));
		if (off >= 0) {
			diverge(e, "vmalloc.contents", "o%d byte %lu: %s", slot,
				(unsigned long)(i * PAGE_SIZE + (uintptr_t)off),
				v->block >= 0 ? "as the mapped block holds"
				: fresh       ? "zero (vzalloc)"
					      : "as written while the area is live");
			diverge_actual(e, "%#x", buf[off]);
			return false;
		}
	}
	return true;
}

static bool stamp_area(struct exec *e, int slot)
{
	const struct vm_slot *v = &e->vms[slot];

	for (uintptr_t i = 0; i < v->pages; i++) {
		uintptr_t va = v->addr + i * PAGE_SIZE;

		tag_stamp_block(e->vm_buf, PAGE_SIZE, page_seed(v->seed, i));
		if (mmu_copy_out(e->vm_kpt, va, e->vm_buf, PAGE_SIZE, 0, NULL) != MMU_OK) {
			diverge(e, "vmalloc.mapping", "o%d page %lu (%#lx): writable by the kernel",
				slot, (unsigned long)i, (unsigned long)va);
			diverge_actual(e, "the MMU faults");
			return false;
		}
	}
	return true;
}

/* No leaf in the window but the live areas' pages. The window is 16 MiB
 * inside one level-2 entry: eight level-1 entries at most. */
static bool check_window(struct exec *e)
{
	for (uintptr_t va = VMALLOC_START; va < VMALLOC_END;) {
		struct pt_probe p;

		if (!pt_probe(e, e->vm_kpt, va, &p))
			return true; /* a bad table: the vm.* structure oracles say so */
		if (!(p.pte & PTE_V)) {
			va = (va & ~(LEVEL_SIZE(p.level) - 1)) + LEVEL_SIZE(p.level);
			continue;
		}
		if (!PTE_LEAF(p.pte) || p.level != 0 || vmm_find(&e->vmodel, va) < 0) {
			int near = vmm_find(&e->vmodel, va - PAGE_SIZE);

			diverge(e, "vmalloc.stray-mapping",
				"no leaf in the window outside the live areas' pages");
			diverge_actual(e, "a level-%d leaf at %#lx%s", p.level, (unsigned long)va,
				       near >= 0 ? ", the guard page of a live area" : "");
			return false;
		}
		va += PAGE_SIZE;
	}
	return true;
}

static bool check_pages(struct exec *e)
{
	unsigned long got = bm_nr_allocated_class(e->model, PGC_VMALLOC), want = 0;

	for (int i = 0; i < NR_OBJ_SLOTS; i++)
		if (e->vms[i].live && e->vms[i].block < 0)
			want += (unsigned long)e->vms[i].pages;
	if (got == want)
		return true;
	diverge(e, "vmalloc.pages", "%lu vmalloc blocks allocated (the live areas' pages)", want);
	diverge_actual(e, "%lu", got);
	return false;
}

static bool check_all(struct exec *e)
{
	return check_window(e) && check_pages(e);
}

/* A new area's address against the model's: true if it is a live area
 * now (recorded in the model). */
static bool judge_area(struct exec *e, const struct op *op, const char *call, uintptr_t want,
		       uintptr_t got, uintptr_t pages)
{
	digest_add(e, got);
	if (!got) {
		if (want && !e->injected && !e->page_fail_legal) {
			diverge(e, "vmalloc.spurious-failure",
				"%s of %lu page(s) at %#lx: the gap fits and no allocation failed",
				call, (unsigned long)pages, (unsigned long)want);
			diverge_actual(e, "NULL");
			return false;
		}
		check_all(e);
		return false;
	}
	if (got != want || !vmm_insert(&e->vmodel, op->dst, got, pages)) {
		if (want)
			diverge(e, "vmalloc.placement",
				"%lu page(s) at %#lx: the lowest gap that holds them and a guard page",
				(unsigned long)pages, (unsigned long)want);
		else
			diverge(e, "vmalloc.placement",
				"NULL: 0 bytes, or no gap holds %lu page(s) and a guard page",
				(unsigned long)pages);
		diverge_actual(e, "%#lx", (unsigned long)got);
		return false;
	}
	return true;
}

static void do_vmalloc(struct exec *e, const struct op *op)
{
	bool zero = op->gfp & OPG_ZERO;
	uintptr_t pages = ((uintptr_t)op->size + PAGE_SIZE - 1) / PAGE_SIZE;
	uintptr_t want, got;

	obj_slot_release(e, op->dst);
	if (diverged(e) || !window_ready(e))
		return;
	want = (uintptr_t)vmm_place(&e->vmodel, pages);
	got = (uintptr_t)(zero ? vzalloc(op->size) : vmalloc(op->size));
	if (!judge_area(e, op, zero ? "vzalloc" : "vmalloc", want, got, pages))
		return;
	e->vms[op->dst] = (struct vm_slot){ .live = true,
					    .addr = got,
					    .pages = pages,
					    .zero = zero,
					    .block = -1,
					    .seed = tag_seed(e, (unsigned int)op->dst) };
	if (check_area(e, op->dst, true) && stamp_area(e, op->dst))
		check_all(e);
}

static void do_vmap(struct exec *e, const struct op *op)
{
	const struct page_slot *s = &e->pages[op->src];
	uintptr_t pages = (uintptr_t)1 << s->order, want, got;
	struct page **arr;

	if (!s->live)
		return; /* nothing to map, as kmem_cache_alloc of no cache */
	obj_slot_release(e, op->dst);
	if (diverged(e) || !window_ready(e))
		return;
	arr = malloc(pages * sizeof(*arr));
	if (!arr) {
		diverge(e, "harness.init", "memory for a vmap page array");
		diverge_actual(e, "malloc failed");
		return;
	}
	for (uintptr_t i = 0; i < pages; i++)
		arr[i] = pfn_to_page(pfn_of(s->addr) + i);
	want = (uintptr_t)vmm_place(&e->vmodel, pages);
	got = (uintptr_t)vmap(arr, (unsigned int)pages);
	free(arr);
	if (!judge_area(e, op, "vmap", want, got, pages))
		return;
	e->vms[op->dst] = (struct vm_slot){
		.live = true, .addr = got, .pages = pages, .block = op->src
	};
	if (check_area(e, op->dst, false))
		check_all(e);
}

/* After an area went: its leaves are gone (check_all), and no page of it
 * still translates, as one would from a TLB entry the kernel did not
 * flush (the contents check just read the area through the MMU, so its
 * last pages are in the TLB). */
static void check_flushed(struct exec *e, const struct vm_slot *v)
{
	for (uintptr_t i = 0; i < v->pages; i++) {
		uintptr_t va = v->addr + i * PAGE_SIZE;
		struct mmu_result r = mmu_translate(e->vm_kpt, va, MMU_READ);

		if (r.fault == MMU_OK) {
			diverge(e, "vmalloc.stale-tlb", "%#lx: a fault, the area was unmapped",
				(unsigned long)va);
			diverge_actual(e, "translated%s", r.tlb_hit ? ", from the TLB" : "");
			return;
		}
	}
}

void vm_slot_release(struct exec *e, int slot)
{
	struct vm_slot *v = &e->vms[slot];

	if (!v->live || !check_area(e, slot, false))
		return;
	if (v->block >= 0)
		vunmap((void *)v->addr);
	else
		vfree((void *)v->addr);
	v->live = false;
	vmm_remove(&e->vmodel, slot);
	if (check_all(e))
		check_flushed(e, v);
}

/* vfree of a vmap area, vunmap of a vmalloc one: the kernel would panic
 * (a caller bug); the harness treats the handle as holding nothing. */
static void release_kind(struct exec *e, int slot, bool vmapped)
{
	if (e->vms[slot].live && (e->vms[slot].block >= 0) == vmapped)
		vm_slot_release(e, slot);
}

void vmap_block_released(struct exec *e, int page_slot)
{
	for (int i = 0; i < NR_OBJ_SLOTS && !diverged(e); i++)
		if (e->vms[i].live && e->vms[i].block == page_slot)
			vm_slot_release(e, i);
}

bool vmalloc_check_all(struct exec *e)
{
	if (!e->vm_kpt)
		return true;
	for (int i = 0; i < NR_OBJ_SLOTS; i++)
		if (e->vms[i].live && !check_area(e, i, false))
			return false;
	return check_all(e);
}

/* The end of a program: every area was freed (release_all), so the
 * window holds no table below its root. */
void vmalloc_world_release(struct exec *e)
{
	if (!e->vm_kpt)
		return;
	freewalk(e->vm_kpt);
	e->vm_kpt = NULL;
}

void vmalloc_world_reset(struct exec *e)
{
	memset(e->vms, 0, sizeof(e->vms));
	e->vm_kpt = NULL;
}

void op_vmalloc(struct exec *e, const struct op *op)
{
	switch ((enum op_kind)op->kind) {
	case OP_VMALLOC:
		do_vmalloc(e, op);
		return;
	case OP_VFREE:
		release_kind(e, op->dst, false);
		return;
	case OP_VMAP:
		do_vmap(e, op);
		return;
	case OP_VUNMAP:
		release_kind(e, op->dst, true);
		return;
	case OP_CASES_PAGE:
	case OP_CASES_SLAB:
	case OP_CASES_MM:
	case OP_CASES_CONTROL:
	case OP_KVMMAKE:
	case OP_ALIGNED_ALLOC:
	case NR_OPS:
		break;
	}
	exec_bad_op(e, op, "op_vmalloc");
}
