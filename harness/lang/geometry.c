/* The program's geometry header: its canonical form, the text line
 * "geometry pages=N [align=A] [hole=START+LEN]... [dma32=P]" and the binary
 * header GEOM_MARK pages(2) align nr_holes (start(2) len)... dma32(2), the
 * last field from format version 3 on. Like the ops, every
 * byte string decodes to a valid geometry (fields modulo their ranges,
 * then canon), and the text form is checked with line:column errors. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lang_internal.h"

static const struct prog_geometry geom_default = {
	.pages = GEOM_DEFAULT_PAGES,
	.nr_holes = 1,
	.holes = { { GEOM_DEFAULT_HOLE_START, GEOM_DEFAULT_HOLE_PAGES } },
};

void geom_resolve(const struct prog_geometry *in, struct prog_geometry *out)
{
	geom_canon(in, out);
	if (geom_is_default(out))
		*out = geom_default;
}

/* The largest start alignment an arena of this size holds with room to
 * spare: the usable start is then at most half-way in. */
static unsigned int align_cap(unsigned int pages)
{
	unsigned int k = GEOM_MAX_ALIGN_ORDER;

	while (k > 0 && (2u << k) > pages)
		k--;
	return k;
}

static void sort_holes(struct prog_hole *h, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i;
		     j > 0 && (h[j - 1].start > h[j].start ||
			       (h[j - 1].start == h[j].start && h[j - 1].len > h[j].len));
		     j--) {
			struct prog_hole t = h[j];

			h[j] = h[j - 1];
			h[j - 1] = t;
		}
}

void geom_canon(const struct prog_geometry *in, struct prog_geometry *out)
{
	struct prog_geometry g;
	struct prog_hole h[GEOM_MAX_HOLES];
	unsigned int n = 0, pages;

	memset(&g, 0, sizeof g);
	if (in->pages == 0) {
		*out = g;
		return;
	}
	pages = in->pages < GEOM_MIN_PAGES   ? GEOM_MIN_PAGES
		: in->pages > GEOM_MAX_PAGES ? GEOM_MAX_PAGES
					     : in->pages;
	g.pages = (uint16_t)pages;
	g.align_order = (uint8_t)(in->align_order < align_cap(pages) ? in->align_order
								     : align_cap(pages));
	for (unsigned int i = 0; i < in->nr_holes && i < GEOM_MAX_HOLES; i++) {
		unsigned int s = in->holes[i].start, len = in->holes[i].len;

		if (s >= pages || len == 0)
			continue;
		if (len > GEOM_MAX_HOLE_PAGES)
			len = GEOM_MAX_HOLE_PAGES;
		if (len > pages - s)
			len = pages - s;
		h[n++] = (struct prog_hole){ (uint16_t)s, (uint16_t)len };
	}
	g.dma32 = in->dma32 < pages ? in->dma32 : 0;
	sort_holes(h, n);
	/* A hole must leave a usable page before it, or it would merely be a
	 * longer one: each hole is then one more usable range. */
	for (unsigned int i = 0; i < n; i++) {
		const struct prog_hole *prev = g.nr_holes ? &g.holes[g.nr_holes - 1] : NULL;

		if (prev && h[i].start <= prev->start + prev->len)
			continue;
		g.holes[g.nr_holes++] = h[i];
	}
	if (!memcmp(&g, &geom_default, sizeof g))
		memset(&g, 0, sizeof g);
	*out = g;
}

/* ---- binary ---- */

size_t geom_decode(const uint8_t *data, size_t len, int version, struct prog_geometry *g)
{
	struct prog_geometry raw;
	size_t pos = 1; /* past GEOM_MARK */
	unsigned int v;

#define NEXT() (pos < len ? data[pos++] : (pos++, 0u))
	memset(&raw, 0, sizeof raw);
	v = NEXT();
	v |= NEXT() << 8;
	raw.pages = (uint16_t)(GEOM_MIN_PAGES + v % (GEOM_MAX_PAGES - GEOM_MIN_PAGES + 1));
	raw.align_order = (uint8_t)(NEXT() % (GEOM_MAX_ALIGN_ORDER + 1));
	raw.nr_holes = (uint8_t)(NEXT() % (GEOM_MAX_HOLES + 1));
	for (unsigned int i = 0; i < raw.nr_holes; i++) {
		v = NEXT();
		v |= NEXT() << 8;
		raw.holes[i].start = (uint16_t)(v % raw.pages);
		raw.holes[i].len = (uint16_t)(1 + NEXT());
	}
	if (version >= PROG_FORMAT_ZONES) {
		v = NEXT();
		v |= NEXT() << 8;
		raw.dma32 = (uint16_t)(v % raw.pages);
	}
#undef NEXT
	geom_canon(&raw, g);
	return pos < len ? pos : len;
}

size_t geom_encode(const struct prog_geometry *in, uint8_t *out)
{
	struct prog_geometry g;
	size_t n = 0;

	geom_canon(in, &g);
	if (geom_is_default(&g))
		return 0;
	out[n++] = GEOM_MARK;
	out[n++] = (uint8_t)((g.pages - GEOM_MIN_PAGES) & 0xff);
	out[n++] = (uint8_t)((g.pages - GEOM_MIN_PAGES) >> 8);
	out[n++] = g.align_order;
	out[n++] = g.nr_holes;
	for (unsigned int i = 0; i < g.nr_holes; i++) {
		out[n++] = (uint8_t)(g.holes[i].start & 0xff);
		out[n++] = (uint8_t)(g.holes[i].start >> 8);
		out[n++] = (uint8_t)(g.holes[i].len - 1);
	}
	out[n++] = (uint8_t)(g.dma32 & 0xff);
	out[n++] = (uint8_t)(g.dma32 >> 8);
	return n;
}

/* ---- text ---- */

int geom_format(const struct prog_geometry *in, char *buf, size_t cap)
{
	struct prog_geometry g;
	char tmp[160];
	int n;

	geom_resolve(in, &g);
	n = snprintf(tmp, sizeof tmp, "pages=%u", g.pages);
	if (g.align_order >= 8)
		n += snprintf(tmp + n, sizeof tmp - (size_t)n, " align=%uM",
			      1u << (g.align_order - 8));
	else if (g.align_order)
		n += snprintf(tmp + n, sizeof tmp - (size_t)n, " align=%uK", 4u << g.align_order);
	for (unsigned int i = 0; i < g.nr_holes; i++)
		n += snprintf(tmp + n, sizeof tmp - (size_t)n, " hole=%u+%u", g.holes[i].start,
			      g.holes[i].len);
	if (g.dma32)
		n += snprintf(tmp + n, sizeof tmp - (size_t)n, " dma32=%u", g.dma32);
	if (cap > 0)
		snprintf(buf, cap, "%s", tmp);
	return n;
}

int geom_is_header(const struct line *ln)
{
	return ln->ntok > 0 && tok_is(&ln->tok[0], "geometry") &&
	       (ln->ntok < 2 || !tok_is(&ln->tok[1], "="));
}

static int gfail(struct parse_error *err, const struct line *ln, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int gfail(struct parse_error *err, const struct line *ln, int col, const char *fmt, ...)
{
	va_list ap;

	err->line = ln->lineno;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

#define SHOW(t) ((t)->len > 40 ? 40 : (t)->len), (t)->s

/* START+LEN, both plain numbers. */
static int parse_hole(const struct tok *t, struct prog_hole *h)
{
	const char *plus = memchr(t->s, '+', (size_t)t->len);
	uint32_t s, len;

	if (!plus || num_parse(t->s, (size_t)(plus - t->s), &s) != NUM_OK ||
	    num_parse(plus + 1, (size_t)(t->s + t->len - plus - 1), &len) != NUM_OK || s > 0xffff ||
	    len > 0xffff)
		return -1;
	h->start = (uint16_t)s;
	h->len = (uint16_t)len;
	return 0;
}

/* The words of a header line from token i on. */
static int parse_words(const struct line *ln, int i, struct prog_geometry *out,
		       struct parse_error *err)
{
	const struct tok *pages_tok = NULL, *align_tok = NULL, *dma32_tok = NULL,
			 *hole_tok[GEOM_MAX_HOLES];
	struct prog_geometry g = { .pages = GEOM_DEFAULT_PAGES };
	uint32_t v;

	if (ln->ntok >= LINE_MAX_TOKS)
		return gfail(err, ln, ln->tok[LINE_MAX_TOKS - 1].col, "geometry line too long");
	for (; i < ln->ntok; i += 3) {
		const struct tok *k = &ln->tok[i], *val = i + 2 < ln->ntok ? &ln->tok[i + 2] : NULL;

		bool has_eq = i + 1 < ln->ntok && tok_is(&ln->tok[i + 1], "=");

		if (!has_eq || !val || tok_is(val, "="))
			return gfail(
				err, ln,
				!has_eq ? (i + 1 < ln->ntok ? ln->tok[i + 1].col : ln->end_col)
				: val   ? val->col
					: ln->end_col,
				"geometry: expected KEY=VALUE (pages=, align=, hole=, dma32=) after "
				"'%.*s'",
				SHOW(k));
		if (tok_is(k, "pages")) {
			if (pages_tok)
				return gfail(err, ln, k->col, "duplicate option 'pages'");
			pages_tok = val;
			if (num_parse(val->s, (size_t)val->len, &v) != NUM_OK ||
			    v < GEOM_MIN_PAGES || v > GEOM_MAX_PAGES)
				return gfail(err, ln, val->col,
					     "pages out of range: '%.*s' (must be %u..%u)",
					     SHOW(val), GEOM_MIN_PAGES, GEOM_MAX_PAGES);
			g.pages = (uint16_t)v;
		} else if (tok_is(k, "align")) {
			unsigned int o = 0;

			if (align_tok)
				return gfail(err, ln, k->col, "duplicate option 'align'");
			align_tok = val;
			if (size_parse(val->s, (size_t)val->len, &v) != NUM_OK || v < 4096)
				v = 0;
			while (o <= GEOM_MAX_ALIGN_ORDER && (4096u << o) != v)
				o++;
			if (o > GEOM_MAX_ALIGN_ORDER)
				return gfail(err, ln, val->col,
					     "bad align '%.*s' (must be a power of two, 4K..4M)",
					     SHOW(val));
			g.align_order = (uint8_t)o;
		} else if (tok_is(k, "hole")) {
			if (g.nr_holes == GEOM_MAX_HOLES)
				return gfail(err, ln, k->col, "more than %d holes", GEOM_MAX_HOLES);
			hole_tok[g.nr_holes] = val;
			if (parse_hole(val, &g.holes[g.nr_holes]))
				return gfail(err, ln, val->col,
					     "bad hole '%.*s' (must be START+LEN, in pages)",
					     SHOW(val));
			g.nr_holes++;
		} else if (tok_is(k, "dma32")) {
			if (dma32_tok)
				return gfail(err, ln, k->col, "duplicate option 'dma32'");
			dma32_tok = val;
			if (num_parse(val->s, (size_t)val->len, &v) != NUM_OK || v == 0 ||
			    v > GEOM_MAX_PAGES)
				return gfail(err, ln, val->col,
					     "bad dma32 '%.*s' (pages in ZONE_DMA32, 1..pages)",
					     SHOW(val));
			g.dma32 = (uint16_t)v;
		} else {
			return gfail(
				err, ln, k->col,
				"unknown geometry option '%.*s' (pages=, align=, hole=, dma32=)",
				SHOW(k));
		}
	}
	/* Checked once the size is known: it may come after them. */
	if (align_tok && (2u << g.align_order) > g.pages)
		return gfail(
			err, ln, align_tok->col,
			"align '%.*s' needs pages >= %u (the usable start at most half-way in)",
			SHOW(align_tok), 2u << g.align_order);
	if (dma32_tok && g.dma32 > g.pages)
		return gfail(err, ln, dma32_tok->col, "dma32 '%.*s' is past the arena (pages=%u)",
			     SHOW(dma32_tok), g.pages);
	for (unsigned int h = 0; h < g.nr_holes; h++) {
		const struct prog_hole *x = &g.holes[h];

		if (x->len < 1 || x->len > GEOM_MAX_HOLE_PAGES)
			return gfail(err, ln, hole_tok[h]->col,
				     "hole length out of range: '%.*s' (must be 1..%d pages)",
				     SHOW(hole_tok[h]), GEOM_MAX_HOLE_PAGES);
		if ((unsigned int)x->start + x->len > g.pages)
			return gfail(err, ln, hole_tok[h]->col,
				     "hole '%.*s' ends past the arena (pages=%u)",
				     SHOW(hole_tok[h]), g.pages);
		if (h && x->start <= g.holes[h - 1].start + g.holes[h - 1].len)
			return gfail(err, ln, hole_tok[h]->col,
				     "hole '%.*s' must start past the previous one, a page apart",
				     SHOW(hole_tok[h]));
	}
	geom_canon(&g, out);
	return 0;
}

int geom_parse_line(const struct line *ln, struct prog_geometry *g, struct parse_error *err)
{
	return parse_words(ln, 1, g, err);
}

int geom_parse(const char *text, struct prog_geometry *g, struct parse_error *err)
{
	struct parse_error dummy;
	struct line ln;
	size_t pos = 0, len = strlen(text);
	int bad;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof *err);
	memset(&ln, 0, sizeof ln);
	if (!line_next(text, len, &pos, &ln) || memchr(text, '\n', len) != NULL) {
		err->line = 1;
		err->col = 1;
		snprintf(err->msg, sizeof err->msg,
			 "a geometry is one line: pages=N [align=A] [hole=START+LEN]... [dma32=P]");
		return -1;
	}
	bad = line_lex(&ln);
	if (bad)
		return gfail(err, &ln, bad, "bad character '%c'", ln.s[bad - 1]);
	return parse_words(&ln, ln.ntok > 0 && tok_is(&ln.tok[0], "geometry"), g, err);
}
