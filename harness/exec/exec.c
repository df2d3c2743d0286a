/* The run loop: boot state, one op at a time, oracles after each op, and
 * the release-everything leak check at the end. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mm/mm.h"
#include "mmu.h"
#include "world.h"

#ifdef HOST_ASAN
#include <sanitizer/asan_interface.h>
#endif

struct exec_position exec_now = { NULL, NULL, NULL, -1, NULL };
struct exec_progress *exec_progress;

static void publish(long op_index, int op_kind)
{
	exec_now.op_index = op_index;
	if (exec_progress) {
		exec_progress->op_kind = op_kind;
		exec_progress->op_index = op_index;
	}
}

_Static_assert(GEOM_MAX_ALIGN_ORDER == MAX_ORDER, "a geometry's start alignment tops at MAX_ORDER");
_Static_assert(GEOM_MAX_HOLES <= HOST_MAX_HOLES, "the arena takes every hole a geometry has");

/* The models follow the arena's layout: sized for its pages, starting
 * from its usable ranges. */
static int model_layout(struct exec *e)
{
	bm_destroy(e->model);
	mgm_destroy(e->mgm);
	pm_destroy(e->pm);
	e->model = bm_create(e->arena.base_pfn, e->arena.nr_pfns, e->pa->max_order);
	e->mgm = mgm_create(e->arena.base_pfn, e->arena.nr_pfns, e->pa->max_order);
	e->pm = pm_create(e->arena.base_pfn, e->arena.nr_pfns);
	if (!e->model || !e->mgm || !e->pm)
		return -1;
	e->nr_usable = e->arena.nr_usable;
	for (int i = 0; i < e->nr_usable; i++) {
		e->usable[i].start_pfn = e->arena.usable[i].start_pfn;
		e->usable[i].end_pfn = e->arena.usable[i].end_pfn;
	}
	return 0;
}

/* Lays out the arena for the geometry a program runs on (the config's,
 * else its own), unless it already is. Returns -1 when the arena cannot
 * hold it (the in-kernel replay's arena is only as large as the RAM it
 * found): the program is then N/A. */
static int geometry_layout(struct exec *e, const struct prog_geometry *own)
{
	struct prog_geometry g;
	struct mem_range holes[GEOM_MAX_HOLES];

	if (e->fixed_layout)
		return 0;
	geom_resolve(e->has_override ? &e->override : own, &g);
	if (e->geom.pages && !memcmp(&g, &e->geom, sizeof g))
		return 0;
	for (unsigned int i = 0; i < g.nr_holes; i++)
		holes[i] = (struct mem_range){ g.holes[i].start,
					       (unsigned long)g.holes[i].start + g.holes[i].len };
	if (host_arena_layout(&e->arena, g.pages, g.align_order, holes, g.nr_holes, g.dma32)) {
		e->geom.pages = 0;
		return -1;
	}
	e->geom = g;
	exec_now.geom = &e->geom;
	e->fresh = false; /* a new layout: the next boot must reset */
	return model_layout(e);
}

void exec_destroy(struct exec *e)
{
	if (!e)
		return;
	if (exec_now.geom == &e->geom)
		exec_now.geom = NULL;
	asm_destroy(e->as);
	free(e->touch_buf);
	free(e->vm_buf);
	slab_model_destroy(e->slabs);
	pt_tally_free(e->pt_tally);
	free(e->walk_seen);
	pm_destroy(e->pm);
	mgm_destroy(e->mgm);
	bm_destroy(e->model);
	if (e->arena.base)
		host_arena_destroy(&e->arena);
	free(e);
}

struct exec *exec_create(const struct exec_config *cfg)
{
	struct exec *e = calloc(1, sizeof(*e));
	size_t size = cfg->arena_size ? cfg->arena_size : (size_t)GEOM_MAX_PAGES << PAGE_SHIFT;

	if (!e)
		return NULL;
	e->al = cfg->allocator ? cfg->allocator : allocator_kernel();
	e->pa = e->al->kind == ALLOC_PAGE ? e->al->page : &kbuddy_pages;
	e->ba = e->al->byte;
	e->traced = e->al->kind != ALLOC_PAGE;
	allocator_op_set(e->al, &e->ops);
	if (e->pa->max_order > MAX_ORDER ||
	    ((e->pa->guarantees & MMRIG_PG_CANONICAL) && !(e->pa->guarantees & MMRIG_PG_ALIGNED))) {
		fprintf(stderr,
			"mmrig: allocator %s: max_order above %d, or canonical without "
			"aligned (docs/your-allocator.md)\n",
			e->al->name, MAX_ORDER);
		goto fail;
	}
	if (size < HOST_ARENA_DEFAULT)
		size = HOST_ARENA_DEFAULT;
	/* Mapped once, as large as the largest geometry; RAM that short of it
	 * (the in-kernel replay) still runs the default geometry, and reports
	 * the larger ones N/A. */
	if (host_arena_create(size, &e->arena) &&
	    (cfg->arena_size || host_arena_create(HOST_ARENA_DEFAULT, &e->arena)))
		goto fail;
	if (cfg->geometry) {
		e->has_override = true;
		e->override = *cfg->geometry;
	}
	e->fixed_layout = cfg->arena_size != 0;
	/* The canonical structure is capped where the allocator's is. */
	static const struct prog_geometry deflt;
	if (e->fixed_layout ? model_layout(e) : geometry_layout(e, &deflt))
		goto fail;
	/* Fuzz inputs are full of check ops: the walk's scratch is made once,
	 * for the largest layout. */
	e->walk_seen = malloc(e->arena.cap_pfns);
	e->pt_tally = pt_tally_alloc(e->arena.cap_pfns);
	e->slabs = slab_model_create(e->arena.cap_pfns);
	e->touch_buf = malloc(op_touch_lens_max());
	e->vm_buf = malloc(PAGE_SIZE);
	/* The kernel's user layout: mappings in [0x1000, 2^38), heap and
	 * mmap bases as in mm/mm.h. */
	struct as_layout layout = { .user_base = PAGE_SIZE,
				    .user_top = 1ull << 38,
				    .heap_base = MM_BRK_BASE,
				    .mmap_base = MMAP_MIN_ADDR,
				    .big_align = SUPERPGSIZE };
	e->as = asm_create(&layout);
	if (!e->model || !e->walk_seen || !e->pt_tally || !e->as || !e->slabs || !e->touch_buf ||
	    !e->vm_buf)
		goto fail;
	return e;
fail:
	exec_destroy(e);
	return NULL;
}

struct host_arena *exec_arena(struct exec *e)
{
	return &e->arena;
}

const struct allocator *exec_allocator(const struct exec *e)
{
	return e->al;
}

const struct op_set *exec_op_set(const struct exec *e)
{
	return &e->ops;
}

void diverge(struct exec *e, const char *check, const char *fmt, ...)
{
	struct divergence *d = e->div;
	va_list ap;

	if (d->hit)
		return;
	d->hit = true;
	d->op_index = e->op_index;
	/* A name outside checks.c would be a check nobody documented: it is
	 * reported as the harness bug it is, under a name of the list. */
	if (!check_find(check)) {
		snprintf(d->check, sizeof(d->check), "harness.unknown-check");
		snprintf(d->expected, sizeof(d->expected), "a registered check, not '%s'", check);
		d->actual[0] = '\0';
		return;
	}
	snprintf(d->check, sizeof(d->check), "%s", check);
	va_start(ap, fmt);
	vsnprintf(d->expected, sizeof(d->expected), fmt, ap);
	va_end(ap);
	d->actual[0] = '\0';
}

void diverge_actual(struct exec *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->div->actual, sizeof(e->div->actual), fmt, ap);
	va_end(ap);
}

static void world_reset(struct exec *e)
{
	memset(e->pages, 0, sizeof(e->pages));
	memset(e->objs, 0, sizeof(e->objs));
	memset(e->caches, 0, sizeof(e->caches));
	mm_world_reset(e);
	vmalloc_world_reset(e);
	e->nr_by_addr = 0;
	e->fail_in = 0;
	e->generation = 0;
}

/* Boot, then the allocator's free structure is judged before any op: a
 * plugged allocator's init may claim pages, the kernel's buddy frees the
 * geometry's ranges, and a mismatch then is the boot's fault, not the
 * first op's. */
static int boot(struct exec *e)
{
	int rc;

	e->op_index = OP_AT_BOOT;
	world_reset(e);
	rc = allocator_boot(e);
	if (rc)
		return rc;
	if (!diverged(e))
		oracle_free_counts(e);
	/* The whole structure, the kernel's too: a boot free path or a
	 * top-order merge that goes wrong on this geometry shows here, as
	 * "in boot", not at some later op. */
	if (!diverged(e))
		oracle_free_lists(e);
	/* after the buddy's own checks: a page lost at boot is the buddy's
	 * bug, named as such, not a zone's miscount */
	if (!diverged(e) && e->traced)
		oracle_zones(e);
	return 0;
}

void exec_bad_op(struct exec *e, const struct op *op, const char *where)
{
	diverge(e, "harness.bad-op", "an op kind %s runs", where);
	diverge_actual(e, "op kind %u (%s)", op->kind, op_name(op->kind));
}

static void run_op(struct exec *e, const struct op *op)
{
	if (e->al->kind == ALLOC_BYTE && op->kind != OP_FAIL_NTH && op->kind != OP_CHECK) {
		op_byte(e, op);
		return;
	}
	switch ((enum op_kind)op->kind) {
	case OP_CASES_PAGE:
		op_page(e, op);
		return;
	case OP_FAIL_NTH:
		e->fail_in = op->n;
		return;
	case OP_CPU:
	case OP_PREEMPT:
	case OP_CACHE_REAP:
	case OP_DRAIN_ALL_PAGES:
		op_cpu(e, op);
		return;
	case OP_CHECK:
		if (e->al->kind == ALLOC_BYTE ? bytes_verify_all(e)
					      : pages_verify_all(e) && objects_verify_all(e) &&
							mms_check_all(e) && vmalloc_check_all(e))
			oracle_free_lists(e);
		if (!diverged(e) && e->traced)
			oracle_slabs(e);
		if (!diverged(e) && e->traced)
			oracle_page_state(e);
		return;
	case OP_CASES_MM:
		op_mm(e, op);
		return;
	case OP_KVMMAKE:
		op_kvmmake(e, op);
		return;
	case OP_CASES_SLAB:
		op_slab(e, op);
		return;
	case OP_CASES_VMALLOC:
		op_vmalloc(e, op);
		return;
	/* byte allocators only (op_byte); inapplicable() stops it before
	 * any op runs on the others */
	case OP_ALIGNED_ALLOC:
	case NR_OPS:
		break;
	}
	/* those two, and any value outside the enum: no case catches it */
	exec_bad_op(e, op, "run_op");
}

/* The leak oracle: give everything back, then the allocator must be at its
 * boot free structure and the model must hold no block. */
static void release_all(struct exec *e)
{
	e->fail_in = 0;
	for (int i = 0; i < NR_MM_SLOTS && !diverged(e); i++)
		mm_slot_release(e, i);
	for (int i = 0; i < NR_PAGE_SLOTS && !diverged(e); i++)
		page_slot_release(e, i);
	for (int i = 0; i < NR_OBJ_SLOTS && !diverged(e); i++) {
		if (e->al->kind == ALLOC_BYTE)
			byte_slot_release(e, i);
		else
			obj_slot_release(e, i);
	}
	for (int i = 0; i < NR_CACHE_SLOTS && !diverged(e); i++)
		cache_slot_release(e, i);
	if (diverged(e))
		return;
	vmalloc_world_release(e);
	if (e->al->kind == ALLOC_KERNEL)
		kmem_cache_shrink_all();
	else if (e->al->kind == ALLOC_BYTE && e->ba->fini)
		e->ba->fini();
}

/* The first op the allocator cannot run, or -1. */
static long inapplicable(const struct exec *e, const struct program *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (!op_set_has(&e->ops, p->ops[i].kind))
			return (long)i;
	return -1;
}

uint64_t exec_digest(const struct exec *e)
{
	return e->digest;
}

static void digest_op(struct exec *e)
{
	const unsigned long *free = bm_free_counts(e->model);

	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		digest_add(e, free[o]);
	digest_add(e, bm_nr_allocated(e->model));
}

/* One op and the oracles after it. */
static void step(struct exec *e, const struct program *p, size_t i)
{
	e->op_index = (long)i;
	publish((long)i, p->ops[i].kind);
	e->injected = false;
	e->injected_grow = false;
	e->page_fail_legal = false;
	e->small_fail = false;
	e->big_fail = false;
	e->caller_opg = -1;
	run_op(e, &p->ops[i]);
	digest_op(e);
	if (!diverged(e))
		oracle_free_counts(e);
	if (!diverged(e) && e->traced)
		oracle_zone_free(e);
	if (!diverged(e) && e->traced)
		oracle_pageblocks(e);
	if (!diverged(e))
		oracle_cpus(e);
	if (!diverged(e))
		oracle_pcp(e);
	/* Every caller treats a failed allocation as a normal path that
	 * must unwind completely: check that at once, while the failing
	 * op is still the one reported. Only the kernel's buddy tells
	 * the model who holds a block. Not for an op run inside another,
	 * which may hold blocks it has not linked yet (a page table). */
	if (!diverged(e) && e->al->kind == ALLOC_KERNEL && (e->injected || e->page_fail_legal) &&
	    !e->race.in_nested)
		oracle_vm_leaks(e, VM_AFTER_ALLOC_FAILURE);
}

int exec_run(struct exec *e, const struct program *p, struct divergence *d)
{
	long na = inapplicable(e, p);
	char g[160];

	memset(d, 0, sizeof(*d));
	e->digest = 0xcbf29ce484222325ULL;
	e->div = d;
	if (e->al->kind != ALLOC_KERNEL)
		snprintf(d->allocator, sizeof(d->allocator), "%s", e->al->name);
	exec_now.allocator = e->al->kind != ALLOC_KERNEL ? e->al->name : NULL;
	if (na >= 0) {
		e->op_index = na;
		diverge(e, NOT_APPLICABLE_CHECK, "ops allocator %s can run", e->al->name);
		diverge_actual(e, "%s", op_name(p->ops[na].kind));
		return EXEC_NOT_APPLICABLE;
	}
	if (geometry_layout(e, &p->geom)) {
		e->op_index = OP_AT_BOOT;
		geom_format(e->has_override ? &e->override : &p->geom, g, sizeof g);
		diverge(e, NOT_APPLICABLE_CHECK, "a geometry of at most %lu pages",
			e->arena.cap_pfns);
		diverge_actual(e, "geometry %s", g);
		return EXEC_NOT_APPLICABLE;
	}
	exec_now.prog = p;
	exec_now.div = d;
	/* A crash while the allocator boots is the boot's, not the end's. */
	publish(EXEC_AT_BOOT, -1);
	e->caller_opg = -1;
	int booted = boot(e);
	if (booted == BOOT_TOO_SMALL) {
		geom_format(&e->geom, g, sizeof g);
		diverge(e, NOT_APPLICABLE_CHECK,
			"allocator %s: a geometry with a free block of %zu bytes at boot",
			e->al->name, e->ba->min_source_block);
		diverge_actual(e, "geometry %s", g);
		hooks_detach();
		adapter_sink_set(NULL);
		exec_now.op_index = -1;
		return EXEC_NOT_APPLICABLE;
	}
	if (booted && !diverged(e)) {
		diverge(e, "harness.init", "allocator %s initialises", e->al->name);
		diverge_actual(e, "init failed");
	}
	if (diverged(e))
		goto out;
	cpus_boot(e, p);
	pcp_boot(e);
	for (size_t i = 0; i < p->n && !diverged(e); i++) {
		step(e, p, i);
		if (p->ops[i].kind == OP_PREEMPT && !diverged(e))
			i += race_run(e, p, i, step);
	}
	if (e->al->kind == ALLOC_KERNEL) {
		/* The kernel's flushes, counted by the software MMU however the
		 * touches are made: a build whose kernel flushes differently
		 * shows here. (Hits and misses are the MMU's own business: a
		 * hart's TLB has others.) */
		const struct mmu_stats *st = mmu_get_stats();

		digest_add(e, st->flush_va);
		digest_add(e, st->flush_all);
	}
	if (!diverged(e)) {
		e->op_index = -1;
		publish((long)p->n, -1);
		e->caller_opg = -1;
		release_all(e);
		if (!diverged(e))
			oracle_leaks(e);
	}
	/* The reset a fuzzer would do before the next input, done now: a
	 * crash in it is this program's (the state it resets is this
	 * program's), signed "in reset". The next boot then skips its own
	 * reset (e->fresh): one reset per program, as before. */
	if (!diverged(e) && e->al->kind != ALLOC_PAGE) {
		e->op_index = EXEC_AT_RESET;
		publish(EXEC_AT_RESET, -1);
		allocator_reset(e);
		oracle_free_counts(e);
		e->fresh = !diverged(e);
	}
out:
	hooks_detach();
	adapter_sink_set(NULL);
	exec_now.op_index = -1;
	exec_now.div = NULL;
	return d->hit ? 1 : 0;
}
