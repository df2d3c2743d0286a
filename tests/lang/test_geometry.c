/* The geometry header: text errors (exact line:column), canonical print,
 * the binary header's round trip, and decode's totality (any bytes give a
 * geometry inside the bounds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lang_test.h"
#include "prog.h"

static struct program prog, prog2;

static const struct parse_case bad[] = {
	{ "check\ngeometry pages=8192", 2, 1, "geometry must be the program's first statement" },
	{ "geometry pages=8192\ngeometry pages=8192", 2, 1, "must be the program's first" },
	{ "geometry pages=511", 1, 16, "pages out of range: '511' (must be 512..16384)" },
	{ "geometry pages=16385", 1, 16, "pages out of range" },
	{ "geometry pages=4096 pages=8192", 1, 21, "duplicate option 'pages'" },
	{ "geometry align=3K", 1, 16, "bad align '3K' (must be a power of two, 4K..4M)" },
	{ "geometry align=8M", 1, 16, "bad align '8M'" },
	{ "geometry pages=1024 align=4M", 1, 27, "align '4M' needs pages >= 2048" },
	{ "geometry size=4M", 1, 10, "unknown geometry option 'size'" },
	{ "geometry pages", 1, 15, "expected KEY=VALUE" },
	{ "geometry pages=", 1, 16, "expected KEY=VALUE" },
	{ "geometry hole=100", 1, 15, "bad hole '100' (must be START+LEN, in pages)" },
	{ "geometry hole=100+0", 1, 15, "hole length out of range" },
	{ "geometry hole=100+257", 1, 15, "hole length out of range" },
	{ "geometry pages=600 hole=590+11", 1, 25, "ends past the arena (pages=600)" },
	{ "geometry hole=300+5 hole=200+5", 1, 26, "must start past the previous one" },
	{ "geometry hole=300+5 hole=305+5", 1, 26, "must start past the previous one" },
	{ "geometry hole=1+1 hole=3+1 hole=5+1 hole=7+1", 1, 37, "more than 3 holes" },
};

static void test_errors(void)
{
	check_parse_errors(bad, sizeof bad / sizeof bad[0]);
}

static void print_to(const struct program *p, char *buf, size_t cap)
{
	FILE *f = fmemopen(buf, cap, "w");

	prog_print(p, f);
	fclose(f);
}

/* text -> print is canonical; print -> parse -> print and the binary
 * round trip keep it. */
static void test_canonical(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "# none\ncheck\n", "check\n" },
		{ "geometry pages=4096 hole=2061+7\ncheck\n", "check\n" }, /* the default */
		{ "geometry\ncheck\n", "geometry pages=4096\ncheck\n" },   /* no hole */
		{ "geometry pages=8192 align=4M\n", "geometry pages=8192 align=4M\n" },
		{ "geometry align=0x2000 pages=0x1000 hole=9+1 # x\ncheck\n",
		  "geometry pages=4096 align=8K hole=9+1\ncheck\n" },
		{ "geometry pages=16384 align=512K hole=1+256 hole=300+2 hole=16383+1\n",
		  "geometry pages=16384 align=512K hole=1+256 hole=300+2 hole=16383+1\n" },
		{ "  geometry   pages = 512  \r\n", "geometry pages=512\n" },
	};
	char out[512], again[512];
	uint8_t bin[PROG_MAX_BYTES];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct parse_error err;

		CHECK(prog_parse(cases[i].in, strlen(cases[i].in), &prog, &err) == 0);
		print_to(&prog, out, sizeof out);
		if (strcmp(out, cases[i].out))
			fprintf(stderr, "  case %zu: printed '%s', want '%s'\n", i, out,
				cases[i].out);
		CHECK(strcmp(out, cases[i].out) == 0);
		CHECK(prog_parse(out, strlen(out), &prog2, &err) == 0);
		print_to(&prog2, again, sizeof again);
		CHECK(strcmp(out, again) == 0);
		size_t n = prog_encode(&prog, bin, sizeof bin);
		CHECK(prog_decode(bin, n, &prog2) == 0);
		print_to(&prog2, again, sizeof again);
		CHECK(strcmp(out, again) == 0);
		/* Only a non-default geometry costs header bytes. */
		CHECK((n > 1 && bin[1] == GEOM_MARK) == (strncmp(out, "geometry", 8) == 0));
	}
}

static void check_bounds(const struct prog_geometry *g)
{
	if (geom_is_default(g))
		return;
	CHECK(g->pages >= GEOM_MIN_PAGES && g->pages <= GEOM_MAX_PAGES);
	CHECK(g->align_order <= GEOM_MAX_ALIGN_ORDER && (2u << g->align_order) <= g->pages);
	CHECK(g->nr_holes <= GEOM_MAX_HOLES);
	for (unsigned int i = 0; i < g->nr_holes; i++) {
		CHECK(g->holes[i].len >= 1 && g->holes[i].len <= GEOM_MAX_HOLE_PAGES);
		CHECK((unsigned int)g->holes[i].start + g->holes[i].len <= g->pages);
		if (i)
			CHECK(g->holes[i].start > g->holes[i - 1].start + g->holes[i - 1].len);
	}
}

/* Any bytes after the mark decode to a geometry inside the bounds, and
 * the canonical bytes of that geometry decode to it again. */
static void test_decode_total(void)
{
	uint8_t in[64], bin[PROG_MAX_BYTES];

	srand(12);
	for (int round = 0; round < 20000; round++) {
		size_t len = 1 + (size_t)(rand() % (int)sizeof in);

		for (size_t i = 0; i < len; i++)
			in[i] = (uint8_t)rand();
		in[0] = GEOM_MARK;
		decode_body(in, len, &prog);
		check_bounds(&prog.geom);
		size_t n = prog_encode(&prog, bin, sizeof bin);
		CHECK(prog_decode(bin, n, &prog2) == 0);
		CHECK(memcmp(&prog.geom, &prog2.geom, sizeof prog.geom) == 0);
		CHECK(prog.n == prog2.n);
	}
	/* The mark alone: the smallest arena, no holes. */
	in[0] = GEOM_MARK;
	decode_body(in, 1, &prog);
	CHECK_EQ_UL(prog.geom.pages, GEOM_MIN_PAGES);
	CHECK_EQ_UL(prog.n, 0);
	/* No mark: the default, and the ops as before. */
	in[0] = 0x0f;
	decode_body(in, 1, &prog);
	CHECK(geom_is_default(&prog.geom));
	CHECK_EQ_UL(prog.n, 1);
}

/* Any hand-built geometry comes out of canon inside the bounds. */
static void test_canon_total(void)
{
	struct prog_geometry g, c;

	srand(34);
	for (int round = 0; round < 20000; round++) {
		g.pages = (uint16_t)rand();
		g.align_order = (uint8_t)rand();
		g.nr_holes = (uint8_t)(rand() % 8);
		for (int i = 0; i < GEOM_MAX_HOLES; i++)
			g.holes[i] = (struct prog_hole){ (uint16_t)(rand() % 20000),
							 (uint16_t)(rand() % 300) };
		geom_canon(&g, &c);
		check_bounds(&c);
		geom_canon(&c, &g);
		CHECK(memcmp(&c, &g, sizeof g) == 0);
	}
}

static void test_option_syntax(void)
{
	struct prog_geometry g;
	struct parse_error err;
	char buf[160];

	CHECK(geom_parse("pages=8192 align=2M hole=100+3", &g, &err) == 0);
	geom_format(&g, buf, sizeof buf);
	CHECK(strcmp(buf, "pages=8192 align=2M hole=100+3") == 0);
	CHECK(geom_parse("geometry pages=1024", &g, &err) == 0);
	CHECK_EQ_UL(g.pages, 1024);
	CHECK(geom_parse("pages=4096 hole=2061+7", &g, &err) == 0);
	CHECK(geom_is_default(&g));
	CHECK(geom_parse("pages=8192;", &g, &err) == -1 && err.col == 11);
	CHECK(geom_parse("pages=1\n", &g, &err) == -1);
	CHECK(geom_parse("align=1M pages=100", &g, &err) == -1 && err.col == 16);
}

int main(void)
{
	test_errors();
	test_canonical();
	test_decode_total();
	test_canon_total();
	test_option_syntax();
	return check_finish("test_lang_geometry");
}
