/* Page-block ops through the page_allocator interface, with the checks
 * that only the harness can make: the block returned is one the model
 * agrees was free, its contents survive, and a failure was allowed. */
#include <string.h>

#include "world.h"

static size_t block_bytes(unsigned int order)
{
	return PAGE_SIZE << order;
}

/* A block is stamped as one object: both ends and the start of every page,
 * where allocators keep their links. */
static void stamp_block(void *p, unsigned int order, uint64_t seed)
{
	tag_stamp_block(p, block_bytes(order), seed);
}

static bool verify_block(struct exec *e, int slot)
{
	struct page_slot *s = &e->pages[slot];
	size_t len = block_bytes(s->order);
	long off = tag_verify_block(s->addr, len, s->seed);

	if (off < 0)
		return true;
	diverge(e, "page.corrupted", "p%d (order %u) to keep the contents written at allocation",
		slot, s->order);
	diverge_actual(e, "byte %ld of the block changed while it was live", off);
	return false;
}

bool pages_verify_all(struct exec *e)
{
	for (int i = 0; i < NR_PAGE_SLOTS; i++)
		if (e->pages[i].live && !verify_block(e, i))
			return false;
	return true;
}

/* A plugged allocator's block enters the model whole when it promises
 * alignment; otherwise as the aligned blocks that tile its run of pages,
 * so a first-fit run at any page is still checked page by page. */
enum bm_status model_tile(struct exec *e, unsigned long pfn, unsigned long end, unsigned int cls,
			  bool take)
{
	while (pfn < end) {
		unsigned int o = 0;
		enum bm_status st;

		while (o < e->pa->max_order && !(pfn & (1ul << o)) && pfn + (2ul << o) <= end)
			o++;
		st = take ? bm_alloc(e->model, pfn, o, cls) : bm_free(e->model, pfn, o);
		if (st != BM_OK)
			return st;
		pfn += 1ul << o;
	}
	return BM_OK;
}

static enum bm_status model_run(struct exec *e, unsigned long pfn, unsigned int order, bool take)
{
	if (e->pa->guarantees & MMRIG_PG_ALIGNED)
		return take ? bm_alloc(e->model, pfn, order, PGC_HARNESS)
			    : bm_free(e->model, pfn, order);
	return model_tile(e, pfn, pfn + (1ul << order), PGC_HARNESS, take);
}

/* For the kernel the tracepoint already told the model; the block the
 * interface returned must be exactly that harness block. */
static bool model_take(struct exec *e, void *p, unsigned int order)
{
	unsigned long pfn = pfn_of(p);

	if ((uintptr_t)p & (PAGE_SIZE - 1)) {
		diverge(e, "buddy.misaligned", "a page-aligned block of order %u", order);
		diverge_actual(e, "address offset %#lx into a page",
			       (unsigned long)((uintptr_t)p & (PAGE_SIZE - 1)));
		return false;
	}
	if (!e->traced) {
		enum bm_status st = model_run(e, pfn, order, true);

		if (st == BM_OK)
			return true;
		diverge(e,
			st == BM_NOT_FREE     ? "buddy.alloc-not-free"
			: st == BM_MISALIGNED ? "buddy.misaligned"
					      : "buddy.out-of-range",
			"an entirely free%s block of order %u",
			e->pa->guarantees & MMRIG_PG_ALIGNED ? ", aligned" : "", order);
		diverge_actual(e, "block at pfn offset %lu: %s", pfn - e->arena.base_pfn,
			       bm_status_name(st));
		return false;
	}
	if (e->traced_alloc_order == (int)order && e->traced_alloc_pfn == pfn)
		return true;
	diverge(e, "buddy.untraced-alloc",
		"the returned block to be the harness block of order %u the allocator reported",
		order);
	diverge_actual(e, "block at pfn offset %lu was not reported as allocated for the harness",
		       pfn - e->arena.base_pfn);
	return false;
}

/* The program's last reference is gone: the block must be free again. */
static void model_give_back(struct exec *e, int slot)
{
	struct page_slot *s = &e->pages[slot];
	unsigned long pfn = pfn_of(s->addr), head;
	unsigned int order, cls;

	if (!e->traced) {
		enum bm_status st = model_run(e, pfn, s->order, false);

		if (st != BM_OK) {
			diverge(e, "buddy.free-unallocated", "p%d to be an allocated block", slot);
			diverge_actual(e, "%s", bm_status_name(st));
		}
		return;
	}
	/* The tracepoint saw this very block go (the common case), or the
	 * model confirms it is no longer allocated. */
	if (e->traced_free && e->traced_free_pfn == pfn)
		return;
	if (bm_find_allocated(e->model, pfn, &head, &order, &cls) && head == pfn) {
		diverge(e, "leak.page-not-freed",
			"p%d (order %u) freed when its last reference was dropped", slot, s->order);
		diverge_actual(e, "the block is still allocated");
	}
}

static void drop_ref(struct exec *e, int slot, bool via_put)
{
	struct page_slot *s = &e->pages[slot];
	/* An allocator with get() keeps its own count, so every drop reaches
	 * it; one without is only told when the last reference goes. */
	bool counted = e->pa->get != NULL;

	if (!verify_block(e, slot))
		return;
	s->refs--;
	if (s->refs > 0 && !counted)
		return;
	if (s->refs == 0)
		vmap_block_released(e, slot); /* vunmap first, as a caller must */
	if (diverged(e))
		return;
	e->traced_free = false;
	if (via_put && e->pa->put)
		e->pa->put(s->addr);
	else
		e->pa->free(s->addr, s->order);
	if (s->refs == 0) {
		s->live = false;
		model_give_back(e, slot);
	}
}

void page_slot_release(struct exec *e, int slot)
{
	while (e->pages[slot].live && !diverged(e))
		drop_ref(e, slot, false);
}

static void do_alloc(struct exec *e, const struct op *op)
{
	struct page_slot *s = &e->pages[op->dst];
	bool zero = op->gfp & OPG_ZERO;
	bool could;
	void *p;

	page_slot_release(e, op->dst);
	if (diverged(e))
		return;
	could = page_model_could(e, op->order);
	e->traced_alloc_order = -1;
	/* The kernel would panic, as its rule says: not a finding, not run. */
	if (e->traced && zone_nofail_would_panic(e, op->order, op_gfp(op->gfp)))
		return;
	if (!e->traced && inject_now(e))
		p = NULL;
	else if (e->al->kind == ALLOC_KERNEL)
		p = kbuddy_alloc_gfp(op->order, op_gfp(op->gfp) | GFP_CLASS(PGC_HARNESS) |
							(gfp_t)op->mt << GFP_MOVABLE_SHIFT);
	else
		p = e->pa->alloc(op->order, zero);
	if (diverged(e)) /* the allocator reported its own error */
		return;
	if (!p) {
		/* the kernel's failures are judged where they happen (hooks.c) */
		if (!e->injected && op->order <= e->pa->max_order && could && !e->traced &&
		    (e->pa->guarantees & MMRIG_PG_NO_SPURIOUS_FAILURE)) {
			diverge(e, "buddy.spurious-failure",
				"an order-%u block: the model has a free block of order %d",
				op->order, bm_max_free_order(e->model));
			diverge_actual(e, "the allocator returned NULL");
		}
		return;
	}
	if (op->order > e->pa->max_order) {
		diverge(e, "buddy.over-max-order", "NULL for order %u > max_order %u", op->order,
			e->pa->max_order);
		diverge_actual(e, "a block was returned");
		return;
	}
	if (!model_take(e, p, op->order))
		return;
	if (zero) {
		long off = first_nonzero(p, block_bytes(op->order));

		if (off >= 0) {
			diverge(e, "page.not-zeroed", "a zeroed order-%u block", op->order);
			diverge_actual(e, "byte %ld is nonzero", off);
			return;
		}
	}
	s->live = true;
	s->addr = p;
	s->order = op->order;
	s->refs = 1;
	s->seed = tag_seed(e, op->dst);
	stamp_block(p, op->order, s->seed);
}

void op_page(struct exec *e, const struct op *op)
{
	struct page_slot *s = &e->pages[op->dst];

	switch ((enum op_kind)op->kind) {
	case OP_ALLOC_PAGES:
		do_alloc(e, op);
		return;
	case OP_FREE_PAGES:
		if (s->live)
			drop_ref(e, op->dst, false);
		return;
	case OP_PUT_PAGE:
		if (s->live)
			drop_ref(e, op->dst, true);
		return;
	case OP_GET_PAGE:
		/* The count is bounded so a long program cannot pin a block
		 * beyond what release_all is willing to drop. */
		if (s->live && s->refs < 1000) {
			if (e->pa->get)
				e->pa->get(s->addr);
			s->refs++;
		}
		return;
	case OP_CASES_SLAB:
	case OP_CASES_MM:
	case OP_CASES_CONTROL:
	case OP_KVMMAKE:
	case OP_ALIGNED_ALLOC:
	case OP_CASES_VMALLOC:
	case NR_OPS:
		break;
	}
	/* another family's kind, or none at all */
	exec_bad_op(e, op, "op_page");
}
