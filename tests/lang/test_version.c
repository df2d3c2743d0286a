/* Binary format versions: an input says its version in its first byte,
 * decode refuses every byte that names no version this build reads (and
 * says why), version 1's opcodes keep their meaning, and an input from
 * before versions is upgraded to the same program. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lang_test.h"
#include "prog.h"

static struct program p, q;
static char text[4096];

#define V1_BYTE (PROG_FORMAT_MARK | 1)
static char text[4096];

/* Only the format byte of a version this build reads starts a program. */
static void test_first_byte(void)
{
	uint8_t in[3] = { 0, OP_CHECK, OP_CHECK };
	int accepted = 0;

	for (unsigned int b = 0; b < 256; b++) {
		in[0] = (uint8_t)b;
		int rc = prog_decode(in, sizeof in, &p);

		if (rc == 0) {
			accepted++;
			CHECK_EQ_UL(p.n, 2);
		} else {
			CHECK_EQ_UL(p.n, 0);
		}
		CHECK((rc == 0) == ((b & 0xf0) == PROG_FORMAT_MARK && (b & 0xf) >= 1 &&
				    (b & 0xf) <= PROG_FORMAT_VERSION));
		CHECK_EQ_UL((unsigned long)prog_format_of(in, 1),
			    (unsigned long)((b & 0xf0) == 0xb0 ? (int)(b & 0xf) : -1));
	}
	CHECK_EQ_UL(accepted, PROG_FORMAT_VERSION); /* 1 to the current one */
	/* no bytes: the empty program, in any version */
	CHECK(prog_decode(NULL, 0, &p) == 0 && p.n == 0);
	CHECK(prog_format_known(PROG_FORMAT_VERSION) &&
	      !prog_format_known(PROG_FORMAT_VERSION + 1));
}

/* The message names the byte and the version found, and the way out. */
static void test_explain(void)
{
	char why[384];
	const uint8_t legacy[] = { 0x04, 0x01 }, newer[] = { 0xb8 }, zero[] = { 0xb0 };

	prog_format_explain(legacy, sizeof legacy, why, sizeof why);
	CHECK(strstr(why, "no binary format version") && strstr(why, "0x04") &&
	      strstr(why, "mmrig-conv --upgrade --legacy"));
	prog_format_explain(newer, sizeof newer, why, sizeof why);
	CHECK(strstr(why, "version 8") && strstr(why, "0xb8") && strstr(why, "newer"));
	prog_format_explain(zero, sizeof zero, why, sizeof why);
	CHECK(strstr(why, "version 0") && strstr(why, "does not exist"));
}

/* Version 1's opcode byte picks among 27 kinds (an allocator's: those of
 * its set below 27): bytes past them wrap. A stored input means this
 * forever; if this fails, an op was added without a new version. */
static void test_v1_meaning(void)
{
	static const uint8_t in[] = {
		V1_BYTE, 27, 1,    2, 0, /* 27 % 27: alloc_pages p1 order 2 */
		27 + 15,                 /* check */
		53,      3,  0x10, 0,    /* 53 % 27 = 26: aligned_alloc o3 64K */
		0x0c,    0,
	};
	static const char want[] = "p1 = alloc_pages 2\ncheck\no3 = aligned_alloc 64K\n";
	static const char want_set[] = "o0 = kmalloc 0\nfail_nth 1\nkfree o0\n";
	struct op_set set;

	CHECK(prog_decode(in, sizeof in, &p) == 0);
	prog_to_text(&p, text, sizeof text);
	if (strcmp(text, want))
		fprintf(stderr, "  got:\n%s", text);
	CHECK(strcmp(text, want) == 0);

	/* a byte allocator's set: kmalloc kfree fail_nth check */
	op_set_init(&set);
	op_set_add(&set, OP_KMALLOC);
	op_set_add(&set, OP_KFREE);
	op_set_add(&set, OP_FAIL_NTH);
	op_set_add(&set, OP_CHECK);
	static const uint8_t in_set[] = { V1_BYTE, 4, 0, 0, 0, 0, 6, 0, 1, 0 };

	CHECK(prog_decode_set(in_set, sizeof in_set, &set, &p) == 0);
	prog_to_text(&p, text, sizeof text);
	if (strcmp(text, want_set))
		fprintf(stderr, "  got:\n%s", text);
	CHECK(strcmp(text, want_set) == 0);
}

/* Version 2 appended vmalloc, vfree, vmap and vunmap: its opcode byte
 * picks among 31 kinds, and the kernel's set (every kind but
 * aligned_alloc) among 30, where opcodes 26 and 27 are vmalloc and vfree. */
static void test_v2_meaning(void)
{
	static const char src[] = "o3 = vmalloc 8K zero\nvfree o3\ncheck\n";
	uint8_t out[64];
	struct parse_error err;
	struct op_set set;
	size_t n;

	CHECK(prog_parse(src, strlen(src), &q, &err) == 0);
	n = prog_encode(&q, out, sizeof out);
	/* format byte; vmalloc, dst, size (3), gfp; vfree, dst; check */
	CHECK(n == 10 && out[0] == PROG_FORMAT_BYTE && out[1] == 27 && out[7] == 28 &&
	      out[9] == OP_CHECK);
	out[0] = PROG_FORMAT_MARK | 2;
	out[9] = OP_CHECK + 31; /* wraps among version 2's 31 kinds */
	CHECK(prog_decode(out, n, &p) == 0 && prog_equal(&p, &q));

	op_set_init(&set);
	for (unsigned int k = 0; k < NR_OPS; k++)
		if (k != OP_ALIGNED_ALLOC)
			op_set_add(&set, k);
	n = prog_encode_set(&q, &set, out, sizeof out);
	CHECK(n == 10 && out[1] == 26 && out[7] == 27);
	out[0] = PROG_FORMAT_MARK | 2;
	CHECK(prog_decode_set(out, n, &set, &p) == 0 && prog_equal(&p, &q));
	prog_to_text(&p, text, sizeof text);
	CHECK(strcmp(text, src) == 0);
}

/* Version 3 reads the whole gfp byte and a geometry's dma32 line; a
 * version 2 input keeps its meaning (gfp byte % 2, no dma32 bytes) and
 * upgrades to the bytes of that meaning. */
static void test_v3_meaning(void)
{
	/* geometry pages=512+1000 align=0 one hole, then alloc_pages gfp 0x7f */
	static const uint8_t v2[] = { PROG_FORMAT_MARK | 2, GEOM_MARK, 0xe8, 0x03, 0, 1, 0x10, 0, 6,
				      OP_ALLOC_PAGES,       3,         2,    0x7f };
	static uint8_t v3[sizeof v2 + 2];
	size_t n;

	CHECK(prog_decode(v2, sizeof v2, &q) == 0);
	CHECK(q.n == 1 && q.geom.pages == 1512 && q.geom.nr_holes == 1 && q.geom.dma32 == 0);
	CHECK(q.ops[0].kind == OP_ALLOC_PAGES && q.ops[0].gfp == OPG_ZERO);
	/* the same bytes in version 3, with dma32 = 700 after the hole */
	memcpy(v3, v2, 9);
	v3[0] = PROG_FORMAT_BYTE;
	v3[9] = 700 & 0xff;
	v3[10] = 700 >> 8;
	memcpy(v3 + 11, v2 + 9, sizeof v2 - 9);
	CHECK(prog_decode(v3, sizeof v3, &p) == 0);
	CHECK(p.n == 1 && p.geom.dma32 == 700);
	/* nofail drops nowait (0x02) and noretry (0x10) */
	CHECK(p.ops[0].gfp == (OPG_ZERO | OPG_HIGH | OPG_DMA32 | OPG_NOFAIL | OPG_NOWARN));
	uint8_t *up = prog_upgrade(v2, sizeof v2, 2, NULL, &n);

	CHECK(up && up[0] == PROG_FORMAT_BYTE);
	CHECK(up && prog_decode(up, n, &p) == 0 && prog_equal(&p, &q));
	free(up);
}

/* Version 5 reads alloc_pages' order byte as order (low nibble) and
 * migrate type (high nibble % 3); version 4 read the byte % 12, so an upgrade
 * re-encodes it. */
static void test_v5_meaning(void)
{
	static const uint8_t v4[] = { PROG_FORMAT_MARK | 4, OP_ALLOC_PAGES, 0, 0x1d, 0 };
	static uint8_t v5[sizeof v4];
	size_t n;

	CHECK(prog_decode(v4, sizeof v4, &q) == 0);
	CHECK(q.n == 1 && q.ops[0].order == 0x1d % 12 && q.ops[0].mt == OPMT_UNMOVABLE);
	memcpy(v5, v4, sizeof v4);
	v5[0] = PROG_FORMAT_MARK | PROG_FORMAT_MIGRATE;
	CHECK(prog_decode(v5, sizeof v5, &p) == 0);
	CHECK(p.n == 1 && p.ops[0].order == 0xd % 12 && p.ops[0].mt == OPMT_MOVABLE);
	v5[3] = 0x5b; /* type 5 % 3: reclaimable; order 11 */
	CHECK(prog_decode(v5, sizeof v5, &p) == 0);
	CHECK(p.ops[0].order == 11 && p.ops[0].mt == OPMT_RECLAIMABLE);
	uint8_t *up = prog_upgrade(v4, sizeof v4, 4, NULL, &n);

	CHECK(up && up[0] == PROG_FORMAT_BYTE && n == sizeof v4 && up[3] == 0x1d % 12);
	CHECK(up && prog_decode(up, n, &p) == 0 && prog_equal(&p, &q));
	free(up);
}

/* Version 6 gives the kmalloc family a gfp byte after its size (the
 * words it takes, op_gfp_canon); version 5 has no byte there, so those
 * ops meant GFP_KERNEL and the next byte was the next opcode. An upgrade
 * re-encodes them with gfp 0, keeping that meaning. */
static void test_v6_meaning(void)
{
	/* kmalloc o1 8, kcalloc o2 3 x 16, check, krealloc o3 o1 32, kzalloc o4 64 */
	static const uint8_t v5[] = {
		PROG_FORMAT_MARK | 5, OP_KMALLOC, 1, 1, 0, 0, OP_KCALLOC, 2, 3, 2, 0, 0, OP_CHECK,
		OP_KREALLOC,          3,          1, 3, 0, 0, OP_KZALLOC, 4, 4, 0, 0,
	};
	/* the same ops in version 6: atomic; nofail with nowait (dropped),
	 * noretry (dropped) and nowarn; zero|dma32|comp (dma32, comp dropped);
	 * kzalloc's zero dropped, nowarn kept */
	static const uint8_t v6[] = {
		PROG_FORMAT_MARK | 6,
		OP_KMALLOC,
		1,
		1,
		0,
		0,
		0x06,
		OP_KCALLOC,
		2,
		3,
		2,
		0,
		0,
		0x72,
		OP_CHECK,
		OP_KREALLOC,
		3,
		1,
		3,
		0,
		0,
		0x89,
		OP_KZALLOC,
		4,
		4,
		0,
		0,
		0x41,
	};
	size_t n;

	CHECK(prog_decode(v5, sizeof v5, &q) == 0);
	CHECK(q.n == 5 && q.ops[0].kind == OP_KMALLOC && q.ops[1].kind == OP_KCALLOC);
	CHECK(q.ops[2].kind == OP_CHECK && q.ops[3].kind == OP_KREALLOC &&
	      q.ops[4].kind == OP_KZALLOC);
	for (size_t i = 0; i < q.n; i++)
		CHECK(q.ops[i].gfp == 0);
	/* the v5 bytes read as version 6 take the next opcode as a gfp byte */
	{
		static uint8_t as6[sizeof v5];

		memcpy(as6, v5, sizeof v5);
		as6[0] = PROG_FORMAT_MARK | PROG_FORMAT_KMALLOC_GFP;
		CHECK(prog_decode(as6, sizeof as6, &p) == 0);
		CHECK(p.ops[0].gfp == OPG_ATOMIC && p.ops[1].kind == OP_GET_PAGE);
	}
	CHECK(prog_decode(v6, sizeof v6, &p) == 0);
	CHECK(p.n == 5 && p.ops[0].kind == OP_KMALLOC && p.ops[0].size == 8);
	CHECK(p.ops[0].gfp == OPG_ATOMIC);
	CHECK(p.ops[1].kind == OP_KCALLOC && p.ops[1].n == 3 && p.ops[1].size == 16);
	CHECK(p.ops[1].gfp == (OPG_NOFAIL | OPG_NOWARN));
	CHECK(p.ops[2].kind == OP_CHECK);
	CHECK(p.ops[3].kind == OP_KREALLOC && p.ops[3].src == 1 && p.ops[3].gfp == OPG_ZERO);
	CHECK(p.ops[4].kind == OP_KZALLOC && p.ops[4].gfp == OPG_NOWARN);
	/* alloc_pages and kmem_cache_alloc read their byte as in version 5 */
	CHECK(op_gfp_canon(OP_CACHE_ALLOC, 0xff) == (0xff & ~(OPG_DMA32 | OPG_COMP | OPG_NOFAIL)));

	uint8_t *up = prog_upgrade(v5, sizeof v5, 5, NULL, &n);

	CHECK(up && up[0] == PROG_FORMAT_BYTE && n == sizeof v5 + 4);
	CHECK(up && up[6] == 0 && up[13] == 0);
	CHECK(up && prog_decode(up, n, &p) == 0 && prog_equal(&p, &q));
	free(up);
}

/* A version-less input becomes the same program behind the current
 * format byte; a current one stays as it is. */
static void test_upgrade(void)
{
	static uint8_t in[300];
	struct op_set set;
	size_t n;

	op_set_init(&set);
	for (unsigned int k = 0; k < OP_ALIGNED_ALLOC; k++)
		op_set_add(&set, k);
	for (int round = 0; round < 2000; round++) {
		size_t len = rng_below(sizeof in);
		const struct op_set *s = round % 2 ? &set : NULL;

		for (size_t i = 0; i < len; i++)
			in[i] = (uint8_t)rng_next();
		uint8_t *up = prog_upgrade(in, len, PROG_FORMAT_LEGACY, s, &n);

		CHECK(up != NULL);
		if (!up)
			return;
		CHECK(n >= 1 && up[0] == PROG_FORMAT_BYTE);
		prog_decode_body(in, len, PROG_FORMAT_LEGACY, s, &q);
		CHECK(prog_decode_set(up, n, s, &p) == 0);
		CHECK(prog_equal(&p, &q));

		uint8_t *again = prog_upgrade(up, n, PROG_FORMAT_VERSION, s, &len);

		CHECK(again && len == n && memcmp(again, up, n) == 0);
		free(again);
		free(up);
	}
}

/* Dictionary entries are ops alone, to be spliced anywhere. */
static void test_encode_op(void)
{
	struct op op = { .kind = OP_FREE_PAGES, .dst = 5 };
	uint8_t out[PROG_MAX_OP_BYTES];

	CHECK_EQ_UL(prog_encode_op(&op, NULL, out), 2);
	CHECK(out[0] == OP_FREE_PAGES && out[1] == 5);
}

int main(void)
{
	test_first_byte();
	test_explain();
	test_v1_meaning();
	test_v2_meaning();
	test_v3_meaning();
	test_v5_meaning();
	test_v6_meaning();
	test_upgrade();
	test_encode_op();
	return check_finish("test_lang_version");
}
