/* Simulated CPUs (docs/cpus.md): how many a program has, the CPU each op
 * runs on, the interleavings `preempt` asks for, and the oracles of the
 * per-CPU caches and of lock discipline. */
#include <stddef.h>
#include <string.h>

#include "world.h"

/* Every object a run's arrays can hold: each cache's CPUs and pool. */
#define MAX_PARKED 4096
#define MAX_CACHES 64

/* Scratch of the per-CPU oracle. */
static struct {
	uintptr_t obj[MAX_PARKED];
	size_t n;
	uint16_t per_slab[GEOM_MAX_PAGES]; /* parked objects per slab head offset */
	bool valid;
} tally;

void cpus_boot(struct exec *e, const struct program *p)
{
	unsigned int top = 0;
	bool named = false;

	for (size_t i = 0; i < p->n; i++) {
		if (p->ops[i].kind != OP_CPU && p->ops[i].kind != OP_PREEMPT)
			continue;
		named = true;
		if (p->ops[i].cpu > top)
			top = p->ops[i].cpu;
	}
	e->nr_cpus = !named ? 1 : top + 1 < 2 ? 2 : top + 1;
	e->cpu = 0;
	memset(&e->race, 0, sizeof(e->race));
	tally.valid = false;
	host_cpus_setup(e->nr_cpus);
}

/* ---- the arrays, through the kernel's introspection ---- */

long percpu_parked_local(const struct kmem_cache *c)
{
	struct array_cache_info ac;
	long n = 0;

	for (int cpu = 0; kmem_cache_array(c, cpu, &ac); cpu++)
		n += ac.avail;
	return n;
}

/* Insertion sort: a run parks tens of objects, and the riscv replay's
 * libc has no qsort. */
static void sort_addrs(uintptr_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uintptr_t v = a[i];
		size_t j = i;

		for (; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

static bool handed_out(const struct exec *e, uintptr_t p)
{
	int r = objs_rank(e, p);

	return r < e->nr_by_addr && (uintptr_t)e->objs[e->by_addr[r]].ptr == p;
}

struct per_cache {
	const struct kmem_cache *c;
	long model_free, parked, slab_free;
};

/* One array of c: within its limit, every entry an object of c's slabs. */
static bool tally_array(struct exec *e, struct per_cache *pc, int cpu)
{
	struct array_cache_info ac;
	char where[16];

	if (!kmem_cache_array(pc->c, cpu, &ac))
		return true;
	snprintf(where, sizeof where, cpu < 0 ? "shared" : "CPU %d", cpu);
	if (ac.avail > ac.limit) {
		diverge(e, "percpu.parked-count", "%s's %s array to hold at most %u objects",
			kmem_cache_name(pc->c), where, ac.limit);
		diverge_actual(e, "avail %u", ac.avail);
		return false;
	}
	for (unsigned int i = 0; i < ac.avail; i++) {
		unsigned int live, num;
		long head = slab_model_slab(e, ac.entry[i], &live, &num);

		if (head < 0 || head >= GEOM_MAX_PAGES ||
		    slab_model_owner(e, ac.entry[i]) != pc->c || tally.n == MAX_PARKED) {
			diverge(e, "percpu.parked-count",
				"every entry of %s's %s array an object of its slabs",
				kmem_cache_name(pc->c), where);
			diverge_actual(e, "entry %u of %u is %s", i, ac.avail,
				       head < 0 ? "in no slab" : "in another cache's slab");
			return false;
		}
		tally.obj[tally.n++] = (uintptr_t)ac.entry[i];
		tally.per_slab[head]++;
		pc->parked++;
	}
	return true;
}

struct slab_walk {
	struct exec *e;
	struct per_cache *pcs;
	int n;
	bool bad;
};

/* Per slab: taken from the slab = handed out + parked, exactly. */
static void walk_slab(void *ctx, const struct kmem_cache *c, struct page *slab, enum slab_list list,
		      unsigned int active)
{
	struct slab_walk *w = ctx;
	unsigned int live, num, parked;
	long head = slab_model_slab(w->e, page_address(slab), &live, &num);

	(void)list;
	if (w->bad || head < 0 || head >= GEOM_MAX_PAGES)
		return; /* slab.lists judges slabs the model never saw */
	parked = tally.per_slab[head];
	for (int i = 0; i < w->n; i++)
		if (w->pcs[i].c == c)
			w->pcs[i].slab_free += (long)num - active;
	if (active == live + parked)
		return;
	w->bad = true;
	if (active < live + parked) {
		diverge(w->e, "percpu.parked-twice",
			"each parked object of %s taken from its slab: %u handed out + %u parked",
			kmem_cache_name(c), live, parked);
		diverge_actual(w->e, "the slab at pfn offset %ld has %u taken", head, active);
	} else {
		diverge(w->e, "percpu.parked-count",
			"%s's slab at pfn offset %ld: %u handed out + %u parked taken",
			kmem_cache_name(c), head, live, parked);
		diverge_actual(w->e, "%u taken: objects neither handed out, parked nor free",
			       active);
	}
}

/* Counts every parked object per slab; false on a divergence. */
static bool tally_all(struct exec *e, struct per_cache *pcs, int *n)
{
	const struct kmem_cache *cs[MAX_CACHES];
	long free[MAX_CACHES];

	memset(tally.per_slab, 0,
	       sizeof(tally.per_slab[0]) *
		       (e->arena.nr_pfns < GEOM_MAX_PAGES ? e->arena.nr_pfns : GEOM_MAX_PAGES));
	tally.n = 0;
	tally.valid = true;
	*n = slab_model_caches(e, cs, free, MAX_CACHES);
	for (int i = 0; i < *n; i++) {
		pcs[i] = (struct per_cache){ .c = cs[i], .model_free = free[i] };
		for (int cpu = -1; cpu < (int)e->nr_cpus; cpu++)
			if (!tally_array(e, &pcs[i], cpu))
				return false;
	}
	return true;
}

void percpu_tally(struct exec *e)
{
	struct per_cache pcs[MAX_CACHES];
	int n;

	if (e->nr_cpus > 1)
		tally_all(e, pcs, &n);
}

unsigned int percpu_parked_in(const struct exec *e, unsigned long head_off)
{
	return e->nr_cpus > 1 && tally.valid ? tally.per_slab[head_off] : 0;
}

static void oracle_parked(struct exec *e)
{
	struct per_cache pcs[MAX_CACHES];
	struct slab_walk w = { .e = e, .pcs = pcs };

	if (!tally_all(e, pcs, &w.n))
		return;
	sort_addrs(tally.obj, tally.n);
	for (size_t i = 0; i < tally.n; i++) {
		if ((i && tally.obj[i] == tally.obj[i - 1]) || handed_out(e, tally.obj[i])) {
			diverge(e, "percpu.parked-twice", "a parked object in no other place");
			diverge_actual(e, "%s",
				       i && tally.obj[i] == tally.obj[i - 1]
					       ? "an object parked twice"
					       : "an object parked and handed out");
			return;
		}
	}
	kmem_cache_walk(walk_slab, &w);
	for (int i = 0; i < w.n && !w.bad; i++) {
		const struct per_cache *pc = &pcs[i];
		long count = kmem_cache_free_count(pc->c);

		if (pc->parked + pc->slab_free != pc->model_free) {
			diverge(e, "percpu.parked-count",
				"%s: parked + free in slabs = the model's %ld free objects",
				kmem_cache_name(pc->c), pc->model_free);
			diverge_actual(e, "%ld parked + %ld free in slabs", pc->parked,
				       pc->slab_free);
			return;
		}
		if (count >= 0 && count != pc->slab_free) {
			diverge(e, "percpu.free-count", "%s: a free-object count of %ld",
				kmem_cache_name(pc->c), pc->slab_free);
			diverge_actual(e, "%ld", count);
			return;
		}
	}
}

/* ---- lock discipline ---- */

static void on_lock_error(void *ctx, const char *check, const char *msg)
{
	struct exec *e = ctx;

	diverge(e, check, "lock discipline");
	diverge_actual(e, "%s", msg);
}

static void held_at_exit(struct exec *e, unsigned int cpu, unsigned int irq_was)
{
	unsigned int locks, irq;

	host_cpu_atomic(cpu, &locks, &irq);
	if (locks || irq != irq_was) {
		diverge(e, "spinlock.held-at-exit", "CPU %u with no spinlock and interrupts %s",
			cpu, irq_was ? "off" : "on");
		diverge_actual(e, "%u spinlock(s) held, interrupts %s", locks, irq ? "off" : "on");
	}
}

void oracle_cpus(struct exec *e)
{
	if (e->nr_cpus < 2)
		return;
	if (!e->race.in_nested)
		for (unsigned int cpu = 0; cpu < e->nr_cpus && !diverged(e); cpu++)
			held_at_exit(e, cpu, 0);
	if (!diverged(e))
		oracle_parked(e);
}

/* ---- ops ---- */

/* What a reap leaves in an array: a fifth of its limit (rounded up) goes,
 * as far as it holds them. */
static unsigned int after_reap(unsigned int avail, unsigned int limit)
{
	unsigned int n = (limit + 4) / 5;

	return avail < n ? 0 : avail - n;
}

static void op_cache_reap(struct exec *e)
{
	const struct kmem_cache *cs[MAX_CACHES];
	long free[MAX_CACHES];
	unsigned int want[MAX_CACHES][2];
	struct array_cache_info ac;
	int n = slab_model_caches(e, cs, free, MAX_CACHES);

	for (int i = 0; i < n; i++) {
		want[i][0] = kmem_cache_array(cs[i], (int)e->cpu, &ac)
				     ? after_reap(ac.avail, ac.limit)
				     : 0;
		want[i][1] = kmem_cache_array(cs[i], -1, &ac) ? after_reap(ac.avail, ac.limit) : 0;
	}
	cache_reap();
	for (int i = 0; i < n && !diverged(e) && !race_interleaved(e); i++) {
		for (int k = 0; k < 2; k++) {
			if (!kmem_cache_array(cs[i], k ? -1 : (int)e->cpu, &ac) ||
			    ac.avail == want[i][k])
				continue;
			diverge(e, "percpu.drain",
				"%s's %s array to hold %u objects after the reap",
				kmem_cache_name(cs[i]), k ? "shared" : "this CPU's", want[i][k]);
			diverge_actual(e, "%u", ac.avail);
			return;
		}
	}
}

void op_cpu(struct exec *e, const struct op *op)
{
	switch ((enum op_kind)op->kind) {
	case OP_CPU:
		e->cpu = op->cpu % e->nr_cpus;
		host_cpu_switch(e->cpu);
		return;
	case OP_CACHE_REAP:
		op_cache_reap(e);
		return;
	case OP_DRAIN_ALL_PAGES:
		op_drain_all_pages(e);
		return;
	case OP_PREEMPT: /* race_run pairs it with the ops after it */
		return;
	case OP_CASES_PAGE:
	case OP_CASES_SLAB:
	case OP_CASES_MM:
	case OP_CASES_VMALLOC:
	case OP_FAIL_NTH:
	case OP_CHECK:
	case OP_KVMMAKE:
	case OP_ALIGNED_ALLOC:
	case NR_OPS:
		break;
	}
	exec_bad_op(e, op, "op_cpu");
}

/* A drained cache (shrink, destroy) keeps nothing parked. */
void percpu_check_drained(struct exec *e, const struct kmem_cache *c)
{
	struct array_cache_info ac;

	if (race_interleaved(e))
		return;
	for (int cpu = -1; kmem_cache_array(c, cpu, &ac); cpu++) {
		if (!ac.avail)
			continue;
		diverge(e, "percpu.drain", "every array of %s empty after the drain",
			kmem_cache_name(c));
		diverge_actual(e, "%s holds %u", cpu < 0 ? "the shared pool" : "a CPU's array",
			       ac.avail);
		return;
	}
}

/* ---- interleavings ---- */

/* A handle an op names; an exclusive one may not be named by the op
 * interleaved with it at all. */
struct name {
	char kind; /* 'p', 'o', 'c' */
	int slot;
	bool exclusive;
};

/* The handles an op names, or -1 for an op that may not run inside
 * another: only the page and slab ops and the reaper may. The others
 * judge whole-world state (check), set up what follows (fail_nth, cpu,
 * preempt) or have models the first op is in the middle of updating
 * (address spaces, kvmmake, vmalloc). */
static int op_names(const struct exec *e, const struct op *op, struct name *out)
{
	int n = 0;

	switch ((enum op_kind)op->kind) {
	case OP_CASES_PAGE:
		out[n++] = (struct name){ 'p', op->dst, true };
		break;
	case OP_KMALLOC:
	case OP_KZALLOC:
	case OP_KCALLOC:
	case OP_KCALLOC_WRAP:
	case OP_KFREE:
	case OP_CACHE_FREE:
		out[n++] = (struct name){ 'o', op->dst, true };
		break;
	case OP_KREALLOC:
		out[n++] = (struct name){ 'o', op->dst, true };
		out[n++] = (struct name){ 'o', op->src, true };
		break;
	case OP_CACHE_ALLOC:
		out[n++] = (struct name){ 'o', op->dst, true };
		out[n++] = (struct name){ 'c', op->src, false };
		break;
	case OP_CACHE_SHRINK:
		out[n++] = (struct name){ 'c', op->dst, false };
		break;
	case OP_CACHE_CREATE:
	case OP_CACHE_DESTROY:
		out[n++] = (struct name){ 'c', op->dst, true };
		break;
	case OP_CACHE_REAP:
	case OP_DRAIN_ALL_PAGES:
		break;
	case OP_CASES_MM:
	case OP_CASES_VMALLOC:
	case OP_FAIL_NTH:
	case OP_CHECK:
	case OP_CPU:
	case OP_PREEMPT:
	case OP_KVMMAKE:
	case OP_ALIGNED_ALLOC:
	case NR_OPS:
		return -1;
	}
	/* A cache object names its cache too (a destroy frees it). */
	for (int i = 0, m = n; i < m; i++)
		if (out[i].kind == 'o' && e->objs[out[i].slot].live &&
		    e->objs[out[i].slot].cache >= 0)
			out[n++] = (struct name){ 'c', e->objs[out[i].slot].cache, false };
	return n;
}

/* b may run inside a when both are of a nestable kind and b names no
 * handle a names, unless both only share a cache. */
static bool nestable(const struct exec *e, const struct op *a, const struct op *b)
{
	struct name na[8], nb[8];
	int n = op_names(e, a, na), m = op_names(e, b, nb);

	/* Both must be of the kinds that may share the world this way: an
	 * address-space, vmalloc or kvmmake op is in the middle of state no
	 * other op's model sees, and its handles are not listed. */
	if (n < 0 || m < 0)
		return false;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < m; j++)
			if (na[i].kind == nb[j].kind && na[i].slot == nb[j].slot &&
			    (na[i].exclusive || nb[j].exclusive))
				return false;
	return true;
}

/* What a nested op must not disturb of the op it interrupts: the per-op
 * facts the executor and the hooks keep, saved and restored as bytes. */
#define FACT(m)                                                         \
	{                                                               \
		offsetof(struct exec, m), sizeof(((struct exec *)0)->m) \
	}
static const struct {
	size_t off, len;
} facts[] = {
	FACT(injected),        FACT(injected_grow),  FACT(page_fail_legal),
	FACT(small_fail),      FACT(big_fail),       FACT(consulted),
	FACT(consult_gfp),     FACT(consult_size),   FACT(traced_alloc_pfn),
	FACT(traced_free_pfn), FACT(traced_free),    FACT(traced_alloc_order),
	FACT(op_index),        FACT(preq),           FACT(pcp_drain_all),
	FACT(pcp_expect),      FACT(pcp_expect_pfn), FACT(caller_opg),
};
#define FACTS_BYTES 128

static void facts_move(struct exec *e, unsigned char *buf, bool save)
{
	size_t at = 0;

	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); at += facts[i++].len) {
		unsigned char *field = (unsigned char *)e + facts[i].off;

		if (save)
			memcpy(buf + at, field, facts[i].len);
		else
			memcpy(field, buf + at, facts[i].len);
	}
}

static void (*race_step)(struct exec *e, const struct program *p, size_t i);
static const struct program *race_prog;

/* The second op, on its CPU, to completion; then back to the first. */
static void run_second(struct exec *e)
{
	struct race *r = &e->race;
	unsigned char f[FACTS_BYTES];
	unsigned int cpu = e->cpu, locks, irq;

	facts_move(e, f, true);
	memset(&e->preq, 0, sizeof(e->preq));
	e->pcp_drain_all = false;
	e->pcp_expect = false;
	r->in_nested = true;
	e->cpu = r->cpu;
	host_cpu_switch(r->cpu);
	host_cpu_atomic(r->cpu, &locks, &irq);
	race_step(e, race_prog, (size_t)r->nested_index);
	if (!diverged(e))
		held_at_exit(e, r->cpu, irq);
	e->cpu = cpu;
	host_cpu_switch(cpu);
	r->in_nested = false;
	r->ran = true;
	facts_move(e, f, false);
	/* A crash from here on is the first op's. */
	exec_now.op_index = e->op_index;
	if (exec_progress) {
		exec_progress->op_kind = race_prog->ops[e->op_index].kind;
		exec_progress->op_index = e->op_index;
	}
}

static void on_preempt(void *ctx, unsigned int id)
{
	struct exec *e = ctx;
	struct race *r = &e->race;
	unsigned int locks, irq;

	(void)id;
	if (!r->armed || !r->nestable || r->in_nested || r->ran || diverged(e))
		return;
	/* On its own CPU the second op is an interrupt: not while they are off. */
	if (r->cpu == e->cpu && host_cpu_atomic(e->cpu, &locks, &irq))
		return;
	if (++r->seen == r->at)
		run_second(e);
}

size_t race_run(struct exec *e, const struct program *p, size_t i,
		void (*step)(struct exec *e, const struct program *p, size_t i))
{
	const struct op *pre = &p->ops[i];
	struct race *r = &e->race;

	if (i + 2 >= p->n || p->ops[i + 1].kind == OP_CPU || p->ops[i + 1].kind == OP_PREEMPT ||
	    p->ops[i + 2].kind == OP_CPU || p->ops[i + 2].kind == OP_PREEMPT)
		return 0;
	*r = (struct race){ .armed = true,
			    .nestable = nestable(e, &p->ops[i + 1], &p->ops[i + 2]),
			    .at = pre->n,
			    .cpu = pre->cpu % e->nr_cpus,
			    .nested = &p->ops[i + 2],
			    .nested_index = (long)i + 2 };
	race_step = step;
	race_prog = p;
	step(e, p, i + 1);
	if (!r->ran && !diverged(e))
		run_second(e);
	memset(r, 0, sizeof(*r));
	return 2;
}

void cpus_hooks(struct host_hooks *h)
{
	h->preempt = on_preempt;
	h->lock_error = on_lock_error;
}
