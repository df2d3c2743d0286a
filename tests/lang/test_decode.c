/* Binary form: every byte string after the format byte decodes,
 * truncation is safe, and the round-trip guarantees hold:
 *   decode(encode(decode(B))) == decode(B)       for any bytes B
 *   encode(decode(encode(P))) == encode(P)       for any program P
 * and the text form carries the same program: parse(print(P)) == P. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "lang_test.h"
#include "prog.h"

#define BIN_CAP PROG_MAX_BYTES
#define TEXT_CAP (PROG_MAX_OPS * 128)

static struct program p1, p2, p3;
static uint8_t bin1[BIN_CAP], bin2[BIN_CAP];
static char text[TEXT_CAP];

/* Checks every guarantee on a decoded program p (p1 holds it). Returns
 * nonzero on the first failure so a loop over many inputs stops early. */
static int check_roundtrips(const struct program *p)
{
	size_t n1, n2, tlen;
	struct parse_error err;
	int failures = check_failures;

	n1 = prog_encode(p, bin1, sizeof bin1);
	CHECK(n1 > 0 && bin1[0] == PROG_FORMAT_BYTE);
	CHECK(prog_decode(bin1, n1, &p2) == 0);
	CHECK(prog_equal(&p2, p)); /* decode(encode(decode(B))) == decode(B) */
	n2 = prog_encode(&p2, bin2, sizeof bin2);
	CHECK(n1 == n2 && memcmp(bin1, bin2, n1) == 0); /* encode is canonical */

	tlen = prog_to_text(p, text, sizeof text);
	CHECK(tlen > 0 || p->n == 0);
	CHECK(prog_parse(text, tlen, &p3, &err) == 0);
	CHECK(prog_equal(&p3, p)); /* parse(print(P)) == P */
	if (check_failures != failures && err.line)
		fprintf(stderr, "  parse error %d:%d: %s\n", err.line, err.col, err.msg);
	return check_failures != failures;
}

/* A hand-made input with every opcode, out-of-range fields, raw and
 * table sizes, and a final op cut short. */
static const uint8_t sample[] = {
	0x00, 0x41, 0x0c, 0x03,             /* alloc_pages dst 65%64 order 12%12 zero nowait */
	NR_OPS + 1, 0x01,                   /* free_pages (byte % NR_OPS = 1) */
	0x02, 0x7f, 0x03, 0xc1,             /* get_page, put_page 0xc1 */
	0x04, 0x05, 0x0c, 0x01, 0x99, 0x88, /* kmalloc 4096+1 (b2 ignored), dma32 comp -> 0 */
	0x05, 0x06, 0x80 | 0x12, 0x34, 0x56, 0x03, /* kzalloc raw 0x123456, zero nowait -> nowait */
	0x06, 0x07, 0xff, 0x19, 0x00, 0x00, 0x30,  /* kcalloc 255 x 960 nofail noretry -> nofail */
	0x07, 0x08, 0x47, 0x01, 0x80, 0x00,
	0x16,       /* krealloc src 71%64, 8-128 -> 0, atomic noretry */
	0x08, 0x09, /* kfree */
	0x09, 0x0a, 0x58, 0x20, 0x00, 0x0f, 0x0b, /* cache_create 16M+32 align 4096 flags 3 */
	0x0a, 0x0b, 0x0c, 0x01,                   /* cache_alloc src 12%8 zero */
	0x0b, 0x0c, 0x0c, 0x0d, 0x0d, 0x0e,       /* cache_free, shrink, destroy */
	0x0e, 0x40,                               /* fail_nth 1 + 64%64 = 1 */
	0x0e, 0x3f,                               /* fail_nth 64 */
	0x0f, NR_OPS + 15,                        /* check, check (byte % NR_OPS = 15) */
	0x10, 0x09,                               /* mm_new m1 */
	0x11, 0x02, 0x0b,                         /* fork m2 from m3 */
	0x12, 0x05,                               /* mm_exit m5 */
	0x13, 0x21, 0x0a, 0x15, 0x00, 0x00, 0x13, 0x09, 0x34, 0x12, 0xf5,
	/* mmap r1 m2 2M prot 3 shared; pgoff -> 0, raw: no
					     * address, so only the length mode (neg) stays */
	0x13, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x17, 0x02, 0x00, 0x02, 0xbf,
	/* mmap r0 m0 4K prot 7 fixed at 512; raw below the mark */
	0x14, 0x01, 0x03, 0x0d, 0x00, 0x00, 0x03, 0x00, 0x00, /* munmap m1 r3 8K off 3 */
	0x15, 0x02, 0x04, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0xc0,
	/* mprotect m2 r4 0 prot r off 257; raw 0 */
	0x16, 0x0f, 0x10, 0x00, 0x00, 0x15, /* brk m7 64K from=top mib (0x15 < mark: 0) */
	0x17, 0x03, 0x05, 0x0c, 0x01, 0x00, 0x08, 0x99, /* touch m3 r5 4K+1 len=2, read: n -> 0 */
	0x17, 0x04, 0x26, 0x80, 0x13, 0x88, 0x09, 0x5a, /* touch m4 r6 5000 write 0x5a len=2 */
	0x17, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x7e, /* touch m0 r0 0 write 0x7e kernel */
	0x18, 0x16, 0x00, 0x00, 0x10, 0x02, 0x1f,       /* kvmmake 4M off=528, edge 15 -> none */
	0x09, 0x01, 0x18,                               /* cache_create cut after the size's b0 */
};

static void test_truncations(const uint8_t *data, size_t len)
{
	static struct program full, part;

	decode_body(data, len, &full);
	for (size_t cut = 0; cut <= len; cut++) {
		decode_body(data, cut, &part);
		CHECK(part.n <= full.n);
		CHECK(cut == 0 ? part.n == 0 : part.n >= 1);
		/* only the last op can read past the cut */
		if (part.n > 1)
			CHECK(memcmp(part.ops, full.ops, (part.n - 1) * sizeof part.ops[0]) == 0);
		if (check_roundtrips(&part))
			fprintf(stderr, "  at truncation %zu of %zu\n", cut, len);
	}
}

/* The sample decodes to the values the spec says. */
static void test_sample_values(void)
{
	static struct program p;
	const struct op *o = p.ops;

	decode_body(sample, sizeof sample, &p);
	CHECK_EQ_UL(p.n, 31);
	CHECK(o[0].kind == OP_ALLOC_PAGES && o[0].dst == 1 && o[0].order == 0 &&
	      o[0].gfp == (OPG_ZERO | OPG_NOWAIT));
	CHECK(o[1].kind == OP_FREE_PAGES && o[1].dst == 1);
	CHECK(o[2].kind == OP_GET_PAGE && o[2].dst == 63);
	CHECK(o[3].kind == OP_PUT_PAGE && o[3].dst == 1);
	CHECK(o[4].kind == OP_KMALLOC && o[4].dst == 5);
	CHECK_EQ_UL(o[4].size, 4097);
	CHECK_EQ_UL(o[5].size, 0x123456);
	CHECK(o[4].gfp == 0 && o[5].gfp == OPG_NOWAIT);
	CHECK(o[6].kind == OP_KCALLOC && o[6].n == 255 && o[6].size == 960 &&
	      o[6].gfp == OPG_NOFAIL);
	CHECK(o[7].kind == OP_KREALLOC && o[7].src == 7 && o[7].size == 0 &&
	      o[7].gfp == (OPG_ATOMIC | OPG_NORETRY));
	CHECK(o[8].kind == OP_KFREE && o[8].dst == 9);
	CHECK(o[9].kind == OP_CACHE_CREATE && o[9].dst == 2 && o[9].size == 16777216 + 32);
	CHECK(o[9].align == 7 && o[9].flags == 3);
	CHECK(o[10].kind == OP_CACHE_ALLOC && o[10].dst == 11 && o[10].src == 4 && o[10].gfp == 1);
	CHECK(o[14].kind == OP_FAIL_NTH && o[14].n == 1);
	CHECK(o[15].kind == OP_FAIL_NTH && o[15].n == 64);
	CHECK(o[16].kind == OP_CHECK && o[17].kind == OP_CHECK);
	CHECK(o[18].kind == OP_MM_NEW && o[18].dst == 1);
	CHECK(o[19].kind == OP_MM_FORK && o[19].dst == 2 && o[19].src == 3);
	CHECK(o[20].kind == OP_MM_EXIT && o[20].dst == 5);
	CHECK(o[21].kind == OP_MMAP && o[21].dst == 1 && o[21].src == 2 && o[21].size == 2097152);
	CHECK(o[21].prot == (OPP_READ | OPP_WRITE) && o[21].mflags == OPM_SHARED &&
	      o[21].pgoff == 0);
	CHECK(o[22].kind == OP_MMAP && o[22].dst == 0 && o[22].src == 0 && o[22].size == 4096);
	CHECK(o[22].prot == 7 && o[22].mflags == OPM_FIXED && o[22].pgoff == 512);
	CHECK(o[21].raw == OPL_NEG << OPR_LEN_SHIFT && o[22].raw == 0);
	CHECK(o[23].raw == 0 && o[24].raw == 0 && o[25].raw == 0 && o[29].raw == OPK_NONE);
	CHECK(o[23].kind == OP_MUNMAP && o[23].dst == 1 && o[23].src == 3 && o[23].size == 8192 &&
	      o[23].pgoff == 3);
	CHECK(o[24].kind == OP_MPROTECT && o[24].dst == 2 && o[24].src == 4 && o[24].size == 0);
	CHECK(o[24].prot == OPP_READ && o[24].pgoff == 257);
	CHECK(o[25].kind == OP_BRK && o[25].dst == 7 && o[25].size == 65536);
	CHECK(o[26].kind == OP_TOUCH && o[26].dst == 3 && o[26].src == 5 && o[26].size == 4097);
	CHECK(o[26].gfp == 1 << OPT_LEN_SHIFT && o[26].n == 0 && op_touch_len(o[26].gfp) == 2);
	CHECK(o[27].kind == OP_TOUCH && o[27].dst == 4 && o[27].src == 6 && o[27].size == 5000);
	CHECK(o[27].gfp == (OPT_WRITE | 1 << OPT_LEN_SHIFT) && o[27].n == 0x5a);
	CHECK(o[28].kind == OP_TOUCH && o[28].gfp == (OPT_WRITE | OPT_KERNEL) && o[28].n == 0x7e);
	CHECK(o[29].kind == OP_KVMMAKE && o[29].size == 4194304 && o[29].pgoff == 528);
	/* the cut op: missing bytes read as 0 */
	CHECK(o[30].kind == OP_CACHE_CREATE && o[30].dst == 1 && o[30].size == 16777216);
	CHECK(o[30].align == 0 && o[30].flags == 0);
	/* unused fields are 0 */
	CHECK(o[1].order == 0 && o[1].gfp == 0 && o[1].size == 0 && o[1].src == 0);
	CHECK(o[14].dst == 0 && o[16].n == 0);
	CHECK(o[9].prot == 0 && o[9].pgoff == 0 && o[25].prot == 0 && o[25].mflags == 0);
}

static void test_lone_opcode(void)
{
	static struct program p;
	const uint8_t b[] = { 0x07 };

	decode_body(b, 1, &p);
	CHECK_EQ_UL(p.n, 1);
	CHECK(p.ops[0].kind == OP_KREALLOC && p.ops[0].dst == 0 && p.ops[0].size == 0);
	decode_body(NULL, 0, &p);
	CHECK_EQ_UL(p.n, 0);
}

/* A fetch is the user's read: exec drops write, kernel and the value. */
static void test_touch_exec(void)
{
	static struct program p;
	const uint8_t b[] = { 0x17, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07 | 1 << OPT_LEN_SHIFT, 0x7e };

	decode_body(b, sizeof(b), &p);
	CHECK_EQ_UL(p.n, 1);
	CHECK(p.ops[0].gfp == (OPT_EXEC | 1 << OPT_LEN_SHIFT) && p.ops[0].n == 0);
	CHECK_EQ_UL(op_touch_len(p.ops[0].gfp), op_touch_lens[1]);
}

static void test_max_ops(void)
{
	static uint8_t many[20000];
	static struct program p;
	size_t n;

	memset(many, OP_CHECK, 5000);
	decode_body(many, 5000, &p);
	CHECK_EQ_UL(p.n, PROG_MAX_OPS);
	CHECK(p.ops[PROG_MAX_OPS - 1].kind == OP_CHECK);

	/* 4-byte ops: the limit is in ops, not bytes */
	for (size_t i = 0; i < sizeof many; i++)
		many[i] = i % 4 == 0 ? OP_ALLOC_PAGES : (uint8_t)i;
	decode_body(many, sizeof many, &p);
	CHECK_EQ_UL(p.n, PROG_MAX_OPS);
	n = prog_encode(&p, bin1, sizeof bin1);
	CHECK_EQ_UL(n, 1 + PROG_MAX_OPS * 4);

	/* the longest op: a program of 4096 of them encodes whole */
	for (size_t i = 0; i < PROG_MAX_OPS; i++) {
		memset(&p.ops[i], 0, sizeof p.ops[i]);
		p.ops[i].kind = OP_MMAP;
		p.ops[i].mflags = OPM_FIXED;
		p.ops[i].pgoff = (uint16_t)i;
	}
	p.n = PROG_MAX_OPS;
	n = prog_encode(&p, bin1, sizeof bin1);
	CHECK_EQ_UL(n, 1 + PROG_MAX_OPS * PROG_MAX_OP_BYTES);
	CHECK(prog_decode(bin1, n, &p1) == 0);
	CHECK(prog_equal(&p1, &p));
}

/* encode stops before an op that does not fit, never mid-op. */
static void test_encode_cap(void)
{
	static struct program p;
	uint8_t out[7];

	decode_body(sample, sizeof sample, &p);
	CHECK_EQ_UL(prog_encode(&p, NULL, 0), 0); /* not even the format byte */
	CHECK_EQ_UL(prog_encode(&p, out, 1), 1);  /* the format byte: no op */
	CHECK_EQ_UL(prog_encode(&p, out, 4), 1);  /* alloc_pages is 4 bytes */
	CHECK_EQ_UL(prog_encode(&p, out, 5), 5);
	CHECK_EQ_UL(prog_encode(&p, out, sizeof out), 7); /* + free_pages */
}

static void test_random_bytes(void)
{
	static uint8_t in[512];
	int reported = 0;

	for (int iter = 0; iter < 100000; iter++) {
		size_t len = rng_below(sizeof in + 1);
		for (size_t i = 0; i < len; i++)
			in[i] = (uint8_t)rng_next();
		decode_body(in, len, &p1);
		CHECK(p1.n <= len);
		if (check_roundtrips(&p1) && reported++ < 5)
			fprintf(stderr, "  at random input %d\n", iter);
	}
}

/* Programs built in memory with arbitrary field values, as a minimizer
 * makes them: encoding canonicalizes, printing agrees with encoding. */
static void test_random_structs(void)
{
	static struct program p;
	int reported = 0;

	for (int iter = 0; iter < 20000; iter++) {
		size_t n1, n2;
		int failures = check_failures;

		p.n = rng_below(64);
		for (size_t i = 0; i < p.n; i++) {
			uint64_t r = rng_next();
			struct op *o = &p.ops[i];
			memcpy(o, &r, 8);
			r = rng_next();
			o->prot = (uint8_t)r;
			o->mflags = (uint8_t)(r >> 8);
			o->pgoff = (uint16_t)(r >> 16);
			o->size = (uint32_t)rng_next();
			if (r & 1) /* also sizes near the interesting range */
				o->size %= 1u << 25;
		}
		n1 = prog_encode(&p, bin1, sizeof bin1);
		CHECK(prog_decode(bin1, n1, &p1) == 0);
		n2 = prog_encode(&p1, bin2, sizeof bin2);
		CHECK(n1 == n2 && memcmp(bin1, bin2, n1) == 0);
		CHECK_EQ_UL(p1.n, p.n);
		/* the printer canonicalizes the same way */
		for (size_t i = 0; i < p.n && i < p1.n; i++) {
			char a[128], b[128];
			op_format(&p.ops[i], a, sizeof a);
			op_format(&p1.ops[i], b, sizeof b);
			CHECK(strcmp(a, b) == 0);
		}
		check_roundtrips(&p1);
		if (check_failures != failures && reported++ < 5)
			fprintf(stderr, "  at random struct program %d\n", iter);
	}
}

int main(void)
{
	test_sample_values();
	test_truncations(sample, sizeof sample);
	test_lone_opcode();
	test_touch_exec();
	test_max_ops();
	test_encode_cap();
	test_random_bytes();
	test_random_structs();
	return check_finish("test_lang_decode");
}
