/* Reference zone policy (see zone_model.h). The figures follow Linux:
 *   min_free_kbytes = isqrt(16 * managed KiB) held to [128, 262144];
 *   zone min = pages_min * zone managed / all managed (rounded down);
 *   gap = max(min / 4, managed * 10 / 10000); low = min + gap, high = low + gap;
 *   reserve of DMA32 against a Normal request = Normal's managed / 256.
 * The decision walks Normal then DMA32 (DMA32 alone for a DMA32 request)
 * at the low mark, then at the min mark lowered for __GFP_HIGH (by half,
 * then a quarter of the rest when the caller cannot sleep); a nofail
 * request then tries the half-min reserve and finally any free block. */
#include "zone_model.h"

static unsigned long isqrt(unsigned long x)
{
	unsigned long lo = 0, hi = x < 2 ? x : x / 2 + 1;

	/* the largest r with r * r <= x, by bisection */
	while (lo < hi) {
		unsigned long mid = lo + (hi - lo + 1) / 2;

		if (mid <= x / mid)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

void zm_setup(struct zone_model *zm, const unsigned long managed[ZM_NR_ZONES])
{
	unsigned long total = 0, kb, pages_min;

	for (int z = 0; z < ZM_NR_ZONES; z++) {
		zm->managed[z] = managed[z];
		total += managed[z];
	}
	kb = isqrt(total * 4 * 16);
	if (kb < 128)
		kb = 128;
	if (kb > 262144)
		kb = 262144;
	zm->min_free_kbytes = kb;
	pages_min = kb / 4;
	for (int z = 0; z < ZM_NR_ZONES; z++) {
		unsigned long min = total ? pages_min * managed[z] / total : 0;
		unsigned long scaled = managed[z] * 10 / 10000, gap = min / 4;

		if (scaled > gap)
			gap = scaled;
		zm->mark[z][ZM_MIN] = min;
		zm->mark[z][ZM_LOW] = min + gap;
		zm->mark[z][ZM_HIGH_MARK] = min + gap + gap;
	}
	zm->reserve[0][0] = 0;
	zm->reserve[0][1] = managed[1] / 256;
	zm->reserve[1][0] = 0;
	zm->reserve[1][1] = 0;
}

const char *zm_step_name(enum zm_step step)
{
	switch (step) {
	case ZM_STEP_LOW:
		return "the low watermark";
	case ZM_STEP_MIN:
		return "the min watermark (lowered as the flags allow)";
	case ZM_STEP_NOFAIL_RESERVE:
		return "nofail's half-min reserve";
	case ZM_STEP_NO_WATERMARKS:
		return "nofail's last resort (no watermark)";
	}
	return "?";
}

long zm_threshold(const struct zone_model *zm, int z, unsigned int flags, enum zm_step step)
{
	int highest = (flags & ZM_DMA32) ? 0 : 1;
	long mark;

	switch (step) {
	case ZM_STEP_LOW:
		return (long)(zm->mark[z][ZM_LOW] + zm->reserve[z][highest]);
	case ZM_STEP_NO_WATERMARKS:
		return -1; /* any free page will do */
	case ZM_STEP_MIN:
	case ZM_STEP_NOFAIL_RESERVE:
		break;
	}
	mark = (long)zm->mark[z][ZM_MIN];
	if ((flags & ZM_HIGH) || step == ZM_STEP_NOFAIL_RESERVE) {
		mark = mark - mark / 2;
		if (flags & ZM_NOWAIT)
			mark = mark - mark / 4;
	}
	return mark + (long)zm->reserve[z][highest];
}

static int first_fit(const struct zone_model *zm, const struct zm_zone_state st[ZM_NR_ZONES],
		     unsigned int order, unsigned int flags, enum zm_step step)
{
	for (int z = (flags & ZM_DMA32) ? 0 : 1; z >= 0; z--) {
		long left = (long)st[z].free_pages - (long)((1UL << order) - 1);

		if (zm->managed[z] == 0 || st[z].max_free_order < (int)order)
			continue;
		if (left > zm_threshold(zm, z, flags, step))
			return z;
	}
	return -1;
}

enum zm_outcome zm_decide(const struct zone_model *zm, const struct zm_zone_state st[ZM_NR_ZONES],
			  unsigned int order, unsigned int max_order, unsigned int flags, int *zone,
			  enum zm_step *step)
{
	static const enum zm_step steps[] = { ZM_STEP_LOW, ZM_STEP_MIN, ZM_STEP_NOFAIL_RESERVE,
					      ZM_STEP_NO_WATERMARKS };
	unsigned int nr_steps = (flags & ZM_NOFAIL) ? 4 : 2;

	*zone = -1;
	*step = ZM_STEP_MIN;
	if (order > max_order)
		return ZM_FAIL;
	for (unsigned int i = (flags & ZM_RETRY) ? 1 : 0; i < nr_steps; i++) {
		*step = steps[i];
		*zone = first_fit(zm, st, order, flags, steps[i]);
		if (*zone >= 0)
			return ZM_TAKE;
	}
	return (flags & ZM_NOFAIL) ? ZM_PANIC : ZM_FAIL;
}
