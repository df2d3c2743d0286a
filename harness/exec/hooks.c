/* The kernel's tracepoints and fault-injection hook, wired to the model.
 * Every buddy block the kernel hands out or takes back - for the harness,
 * for slab pages, for large kmallocs - reaches the buddy model here, so the
 * model knows the kernel's own allocations too. */
#include <string.h>

#include "world.h"

const char *bm_status_check(enum bm_status s)
{
	switch (s) {
	case BM_NOT_FREE:
		return "buddy.alloc-not-free";
	case BM_MISALIGNED:
		return "buddy.misaligned";
	case BM_OUT_OF_RANGE:
		return "buddy.out-of-range";
	case BM_BAD_ORDER:
		return "buddy.bad-order";
	case BM_WRONG_ORDER:
		return "buddy.free-wrong-order";
	case BM_OK:
	case BM_NOT_ALLOCATED:
		break;
	}
	return "buddy.free-unallocated";
}

/* Every page allocation consults the fault injector first, once, with
 * the block's size in bytes (saturated for an order no size_t holds) and
 * the gfp it allocates with: the injector's verdict - and the legality
 * the harness derives from the size - is only as right as that. */
static void judge_consult(struct exec *e, unsigned int order, unsigned int pgc, const gfp_t *gfp)
{
	size_t bytes = order >= sizeof(size_t) * 8 - PAGE_SHIFT ? SIZE_MAX
								: (size_t)PAGE_SIZE << order;
	bool ok = e->consulted && e->consult_size == bytes && gfp_class(e->consult_gfp) == pgc &&
		  (!gfp || *gfp == e->consult_gfp);

	if (!ok && !diverged(e)) {
		diverge(e, "buddy.hook-args",
			"the order-%u %s allocation to consult the fault "
			"injector with %zu bytes and its own gfp",
			order, page_class_name(pgc), bytes);
		if (e->consulted)
			diverge_actual(e, "the last consultation: %zu bytes, gfp %#lx (class %s)",
				       e->consult_size, (unsigned long)e->consult_gfp,
				       page_class_name(gfp_class(e->consult_gfp)));
		else
			diverge_actual(e, "no consultation since the last allocation");
	}
	e->consulted = false;
}

/* The VM layer maps 4 KiB pages and 2 MiB superpages only, and its
 * tables are single pages: any other order is memory it cannot map whole
 * (or a table page that is not one page). */
static bool vm_order_ok(unsigned int order, unsigned int pgc)
{
	if (pgc == PGC_USER || pgc == PGC_COW)
		return order == 0 || order == SUPERPAGE_ORDER;
	return pgc != PGC_PGTABLE || order == 0;
}

static void on_page_alloc(void *ctx, unsigned long pfn, unsigned int order, unsigned int pgc)
{
	struct exec *e = ctx;
	enum bm_status s = BM_OK;

	judge_consult(e, order, pgc, NULL);
	/* judged on the state the kernel chose from */
	switch (pcp_judge_alloc(e, pfn, order, pgc)) {
	case PCP_NOT_PARKING:
		if (!diverged(e))
			zone_judge_alloc(e, pfn, order, e->consult_gfp);
		if (!diverged(e))
			migrate_judge_alloc(e, pfn, order, e->consult_gfp);
		/* fall through */
	case PCP_FROM_BUDDY:
		s = bm_alloc(e->model, pfn, order, pgc);
		break;
	case PCP_FROM_LIST:
		break;
	}
	pcp_request_end(e);
	if (!vm_order_ok(order, pgc)) {
		diverge(e, "vm.page-order", "a %s block of order 0%s", page_class_name(pgc),
			pgc == PGC_PGTABLE ? "" : " or 9 (2 MiB)");
		diverge_actual(e, "order %u", order);
	}

	if (pgc == PGC_HARNESS && s == BM_OK) {
		e->traced_alloc_pfn = pfn;
		e->traced_alloc_order = (int)order;
	}
	if (pgc == PGC_PGTABLE)
		e->pgtable_allocs++;
	if (s != BM_OK) {
		diverge(e, bm_status_check(s), "an entirely free, aligned block of order %u",
			order);
		diverge_actual(e, "%s block at pfn offset %lu (order %u): %s", page_class_name(pgc),
			       pfn - e->arena.base_pfn, order, bm_status_name(s));
	}
}

static void on_page_free(void *ctx, unsigned long pfn, unsigned int order, unsigned int pgc)
{
	struct exec *e = ctx;
	enum bm_status s = pcp_takes_free(e, pfn, order) ? BM_OK : bm_free(e->model, pfn, order);

	if (s == BM_OK && !pfn_parked(e, pfn))
		migrate_note_free(e, pfn);
	if (pgc == PGC_HARNESS && s == BM_OK) {
		e->traced_free_pfn = pfn;
		e->traced_free = true;
	}
	if (s != BM_OK) {
		diverge(e, bm_status_check(s), "the freed block to be allocated with order %u",
			order);
		diverge_actual(e, "%s block at pfn offset %lu: %s", page_class_name(pgc),
			       pfn - e->arena.base_pfn, bm_status_name(s));
	}
}

static void on_page_alloc_fail(void *ctx, unsigned int order, gfp_t gfp)
{
	struct exec *e = ctx;

	judge_consult(e, order, gfp_class(gfp), &gfp);
	pcp_judge_fail(e, order, gfp);
	bool legal = zone_judge_fail(e, order, gfp, e->injected);

	pcp_request_end(e);
	if (!legal)
		return;
	e->page_fail_legal = true;
	if (order < SUPERPAGE_ORDER)
		e->small_fail = true;
	if (order == SUPERPAGE_ORDER)
		e->big_fail = true;
}

static void on_page_alloc_warn(void *ctx, unsigned int order, gfp_t gfp)
{
	struct exec *e = ctx;

	(void)order;
	(void)gfp;
	e->warned++;
}

static bool should_fail(struct exec *e, gfp_t gfp, size_t size)
{
	/* As Linux's fail_page_alloc: a caller that cannot fail is never
	 * picked, and does not count towards the n-th. */
	if (gfp & __GFP_NOFAIL)
		return false;
	if (e->fail_in == 0 || --e->fail_in > 0)
		return false;
	e->injected = true;
	e->injected_grow = gfp_class(gfp) == PGC_SLAB;
	if (size < SUPERPGSIZE)
		e->small_fail = true;
	if (size == SUPERPGSIZE)
		e->big_fail = true;
	return true;
}

static bool on_should_fail(void *ctx, gfp_t gfp, size_t size)
{
	struct exec *e = ctx;
	bool fail = should_fail(e, gfp, size);

	pcp_request_begin(e);
	/* An injected failure ends the allocation: nothing will trace it. */
	e->consulted = !fail;
	e->consult_gfp = gfp;
	e->consult_size = size;
	return fail;
}

static struct host_hooks hooks;

void hooks_attach(struct exec *e)
{
	memset(&hooks, 0, sizeof(hooks));
	hooks.ctx = e;
	hooks.should_fail = on_should_fail;
	/* Only the kernel's buddy reports its blocks; for another allocator the
	 * harness feeds the model from the interface (ops_page.c). */
	hooks.page_alloc = e->traced ? on_page_alloc : NULL;
	hooks.page_free = e->traced ? on_page_free : NULL;
	hooks.page_alloc_fail = e->traced ? on_page_alloc_fail : NULL;
	hooks.page_alloc_warn = e->traced ? on_page_alloc_warn : NULL;
	if (e->traced) {
		slab_model_hooks(&hooks);
		pcp_hooks(&hooks);
	}
	cpus_hooks(&hooks);
	hooks.panic = crash_on_panic;
	host_set_hooks(&hooks);
}

void hooks_detach(void)
{
	host_set_hooks(NULL);
}

bool inject_now(struct exec *e)
{
	return should_fail(e, 0, 0);
}
