/* Fresh state before every program, by kind of allocator, and the ops each
 * kind can run. The kernel boots by host_mm_reset; a plugged byte
 * allocator boots on a freshly reset kernel (its page source); a plugged
 * page allocator gets the rig's memory itself and may claim some of it. */
#include <string.h>

#include "world.h"

#ifdef HOST_ASAN
#include <sanitizer/asan_interface.h>
#endif

void allocator_op_set(const struct allocator *a, struct op_set *s)
{
	const struct mmrig_byte_allocator *b = a->byte;

	op_set_init(s);
	switch (a->kind) {
	case ALLOC_KERNEL:
		/* The kernel has no aligned kmalloc: every op but that. */
		for (unsigned int k = 0; k < OP_ALIGNED_ALLOC; k++)
			op_set_add(s, k);
		op_set_add(s, OP_VMALLOC);
		op_set_add(s, OP_VFREE);
		op_set_add(s, OP_VMAP);
		op_set_add(s, OP_VUNMAP);
		op_set_add(s, OP_CPU);
		op_set_add(s, OP_PREEMPT);
		op_set_add(s, OP_CACHE_REAP);
		op_set_add(s, OP_DRAIN_ALL_PAGES);
		return;
	case ALLOC_PAGE:
		op_set_add(s, OP_ALLOC_PAGES);
		op_set_add(s, OP_FREE_PAGES);
		op_set_add(s, OP_GET_PAGE);
		op_set_add(s, OP_PUT_PAGE);
		break;
	case ALLOC_BYTE:
		op_set_add(s, OP_KMALLOC);
		if (b->calloc) {
			op_set_add(s, OP_KZALLOC);
			op_set_add(s, OP_KCALLOC);
		}
		if (b->realloc)
			op_set_add(s, OP_KREALLOC);
		op_set_add(s, OP_KFREE);
		if (b->calloc)
			op_set_add(s, OP_KCALLOC_WRAP);
		if (b->aligned_alloc)
			op_set_add(s, OP_ALIGNED_ALLOC);
		break;
	}
	op_set_add(s, OP_FAIL_NTH);
	op_set_add(s, OP_CHECK);
	/* op_set_add keeps insertion order; opcodes follow kind order. */
	struct op_set sorted;

	op_set_init(&sorted);
	for (unsigned int k = 0; k < NR_OPS; k++)
		if (op_set_has(s, k))
			op_set_add(&sorted, k);
	*s = sorted;
}

static int on_claim(void *ctx, uintptr_t start, size_t len)
{
	struct exec *e = ctx;
	unsigned long first = start >> PAGE_SHIFT, end = (start + len) >> PAGE_SHIFT;
	bool inside = false;

	if ((start | len) & (PAGE_SIZE - 1) || !len || e->nr_claims >= MAX_CLAIMS)
		return -1;
	for (int i = 0; i < e->nr_usable; i++)
		if (first >= e->usable[i].start_pfn && end <= e->usable[i].end_pfn)
			inside = true;
	if (!inside)
		return -1;
	e->claims[e->nr_claims++] = (struct mmrig_range){ start, len };
	return 0;
}

static void on_error(void *ctx, const char *func, const char *msg)
{
	struct exec *e = ctx;

	if (diverged(e))
		return;
	diverge(e, "alloc.error", "allocator %s to find its state consistent", e->al->name);
	diverge_actual(e, "%s reported: %s", func, msg);
	snprintf(e->div->func, sizeof(e->div->func), "%s", func);
}

/* The model leaves claimed pages out of the free structure. */
static void model_claims(struct exec *e)
{
	for (int i = 0; i < e->nr_claims; i++) {
		unsigned long pfn = e->claims[i].start >> PAGE_SHIFT;
		unsigned long end = pfn + (e->claims[i].len >> PAGE_SHIFT);

		if (model_tile(e, pfn, end, CLS_CLAIMED, true) != BM_OK) {
			diverge(e, "alloc.claim", "each page claimed at most once");
			diverge_actual(e, "claim %d, at pfn offset %lu, overlaps an earlier one", i,
				       pfn - e->arena.base_pfn);
			return;
		}
	}
}

/* The ranges a page allocator gets: all usable ones, or the largest few
 * it can take. The model starts with exactly those free. */
static int pick_ranges(struct exec *e, struct mmrig_range *out)
{
	struct host_arena *a = &e->arena;
	int n = a->nr_usable, want = e->pa->max_ranges;
	bool used[HOST_MAX_RANGES] = { false };

	if (want <= 0 || want > n)
		want = n;
	for (int k = 0; k < want; k++) {
		int best = -1;

		for (int i = 0; i < n; i++) {
			unsigned long len = a->usable[i].end_pfn - a->usable[i].start_pfn;
			if (!used[i] &&
			    (best < 0 || len > a->usable[best].end_pfn - a->usable[best].start_pfn))
				best = i;
		}
		used[best] = true;
	}
	e->nr_usable = 0;
	for (int i = 0; i < n; i++) {
		if (!used[i])
			continue;
		e->usable[e->nr_usable].start_pfn = a->usable[i].start_pfn;
		e->usable[e->nr_usable].end_pfn = a->usable[i].end_pfn;
		out[e->nr_usable].start = a->usable[i].start_pfn << PAGE_SHIFT;
		out[e->nr_usable].len = (a->usable[i].end_pfn - a->usable[i].start_pfn)
					<< PAGE_SHIFT;
		e->nr_usable++;
	}
	return e->nr_usable;
}

/* The memory is zeroed first so that a program runs the same whatever
 * ran before it in this process (the allocator may keep its links in
 * free memory, and free memory is where the last program's data was). */
static int boot_page_allocator(struct exec *e)
{
	struct mmrig_range given[HOST_MAX_RANGES];
	struct adapter_sink sink = { e, on_claim, on_error };
	int n = pick_ranges(e, given), rc;

#ifdef HOST_ASAN
	__asan_unpoison_memory_region(e->arena.base, e->arena.size);
#endif
	for (int i = 0; i < n; i++)
		memset((void *)given[i].start, 0, given[i].len);
	e->nr_claims = 0;
	adapter_sink_set(&sink);
	rc = e->pa->init(given, n);
	/* Claims are for init only: later ones are refused. */
	sink.claim = NULL;
	adapter_sink_set(&sink);
	/* zones are the kernel's: a plugged allocator has one span */
	bm_set_split(e->model, e->arena.base_pfn + e->arena.nr_pfns);
	bm_reset(e->model, e->usable, e->nr_usable);
	if (rc)
		return -1;
	model_claims(e);
	return 0;
}

void allocator_reset(struct exec *e)
{
	hooks_detach();
	host_cpus_setup(1); /* the boot state: one CPU, no lock held */
	if (e->al->kind == ALLOC_PAGE)
		return;
	host_mm_reset(&e->arena);
	bm_set_split(e->model, e->arena.base_pfn + e->arena.nr_dma32_pfns);
	bm_reset(e->model, e->usable, e->nr_usable);
	mgm_reset(e->mgm);
	zone_model_boot(e);
	slab_model_reset(e->slabs, e->arena.nr_pfns);
}

/* A byte allocator's declared need against the geometry's boot memory. */
static bool source_fits(struct exec *e)
{
	unsigned int order = 0;

	if (!e->ba->min_source_block)
		return true;
	while (order <= MAX_ORDER && ((size_t)PAGE_SIZE << order) < e->ba->min_source_block)
		order++;
	/* as the page source asks (allocators/source.c): watermarks apply */
	return !zone_alloc_fails(e, order, GFP_KERNEL);
}

int allocator_boot(struct exec *e)
{
	struct adapter_sink sink = { e, NULL, on_error };

	if (e->al->kind == ALLOC_PAGE) {
		hooks_detach();
		return boot_page_allocator(e);
	}
	/* The last run ended with a clean reset and nothing ran since: the
	 * state is already the boot state, byte for byte. */
	if (e->fresh)
		hooks_detach();
	else
		allocator_reset(e);
	e->fresh = false;
	/* Judged before a byte allocator takes its first pages from the
	 * kernel: a page lost or doubled on its way to the buddy is the
	 * boot's, named as such before the buddy's counts disagree. */
	oracle_memblock(e);
	if (e->al->kind == ALLOC_BYTE && !source_fits(e))
		return BOOT_TOO_SMALL;
	hooks_attach(e);
	adapter_sink_set(&sink);
	if (e->al->kind == ALLOC_BYTE && e->ba->init && e->ba->init())
		return -1;
	return 0;
}
