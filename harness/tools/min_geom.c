/* Geometry shrinking: a reproducer that fails on the default geometry
 * needs no header at all, and one that needs a geometry is clearest with
 * as few holes, as small a start alignment and as near the default size
 * as still fail. Candidates go through min_simpler, like every pass's. */
#include <string.h>

#include "min.h"

static bool try_geom(struct min_state *s, const struct prog_geometry *g)
{
	memcpy(s->cand, s->cur, sizeof(*s->cand));
	geom_canon(g, &s->cand->geom);
	return min_simpler(s->cand, s->cur) && min_try(s, s->cand);
}

/* pages toward the default: the default size itself, then halving the
 * distance, so a size that matters is found in a few runs. */
static bool shrink_pages(struct min_state *s)
{
	struct prog_geometry g = s->cur->geom;
	int from = g.pages, to = GEOM_DEFAULT_PAGES;

	for (int step = to - from; step != 0 && !s->budget_out; step /= 2) {
		g.pages = (uint16_t)(from + step);
		if (try_geom(s, &g))
			return true;
	}
	return false;
}

bool min_geometry(struct min_state *s)
{
	static const struct prog_geometry deflt;
	bool changed = false;

	if (geom_is_default(&s->cur->geom))
		return false;
	if (try_geom(s, &deflt))
		return true;
	for (int h = s->cur->geom.nr_holes - 1; h >= 0 && !s->budget_out; h--) {
		struct prog_geometry g = s->cur->geom;

		memmove(&g.holes[h], &g.holes[h + 1],
			(g.nr_holes - 1 - (unsigned)h) * sizeof(g.holes[0]));
		g.nr_holes--;
		changed |= try_geom(s, &g);
	}
	for (int a = 0; a < s->cur->geom.align_order && !s->budget_out; a++) {
		struct prog_geometry g = s->cur->geom;

		g.align_order = (uint8_t)a;
		if (try_geom(s, &g)) {
			changed = true;
			break;
		}
	}
	if (!geom_is_default(&s->cur->geom) && s->cur->geom.pages != GEOM_DEFAULT_PAGES)
		changed |= shrink_pages(s);
	return changed;
}
