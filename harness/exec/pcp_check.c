/* The per-CPU page list oracle (docs/pcp.md). The pcp model predicts
 * every CPU's lists; each block the kernel parks, drains or hands out is
 * judged against it as it happens (pcp.list, pcp.drain), and after every
 * op of a program with CPUs the kernel's lists and counts are read
 * through its introspection and compared whole (pcp.parked, pcp.count,
 * pcp.high). To the buddy model a parked block is allocated (CLS_PCP), as
 * the zone's free count and watermarks see it. */
#include <string.h>

#include "mm/mmzone.h"
#include "world.h"

static const char *const type_names[PM_NR_TYPES] = { "unmovable", "movable", "reclaimable" };

static const char *zname(unsigned int z)
{
	return z == 0 ? "DMA32" : "Normal";
}

static unsigned long off(const struct exec *e, unsigned long pfn)
{
	return pfn - e->arena.base_pfn;
}

void pcp_boot(struct exec *e)
{
	unsigned long managed[PM_NR_ZONES], low[PM_NR_ZONES];

	for (unsigned int z = 0; z < PM_NR_ZONES; z++) {
		managed[z] = e->zm.managed[z];
		low[z] = e->zm.mark[z][ZM_LOW];
	}
	pm_reset(e->pm, e->traced ? e->nr_cpus : 1, managed, low);
	memset(&e->preq, 0, sizeof(e->preq));
	memset(e->pcp_owed, 0, sizeof(e->pcp_owed));
	e->pcp_drain_all = false;
	e->pcp_expect = false;
}

void pcp_request_begin(struct exec *e)
{
	memset(&e->preq, 0, sizeof(e->preq));
}

void pcp_request_end(struct exec *e)
{
	memset(&e->preq, 0, sizeof(e->preq));
}

static void model_move(struct exec *e, unsigned long pfn, unsigned int order, unsigned int cls)
{
	enum bm_status s = bm_free(e->model, pfn, order);

	if (s == BM_OK)
		s = bm_alloc(e->model, pfn, order, cls);
	if (s != BM_OK && !diverged(e)) {
		diverge(e, bm_status_check(s), "the order-%u block at pfn offset %lu allocated",
			order, off(e, pfn));
		diverge_actual(e, "%s", bm_status_name(s));
	}
}

/* The order of the request in progress, from the size it consulted with. */
static unsigned int request_order(const struct exec *e)
{
	unsigned int o = 0;

	while (o < 63 - PAGE_SHIFT && ((size_t)PAGE_SIZE << o) < e->consult_size)
		o++;
	return o;
}

static void on_pcp_add(void *ctx, unsigned long pfn, unsigned int order, unsigned int cpu,
		       bool refill)
{
	struct exec *e = ctx;
	unsigned int zone = bm_zone_of(e->model, pfn);
	gfp_t gfp = e->consult_gfp;
	int type = gfp_migratetype(gfp);
	unsigned long head;

	if (!refill) {
		/* pcp_takes_free parked it in the models already */
		if (!diverged(e) && (!e->pcp_expect || e->pcp_expect_pfn != pfn)) {
			diverge(e, "pcp.list", "a freed block parked only as the rule says");
			diverge_actual(e, "CPU %u parked the order-%u block at pfn offset %lu", cpu,
				       order, off(e, pfn));
		}
		e->pcp_expect = false;
		return;
	}
	if (!diverged(e)) {
		if (!pm_parks(e->pm, order) || cpu != e->cpu || !e->consulted) {
			diverge(e, "pcp.list", "no refill: %s",
				!pm_parks(e->pm, order)
					? "the order does not park, or the lists are off"
				: !e->consulted ? "no page allocation is in progress"
						: "a CPU refills its own lists only");
			diverge_actual(e, "CPU %u parked the order-%u block at pfn offset %lu", cpu,
				       order, off(e, pfn));
		} else if (!e->preq.zone_judged) {
			zone_judge_alloc(e, pfn, order, gfp);
			e->preq.zone_judged = true;
			e->preq.zone = zone;
			if (!diverged(e) &&
			    pm_entry(e->pm, cpu, zone, pm_list(order, type), 0, &head)) {
				diverge(e, "pcp.list",
					"the order-%u %s allocation from the head of CPU %u's list "
					"(zone %s), which holds blocks",
					order, type_names[type], cpu, zname(zone));
				diverge_actual(e, "a refill");
			}
		} else if (zone != e->preq.zone ||
			   ++e->preq.refilled >= pm_refill_count(e->pm, zone, order)) {
			diverge(e, "pcp.list", "a refill of %lu order-%u blocks from zone %s",
				pm_refill_count(e->pm, e->preq.zone, order), order,
				zname(e->preq.zone));
			diverge_actual(e, "another block, at pfn offset %lu in zone %s",
				       off(e, pfn), zname(zone));
		}
		if (!diverged(e))
			migrate_judge_alloc(e, pfn, order, gfp);
	}
	enum bm_status s = bm_alloc(e->model, pfn, order, CLS_PCP);

	if (s != BM_OK && !diverged(e)) {
		diverge(e, bm_status_check(s), "an entirely free, aligned block of order %u",
			order);
		diverge_actual(e, "refill block at pfn offset %lu: %s", off(e, pfn),
			       bm_status_name(s));
	}
	mgm_set_alloc_type(e->mgm, pfn, MGM_UNMOVABLE);
	if (s == BM_OK)
		pm_park(e->pm, cpu % PM_MAX_CPUS, zone, pm_list(order, type), pfn, order, true);
}

static void on_pcp_drain(void *ctx, unsigned long pfn, unsigned int order, unsigned int cpu)
{
	struct exec *e = ctx;
	unsigned int zone = bm_zone_of(e->model, pfn), pc, pz, pl;
	unsigned long next = 0;
	enum bm_status s;

	if (!pm_where(e->pm, pfn, &pc, &pz, &pl)) {
		if (!diverged(e)) {
			diverge(e, "pcp.list", "a drain of parked blocks only");
			diverge_actual(
				e,
				"CPU %u's lists gave back the order-%u block at pfn offset %lu, "
				"which is not parked",
				cpu, order, off(e, pfn));
		}
	} else if (!diverged(e)) {
		cpu %= PM_MAX_CPUS;
		if (!e->pcp_drain_all && !e->preq.drained && e->consulted &&
		    (e->consult_gfp & __GFP_DIRECT_RECLAIM) &&
		    zone_alloc_fails_now(e, request_order(e), e->consult_gfp))
			e->preq.drained = true; /* the slowpath's drain */
		if (pc != cpu || !pm_drain_next(e->pm, cpu, zone, &next) || next != pfn) {
			diverge(e, "pcp.list",
				"CPU %u's lists give back their oldest block of the first non-empty "
				"list (order 0 first)%s",
				cpu, next ? "" : ": they hold none");
			if (next)
				diverge_actual(
					e,
					"the order-%u block at pfn offset %lu, not the one at %lu",
					order, off(e, pfn), off(e, next));
			else
				diverge_actual(e, "the order-%u block at pfn offset %lu", order,
					       off(e, pfn));
		} else if (!e->pcp_drain_all && !e->preq.drained && !e->pcp_owed[cpu][zone]) {
			diverge(e, "pcp.drain",
				"no drain: CPU %u holds %lu pages in zone %s, below its high mark %lu, "
				"and no allocation that may sleep is failing",
				cpu, pm_count(e->pm, cpu, zone), zname(zone), pm_high(e->pm, zone));
			diverge_actual(e, "the order-%u block at pfn offset %lu given back", order,
				       off(e, pfn));
		} else if (e->pcp_owed[cpu][zone]) {
			unsigned long n = 1UL << order;

			e->pcp_owed[cpu][zone] = e->pcp_owed[cpu][zone] > n
							 ? e->pcp_owed[cpu][zone] - n
							 : 0;
		}
	}
	pm_unpark(e->pm, pfn);
	s = bm_free(e->model, pfn, order);
	if (s == BM_OK)
		migrate_note_free(e, pfn);
	else if (!diverged(e)) {
		diverge(e, bm_status_check(s), "the drained block to be parked with order %u",
			order);
		diverge_actual(e, "block at pfn offset %lu: %s", off(e, pfn), bm_status_name(s));
	}
}

enum pcp_verdict pcp_judge_alloc(struct exec *e, unsigned long pfn, unsigned int order,
				 unsigned int pgc)
{
	unsigned int cpu, zone, list;
	int type = gfp_migratetype(e->consult_gfp);
	unsigned long head = 0;
	bool parked = pm_where(e->pm, pfn, &cpu, &zone, &list);

	if (!pm_parks(e->pm, order)) {
		if (parked && !diverged(e)) {
			diverge(e, "pcp.list", "an order-%u block from the buddy: %s", order,
				pm_nr_cpus(e->pm) > 1 ? "the order is above the costly order"
						      : "one CPU has no lists");
			diverge_actual(e, "the block parked on CPU %u's list", cpu);
		}
		if (!parked)
			return PCP_NOT_PARKING;
	}
	if (!diverged(e) && !e->preq.zone_judged)
		zone_judge_alloc(e, pfn, order, e->consult_gfp);
	zone = e->preq.zone_judged ? e->preq.zone : bm_zone_of(e->model, pfn);
	if (!diverged(e)) {
		bool have = pm_entry(e->pm, e->cpu, zone, pm_list(order, type), 0, &head);

		if (!have || head != pfn) {
			diverge(e, "pcp.list",
				"the order-%u %s allocation from CPU %u's list in zone %s: %s",
				order, type_names[type], e->cpu, zname(zone),
				have ? "its newest block" : "refilled first, as it is empty");
			if (parked)
				diverge_actual(
					e,
					"the block at pfn offset %lu, parked on CPU %u's %s list",
					off(e, pfn), cpu, zname(bm_zone_of(e->model, pfn)));
			else
				diverge_actual(e, "the block at pfn offset %lu, from the buddy",
					       off(e, pfn));
		} else if (e->preq.zone_judged &&
			   e->preq.refilled + 1 < pm_refill_count(e->pm, zone, order) &&
			   bm_zone_max_free_order(e->model, zone) >= (int)order) {
			diverge(e, "pcp.list",
				"a refill of %lu order-%u blocks (the zone has more)",
				pm_refill_count(e->pm, zone, order), order);
			diverge_actual(e, "%lu", e->preq.refilled + 1);
		}
	}
	if (!parked)
		return PCP_FROM_BUDDY;
	pm_unpark(e->pm, pfn);
	model_move(e, pfn, order, pgc);
	mgm_set_alloc_type(e->mgm, pfn, type);
	return PCP_FROM_LIST;
}

bool pcp_takes_free(struct exec *e, unsigned long pfn, unsigned int order)
{
	unsigned int zone = bm_zone_of(e->model, pfn), cpu = e->cpu % PM_MAX_CPUS;
	int type = mgm_pageblock_type(e->mgm, pfn);

	if (!pm_parks(e->pm, order))
		return false;
	model_move(e, pfn, order, CLS_PCP);
	mgm_set_alloc_type(e->mgm, pfn, MGM_UNMOVABLE);
	pm_park(e->pm, cpu, zone, pm_list(order, type), pfn, order, false);
	e->pcp_expect = true;
	e->pcp_expect_pfn = pfn;
	if (pm_count(e->pm, cpu, zone) >= pm_high(e->pm, zone))
		e->pcp_owed[cpu][zone] = pm_batch(e->pm, zone);
	return true;
}

void pcp_judge_fail(struct exec *e, unsigned int order, gfp_t gfp)
{
	if (diverged(e) || e->preq.drained || !(gfp & __GFP_DIRECT_RECLAIM) || order > MAX_ORDER ||
	    pm_nr_cpus(e->pm) < 2 || !pm_total(e->pm))
		return;
	diverge(e, "pcp.drain",
		"the order-%u allocation (gfp %#x) that may sleep to drain every CPU's lists "
		"before it fails",
		order, gfp & __GFP_FLAGS_MASK);
	diverge_actual(e, "it failed with %lu pages parked", pm_total(e->pm));
}

struct lend {
	struct exec *e;
	bool lend;
};

static void lend_one(void *arg, unsigned long pfn, unsigned int order)
{
	struct lend *l = arg;

	if (l->lend)
		bm_free(l->e->model, pfn, order);
	else
		bm_alloc(l->e->model, pfn, order, CLS_PCP);
}

void pcp_lend(struct exec *e, bool lend)
{
	struct lend l = { e, lend };

	pm_for_each(e->pm, lend_one, &l);
}

void op_drain_all_pages(struct exec *e)
{
	e->pcp_drain_all = true;
	drain_all_pages();
	e->pcp_drain_all = false;
	if (!diverged(e) && !race_interleaved(e) && (pm_total(e->pm) || pcp_has_pages())) {
		diverge(e, "pcp.drain", "every CPU's lists empty after drain_all_pages");
		diverge_actual(e, "%lu pages parked in the model; the kernel's lists %s",
			       pm_total(e->pm), pcp_has_pages() ? "hold blocks" : "are empty");
	}
}

/* One list of the kernel's against the model's, entry by entry. */
static bool same_list(struct exec *e, unsigned int cpu, unsigned int z, unsigned int l)
{
	for (unsigned long i = 0;; i++) {
		unsigned long want = 0;
		bool have = pm_entry(e->pm, cpu, z, l, i, &want);
		struct page *got = pcp_list_entry(&zones[z], cpu, l, i);

		if (have && got && page_to_pfn(got) == want && got->order == l / PM_NR_TYPES)
			continue;
		if (!have && !got)
			return true;
		diverge(e, "pcp.parked", "CPU %u's order-%u %s list in zone %s: %s", cpu,
			l / PM_NR_TYPES, type_names[l % PM_NR_TYPES], zname(z),
			have ? "" : "no more blocks");
		if (have)
			diverge_actual(e, "entry %lu: %s (the model: pfn offset %lu)", i,
				       got ? "another block" : "the list ends", off(e, want));
		else
			diverge_actual(e, "entry %lu: the block at pfn offset %lu", i,
				       off(e, page_to_pfn(got)));
		return false;
	}
}

void oracle_pcp(struct exec *e)
{
	unsigned int n = pm_nr_cpus(e->pm);

	if (!e->traced || n < 2)
		return;
	for (unsigned int z = 0; z < PM_NR_ZONES; z++)
		for (unsigned int cpu = 0; cpu < n; cpu++) {
			for (unsigned int l = 0; l < PM_NR_LISTS; l++)
				if (!same_list(e, cpu, z, l))
					return;
			if (zones[z].pcp[cpu].count != pm_count(e->pm, cpu, z)) {
				diverge(e, "pcp.count",
					"CPU %u's count in zone %s: the %lu pages its lists hold",
					cpu, zname(z), pm_count(e->pm, cpu, z));
				diverge_actual(e, "%lu", zones[z].pcp[cpu].count);
				return;
			}
			if (e->pcp_owed[cpu][z] && pm_count(e->pm, cpu, z)) {
				diverge(e, "pcp.high",
					"a free that takes CPU %u to its high mark (%lu pages in zone "
					"%s) to give back %lu pages",
					cpu, pm_high(e->pm, z), zname(z), pm_batch(e->pm, z));
				diverge_actual(e, "%lu pages short", e->pcp_owed[cpu][z]);
				return;
			}
		}
	memset(e->pcp_owed, 0, sizeof(e->pcp_owed));
}

void pcp_hooks(struct host_hooks *h)
{
	h->pcp_add = on_pcp_add;
	h->pcp_drain = on_pcp_drain;
}
