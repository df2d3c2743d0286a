/* Op deletion, ddmin-style: try to drop each chunk of half the program,
 * then quarters, and so on down to single ops. Big chunks first because
 * padding usually comes in runs, so most of it goes in a few runs. */
#include <string.h>

#include "min.h"

/* cand = cur without ops [at, at + len). */
static void without(const struct program *cur, size_t at, size_t len, struct program *cand)
{
	cand->n = cur->n - len;
	memcpy(cand->ops, cur->ops, at * sizeof(cur->ops[0]));
	memcpy(cand->ops + at, cur->ops + at + len, (cur->n - at - len) * sizeof(cur->ops[0]));
}

bool min_delete(struct min_state *s)
{
	bool changed = false;
	size_t chunk = s->cur->n / 2 ? s->cur->n / 2 : 1;

	while (s->cur->n && !s->budget_out) {
		size_t at = 0;

		while (at < s->cur->n && !s->budget_out) {
			size_t len = s->cur->n - at < chunk ? s->cur->n - at : chunk;

			without(s->cur, at, len, s->cand);
			/* After a success the next chunk has moved to at. */
			if (min_try(s, s->cand))
				changed = true;
			else
				at += len;
		}
		if (chunk == 1)
			break;
		chunk /= 2;
	}
	return changed;
}
