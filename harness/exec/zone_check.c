/* The zone policy oracle: the kernel's zones against the arena's zone line
 * and the zone model's watermarks at boot, every page allocation's zone
 * (or failure) against the model's decision, and free pages per zone after
 * every op. The decision is made on the buddy model's state just before
 * the allocation, so it judges exactly what the kernel saw. */
#include "mm/mmzone.h"
#include "world.h"

static unsigned int zm_flags(gfp_t gfp)
{
	unsigned int f = 0;

	if (!(gfp & __GFP_DIRECT_RECLAIM))
		f |= ZM_NOWAIT;
	if (gfp & __GFP_HIGH)
		f |= ZM_HIGH;
	if (gfp & __GFP_DMA32)
		f |= ZM_DMA32;
	if (gfp & __GFP_NOFAIL)
		f |= ZM_NOFAIL;
	return f;
}

gfp_t op_gfp(uint8_t opg)
{
	gfp_t gfp = (opg & OPG_NOWAIT) ? 0 : __GFP_DIRECT_RECLAIM;

	if (opg & OPG_ZERO)
		gfp |= __GFP_ZERO;
	if (opg & OPG_HIGH)
		gfp |= __GFP_HIGH;
	if (opg & OPG_DMA32)
		gfp |= __GFP_DMA32;
	if (opg & OPG_NORETRY)
		gfp |= __GFP_NORETRY;
	if (opg & OPG_NOFAIL)
		gfp |= __GFP_NOFAIL;
	if (opg & OPG_NOWARN)
		gfp |= __GFP_NOWARN;
	if (opg & OPG_COMP)
		gfp |= __GFP_COMP;
	return gfp;
}

gfp_t caller_gfp(const struct exec *e)
{
	return e->caller_opg < 0 ? GFP_KERNEL : op_gfp((uint8_t)e->caller_opg);
}

/* The bits that decide how a page allocation may fail, wait and warn. */
#define GFP_CALLER_BITS \
	(__GFP_DIRECT_RECLAIM | __GFP_HIGH | __GFP_NORETRY | __GFP_NOFAIL | __GFP_NOWARN)

/* Slab pages and a large kmalloc's block are allocated on the caller's
 * behalf: the zone rule judges each by the gfp the kernel passed, so a
 * flag lost on the way (an atomic caller's grow allowed to sleep, a
 * nowarn one warning) would be judged as a request nobody made. */
static bool caller_flags_kept(struct exec *e, unsigned int order, gfp_t gfp)
{
	unsigned int pgc = gfp_class(gfp);
	gfp_t want = caller_gfp(e);

	if (e->caller_opg < 0 || (pgc != PGC_SLAB && pgc != PGC_KMALLOC_LARGE) ||
	    !((want ^ gfp) & GFP_CALLER_BITS))
		return true;
	diverge(e, "gfp.caller-flags", "the order-%u %s allocation with the caller's gfp bits %#x",
		order, page_class_name(pgc), want & GFP_CALLER_BITS);
	diverge_actual(e, "gfp bits %#x", gfp & GFP_CALLER_BITS);
	return false;
}

static const char *zname(int z)
{
	return z == 0 ? "DMA32" : "Normal";
}

void zone_model_boot(struct exec *e)
{
	unsigned long managed[ZM_NR_ZONES];

	for (int z = 0; z < ZM_NR_ZONES; z++)
		managed[z] = bm_zone_free_pages(e->model, (unsigned int)z);
	zm_setup(&e->zm, managed);
	e->warned = 0;
}

static enum zm_outcome decide_flags(struct exec *e, unsigned int order, unsigned int flags,
				    int *zone, enum zm_step *step)
{
	struct zm_zone_state st[ZM_NR_ZONES];

	for (int z = 0; z < ZM_NR_ZONES; z++) {
		st[z].free_pages = bm_zone_free_pages(e->model, (unsigned int)z);
		st[z].max_free_order = bm_zone_max_free_order(e->model, (unsigned int)z);
	}
	return zm_decide(&e->zm, st, order, MAX_ORDER, flags, zone, step);
}

/* The allocation in progress, on the state now: after its slowpath's
 * drain (pcp_check.c) only the min pass and what follows remain. */
static enum zm_outcome decide(struct exec *e, unsigned int order, gfp_t gfp, int *zone,
			      enum zm_step *step)
{
	return decide_flags(e, order, zm_flags(gfp) | (e->preq.drained ? ZM_RETRY : 0u), zone,
			    step);
}

bool zone_alloc_fails_now(struct exec *e, unsigned int order, gfp_t gfp)
{
	enum zm_step step;
	int want;

	return decide_flags(e, order, zm_flags(gfp) & ~ZM_NOFAIL, &want, &step) != ZM_TAKE;
}

/* An allocation about to be made, whole: a caller that may sleep, failing
 * the low and min passes with pages parked on the CPUs' lists, has them
 * drained and retries from the min pass on. */
static enum zm_outcome predict(struct exec *e, unsigned int order, gfp_t gfp)
{
	enum zm_step step;
	enum zm_outcome out;
	int want;

	if (!(gfp & __GFP_DIRECT_RECLAIM) || pm_nr_cpus(e->pm) < 2 || !pm_total(e->pm) ||
	    order > MAX_ORDER || !zone_alloc_fails_now(e, order, gfp))
		return decide_flags(e, order, zm_flags(gfp), &want, &step);
	pcp_lend(e, true);
	out = decide_flags(e, order, zm_flags(gfp) | ZM_RETRY, &want, &step);
	pcp_lend(e, false);
	return out;
}

static void zone_mismatch(struct exec *e, int z, const char *what, unsigned long want,
			  unsigned long got)
{
	diverge(e, "zone.setup", "zone %s: %s %lu", zname(z), what, want);
	diverge_actual(e, "%lu", got);
}

void oracle_zones(struct exec *e)
{
	unsigned long split = e->arena.base_pfn + e->arena.nr_dma32_pfns;
	unsigned long end = e->arena.base_pfn + e->arena.nr_pfns;

	for (int z = 0; z < ZM_NR_ZONES && !diverged(e); z++) {
		const struct zone *k = &zones[z];
		unsigned long start = z == 0 ? e->arena.base_pfn : split;
		unsigned long span = z == 0 ? split - e->arena.base_pfn : end - split;

		if (k->zone_start_pfn != start || k->spanned_pages != span)
			zone_mismatch(e, z, "pages spanned", span, k->spanned_pages);
		else if (k->managed_pages != e->zm.managed[z])
			zone_mismatch(e, z, "managed pages", e->zm.managed[z], k->managed_pages);
		else if (k->_watermark[WMARK_MIN] != e->zm.mark[z][ZM_MIN])
			zone_mismatch(e, z, "min watermark", e->zm.mark[z][ZM_MIN],
				      k->_watermark[WMARK_MIN]);
		else if (k->_watermark[WMARK_LOW] != e->zm.mark[z][ZM_LOW])
			zone_mismatch(e, z, "low watermark", e->zm.mark[z][ZM_LOW],
				      k->_watermark[WMARK_LOW]);
		else if (k->_watermark[WMARK_HIGH] != e->zm.mark[z][ZM_HIGH_MARK])
			zone_mismatch(e, z, "high watermark", e->zm.mark[z][ZM_HIGH_MARK],
				      k->_watermark[WMARK_HIGH]);
		else
			for (int h = 0; h < ZM_NR_ZONES && !diverged(e); h++)
				if (k->lowmem_reserve[h] != e->zm.reserve[z][h])
					zone_mismatch(e, z,
						      h ? "lowmem reserve against Normal requests"
							: "lowmem reserve against DMA32 requests",
						      e->zm.reserve[z][h], k->lowmem_reserve[h]);
	}
}

void oracle_zone_free(struct exec *e)
{
	for (int z = 0; z < ZM_NR_ZONES; z++) {
		unsigned long want = bm_zone_free_pages(e->model, (unsigned int)z);

		if (zones[z].nr_free != want) {
			diverge(e, "zone.free-pages", "%lu free pages in zone %s", want, zname(z));
			diverge_actual(e, "%lu", zones[z].nr_free);
			return;
		}
	}
}

static void describe_zones(struct exec *e, unsigned int order, gfp_t gfp, enum zm_step step)
{
	unsigned int f = zm_flags(gfp);

	for (int z = (f & ZM_DMA32) ? 0 : 1; z >= 0; z--)
		if (e->zm.managed[z])
			diverge_actual(e, "zone %s: %lu free pages, largest free order %d, %s %ld",
				       zname(z), bm_zone_free_pages(e->model, (unsigned int)z),
				       bm_zone_max_free_order(e->model, (unsigned int)z),
				       zm_step_name(step), zm_threshold(&e->zm, z, f, step));
	(void)order;
}

void zone_judge_alloc(struct exec *e, unsigned long pfn, unsigned int order, gfp_t gfp)
{
	enum zm_step step;
	int want;
	int got = (int)bm_zone_of(e->model, pfn);
	enum zm_outcome out = decide(e, order, gfp, &want, &step);

	if (!caller_flags_kept(e, order, gfp))
		return;
	if (e->warned) {
		diverge(e, "gfp.nowarn",
			"no allocation-failure warning for an allocation that succeeds");
		diverge_actual(e, "warn_alloc() ran, then the order-%u allocation succeeded",
			       order);
		return;
	}
	if (out == ZM_TAKE && want == got)
		return;
	if ((gfp & __GFP_DMA32) && got != 0) {
		diverge(e, "gfp.dma32", "an order-%u __GFP_DMA32 block from ZONE_DMA32", order);
		diverge_actual(e, "a block at pfn offset %lu, in zone Normal",
			       pfn - e->arena.base_pfn);
		return;
	}
	/* Another CPU's op ran inside this one (docs/cpus.md): the kernel
	 * chose the zone on the state before it, which is gone. */
	if (race_interleaved(e))
		return;
	if (out == ZM_TAKE) {
		diverge(e, "gfp.zone-choice",
			"the order-%u allocation (gfp %#x) from zone %s, the first in its zonelist "
			"above %s",
			order, gfp & __GFP_FLAGS_MASK, zname(want), zm_step_name(step));
		diverge_actual(e, "a block from zone %s", zname(got));
		describe_zones(e, order, gfp, step);
		return;
	}
	diverge(e, "gfp.below-watermark",
		"the order-%u allocation (gfp %#x) to fail: no zone in its zonelist is above %s",
		order, gfp & __GFP_FLAGS_MASK, zm_step_name(step));
	diverge_actual(e, "a block from zone %s", zname(got));
	describe_zones(e, order, gfp, step);
}

bool zone_judge_fail(struct exec *e, unsigned int order, gfp_t gfp, bool excused)
{
	enum zm_step step;
	int want;
	enum zm_outcome out = decide(e, order, gfp, &want, &step);
	bool warned = e->warned;

	e->warned = 0;
	if (!caller_flags_kept(e, order, gfp))
		return false;
	if (warned != !(gfp & __GFP_NOWARN)) {
		diverge(e, "gfp.nowarn", "%s for a failed order-%u allocation (gfp %#x)",
			warned ? "no warning" : "one warning", order, gfp & __GFP_FLAGS_MASK);
		diverge_actual(e, "%s", warned ? "warn_alloc() warned" : "no warning");
		return true;
	}
	if (out != ZM_TAKE || excused || race_interleaved(e))
		return true;
	diverge(e, (gfp & __GFP_NOFAIL) ? "gfp.nofail" : "buddy.spurious-failure",
		"the order-%u allocation (gfp %#x) to succeed from zone %s, above %s", order,
		gfp & __GFP_FLAGS_MASK, zname(want), zm_step_name(step));
	diverge_actual(e, "the buddy allocator failed it");
	describe_zones(e, order, gfp, step);
	return false;
}

bool zone_alloc_fails(struct exec *e, unsigned int order, gfp_t gfp)
{
	return predict(e, order, gfp) != ZM_TAKE;
}

bool zone_nofail_would_panic(struct exec *e, unsigned int order, gfp_t gfp)
{
	return (gfp & __GFP_NOFAIL) && predict(e, order, gfp) == ZM_PANIC;
}
