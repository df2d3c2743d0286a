/* What the passes share: when a candidate is accepted, the order that
 * makes "smaller" well-founded, and canonical ops. */
#include <string.h>

#include "min.h"

void min_canon(struct op *op)
{
	/* decode(encode(op)) is the op table's own canonical form, so no
	 * range rule is restated here. */
	static struct program one;
	uint8_t bytes[PROG_MAX_OP_BYTES * 2];

	one.n = 1;
	one.ops[0] = *op;
	size_t len = prog_encode(&one, bytes, sizeof bytes);
	prog_decode(bytes, len, &one);
	if (one.n == 1)
		*op = one.ops[0];
}

/* The fields in a fixed order; struct op's layout is not relied on. */
static void op_key(const struct op *o, uint32_t k[13])
{
	k[0] = o->kind;
	k[1] = o->dst;
	k[2] = o->src;
	k[3] = o->order;
	k[4] = o->gfp;
	k[5] = o->n;
	k[6] = o->align;
	k[7] = o->flags;
	k[8] = o->prot;
	k[9] = o->mflags;
	k[10] = o->pgoff;
	k[11] = o->raw;
	k[12] = o->size;
}

/* The default geometry is the simplest (all 0); then fewer holes, a size
 * nearer the default's, a smaller start alignment. */
#define GEOM_KEYS (5 + 2 * GEOM_MAX_HOLES)
static void geom_key(const struct prog_geometry *in, uint32_t k[GEOM_KEYS])
{
	struct prog_geometry g;

	memset(k, 0, GEOM_KEYS * sizeof(k[0]));
	geom_canon(in, &g);
	if (geom_is_default(&g))
		return;
	k[0] = 1;
	k[1] = g.nr_holes;
	k[2] = g.pages > GEOM_DEFAULT_PAGES ? g.pages - GEOM_DEFAULT_PAGES
					    : GEOM_DEFAULT_PAGES - g.pages;
	k[3] = g.align_order;
	k[4] = g.pages;
	for (unsigned int i = 0; i < g.nr_holes; i++) {
		k[5 + 2 * i] = g.holes[i].len;
		k[6 + 2 * i] = g.holes[i].start;
	}
}

bool min_simpler(const struct program *a, const struct program *b)
{
	uint32_t ga[GEOM_KEYS], gb[GEOM_KEYS];

	if (a->n != b->n)
		return a->n < b->n;
	geom_key(&a->geom, ga);
	geom_key(&b->geom, gb);
	for (int f = 0; f < GEOM_KEYS; f++)
		if (ga[f] != gb[f])
			return ga[f] < gb[f];
	for (size_t i = 0; i < a->n; i++) {
		uint32_t ka[13], kb[13];

		op_key(&a->ops[i], ka);
		op_key(&b->ops[i], kb);
		for (int f = 0; f < 13; f++)
			if (ka[f] != kb[f])
				return ka[f] < kb[f];
	}
	return false;
}

/* FNV-1a over the fields, never 0 (0 marks an empty table slot). */
static uint64_t prog_hash(const struct program *p)
{
	uint64_t h = 1469598103934665603ull;
	uint32_t g[GEOM_KEYS];

	geom_key(&p->geom, g);
	for (int f = 0; f < GEOM_KEYS; f++)
		for (int b = 0; b < 4; b++) {
			h ^= (g[f] >> (8 * b)) & 0xff;
			h *= 1099511628211ull;
		}
	for (size_t i = 0; i < p->n; i++) {
		uint32_t k[13];

		op_key(&p->ops[i], k);
		for (int f = 0; f < 13; f++)
			for (int b = 0; b < 4; b++) {
				h ^= (k[f] >> (8 * b)) & 0xff;
				h *= 1099511628211ull;
			}
	}
	h ^= p->n;
	return h ? h : 1;
}

static bool seen_failed(const struct min_state *s, uint64_t h)
{
	for (uint32_t i = (uint32_t)h % MIN_SEEN_SLOTS;; i = (i + 1) % MIN_SEEN_SLOTS) {
		if (s->seen[i] == h)
			return true;
		if (!s->seen[i])
			return false;
	}
}

static void remember_failed(struct min_state *s, uint64_t h)
{
	/* A full table would make the probe loop endless: stop remembering
	 * well before that; the cost is only repeated runs. */
	if (s->nseen >= MIN_SEEN_SLOTS / 2)
		return;
	uint32_t i = (uint32_t)h % MIN_SEEN_SLOTS;
	while (s->seen[i])
		i = (i + 1) % MIN_SEEN_SLOTS;
	s->seen[i] = h;
	s->nseen++;
}

bool min_try(struct min_state *s, const struct program *cand)
{
	char sig[MIN_SIG_CAP];
	uint64_t h;

	if (s->budget_out)
		return false;
	h = prog_hash(cand);
	if (seen_failed(s, h))
		return false;
	int rc = min_run(s->runner, cand, sig, sizeof sig);
	if (rc < 0) {
		s->budget_out = true;
		return false;
	}
	if (rc == 1 && strcmp(sig, s->target) == 0) {
		if (cand != s->cur)
			memcpy(s->cur, cand, sizeof(*cand));
		return true;
	}
	remember_failed(s, h);
	return false;
}
