/* Size field: the canonical 3-byte encoding (table form with the smallest
 * delta, ties to the lowest index; raw form below 8 MiB), decode clamping,
 * the text syntax, and rejection of sizes no encoding can express. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "lang_test.h"
#include "prog.h"

#define RAW_LIMIT (1u << 23)

/* The encoding the spec asks for, worked out independently of size.c. */
static int expect_table_index(uint32_t size, int *delta)
{
	int best = -1;
	long best_abs = 0;

	for (int i = 0; i < SIZE_TABLE_LEN; i++) {
		long d = (long)size - (long)size_table[i];
		long a = d < 0 ? -d : d;
		if (d >= -128 && d <= 127 && (best < 0 || a < best_abs)) {
			best = i;
			best_abs = a;
			*delta = (int)d;
		}
	}
	return best;
}

static int encodable(uint32_t size)
{
	int d;

	return expect_table_index(size, &d) >= 0 || size < RAW_LIMIT;
}

/* kmalloc of size -> bytes -> decode, and the text form both ways. */
static void check_size(uint32_t size)
{
	struct program p = { .n = 1 }, q;
	struct parse_error err;
	uint8_t bin[1 + PROG_MAX_OP_BYTES];
	char line[128], expect[4];
	size_t n;
	int delta = 0, idx = expect_table_index(size, &delta);

	p.ops[0].kind = OP_KMALLOC;
	p.ops[0].size = size;
	n = prog_encode(&p, bin, sizeof bin);
	CHECK_EQ_UL(n, 7); /* format byte, opcode, dst, size, gfp */
	if (idx >= 0) {
		expect[0] = (char)idx;
		expect[1] = (char)(int8_t)delta;
	} else {
		expect[0] = (char)(0x80 | size >> 16);
		expect[1] = (char)(size >> 8);
	}
	expect[2] = (char)(idx >= 0 ? 0 : size);
	if (memcmp(bin + 3, expect, 3) != 0) {
		CHECK(!"canonical size bytes");
		fprintf(stderr, "  size %u: got %02x %02x %02x\n", (unsigned)size, bin[3], bin[4],
			bin[5]);
	}
	prog_decode(bin, n, &q);
	CHECK_EQ_UL(q.ops[0].size, size);

	op_format(&p.ops[0], line, sizeof line);
	CHECK(prog_parse(line, strlen(line), &q, &err) == 0);
	CHECK_EQ_UL(q.ops[0].size, size);
	if (q.ops[0].size != size)
		fprintf(stderr, "  printed as '%s'\n", line);
}

/* Every table entry -128..+128 (entry + 128 is never encodable by the
 * table, so this covers both edges), plus 0 and the raw maximum. */
static void test_table_neighbourhoods(void)
{
	for (int i = 0; i < SIZE_TABLE_LEN; i++) {
		for (int d = -128; d <= 128; d++) {
			long s = (long)size_table[i] + d;
			if (s < 0)
				continue;
			if (encodable((uint32_t)s))
				check_size((uint32_t)s);
		}
	}
	check_size(0);
	check_size(RAW_LIMIT - 1);
	check_size(RAW_LIMIT - 129); /* raw form, just outside 8M's window */
	check_size(5000);
	check_size(3 << 20);
	check_size(PROG_MAX_SIZE);
}

/* Tie and preference cases pinned to exact bytes. */
static void test_canonical_choices(void)
{
	static const struct {
		uint32_t size;
		uint8_t b[3];
	} cases[] = {
		{ 12, { 1, 4, 0 } },  /* 8+4 vs 16-4: tie, lowest index */
		{ 24, { 29, 0, 0 } }, /* exact entry beats 16+8 */
		{ 40, { 28, 0, 0 } },
		{ 1000, { 10, (uint8_t)-24, 0 } },  /* 1024-24 beats 960+40 */
		{ 990, { 25, 30, 0 } },             /* 960+30 beats 1024-34 */
		{ 5000, { 0x80, 0x13, 0x88 } },     /* raw */
		{ RAW_LIMIT - 1, { 23, 0xff, 0 } }, /* table form wins over raw */
		{ 16777216 + 127, { 24, 127, 0 } },
		{ 16777216 - 128, { 24, 0x80, 0 } },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct program p = { .n = 1 };
		uint8_t bin[1 + PROG_MAX_OP_BYTES];

		p.ops[0].kind = OP_KZALLOC;
		p.ops[0].size = cases[i].size;
		CHECK_EQ_UL(prog_encode(&p, bin, sizeof bin), 7);
		CHECK(memcmp(bin + 3, cases[i].b, 3) == 0);
	}
}

/* Decoding: b2 is ignored in table form, b0 wraps, deltas clamp at 0. */
static void test_decode_forms(void)
{
	static const struct {
		uint8_t b[3];
		uint32_t size;
	} cases[] = {
		{ { 0, 0xff, 0 }, 0 },                /* 0 - 1 clamps */
		{ { 1, 0x80, 0 }, 0 },                /* 8 - 128 clamps */
		{ { 44, 1, 0x55 }, 4097 },            /* 44 % 32 = 12 -> 4096 */
		{ { 0x7f, 0, 0 }, 65536 * 4 + 4096 }, /* 127 % 32 = 31 */
		{ { 0x80, 0, 0 }, 0 },
		{ { 0xff, 0xff, 0xff }, RAW_LIMIT - 1 },
		{ { 24, 127, 0 }, PROG_MAX_SIZE },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct program p;
		uint8_t in[6] = { PROG_FORMAT_BYTE, OP_KMALLOC,    0,
				  cases[i].b[0],    cases[i].b[1], cases[i].b[2] };

		CHECK(prog_decode(in, sizeof in, &p) == 0);
		CHECK_EQ_UL(p.n, 1);
		CHECK_EQ_UL(p.ops[0].size, cases[i].size);
	}
}

/* Text syntax accepted and rejected. */
static void test_text_sizes(void)
{
	static const struct {
		const char *text;
		long size; /* -1: rejected */
	} cases[] = {
		{ "0", 0 },
		{ "96", 96 },
		{ "0x1000", 4096 },
		{ "0X10", 16 },
		{ "4K", 4096 },
		{ "4k", 4096 },
		{ "4K+1", 4097 },
		{ "8K-1", 8191 },
		{ "2M", 2097152 },
		{ "0x10K", 16384 },
		{ "8M-1", 8388607 },
		{ "8M+127", 8388608 + 127 },
		{ "16M+127", 16777216 + 127 },
		{ "16M-128", 16777216 - 128 },
		{ "260K", 266240 },
		{ "1K-24", 1000 },
		{ "12+0x10", 28 },
		{ "8M+128", -1 },
		{ "9M", -1 },
		{ "12M", -1 },
		{ "16M-129", -1 },
		{ "16M+128", -1 },
		{ "16777344", -1 },
		{ "4294967296", -1 },
		{ "99999999999999999999999", -1 },
		{ "0-1", -1 },
		{ "-1", -1 },
		{ "4K+", -1 },
		{ "K", -1 },
		{ "4KK", -1 },
		{ "4KM", -1 },
		{ "4096x", -1 },
		{ "0x", -1 },
		{ "4K+1+1", -1 },
		{ "four", -1 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char line[96];
		struct program p;
		struct parse_error err;
		int rc;

		snprintf(line, sizeof line, "o0 = kmalloc %s\n", cases[i].text);
		rc = prog_parse(line, strlen(line), &p, &err);
		if (cases[i].size < 0) {
			CHECK(rc == -1);
			CHECK(rc == -1 && err.line == 1 && err.col == 14);
		} else {
			CHECK(rc == 0);
			CHECK(rc == 0 && p.ops[0].size == (uint32_t)cases[i].size);
		}
		if ((rc == 0) != (cases[i].size >= 0))
			fprintf(stderr, "  size text '%s': rc %d %s\n", cases[i].text, rc,
				rc ? err.msg : "");
	}
}

/* The printed form of a size: readable, and the class boundary shows. */
static void test_printed_sizes(void)
{
	static const struct {
		uint32_t size;
		const char *text;
	} cases[] = {
		{ 0, "0" },         { 12, "12" },
		{ 96, "96" },       { 960, "960" },
		{ 990, "990" },     { 1000, "1K-24" },
		{ 1024, "1K" },     { 3072, "3K" },
		{ 4096, "4K" },     { 4097, "4K+1" },
		{ 4095, "4K-1" },   { 5000, "5000" },
		{ 266240, "260K" }, { 266241, "260K+1" },
		{ 2097152, "2M" },  { RAW_LIMIT - 1, "8M-1" },
		{ 7340032, "7M" },  { PROG_MAX_SIZE, "16M+127" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct op o;
		char line[128], want[128];

		memset(&o, 0, sizeof o);
		o.kind = OP_KMALLOC;
		o.size = cases[i].size;
		op_format(&o, line, sizeof line);
		snprintf(want, sizeof want, "o0 = kmalloc %s", cases[i].text);
		CHECK(strcmp(line, want) == 0);
		if (strcmp(line, want) != 0)
			fprintf(stderr, "  got '%s', want '%s'\n", line, want);
	}
}

/* A size built in memory that nothing can encode becomes the nearest
 * encodable one (lower on a tie) - encode never fails. */
static void test_unencodable_structs(void)
{
	static const struct {
		uint32_t in, out;
	} cases[] = {
		{ 8388608 + 128, 8388608 + 127 },
		{ 10u << 20, 8388608 + 127 },  /* nearer the 8M window */
		{ 14u << 20, 16777216 - 128 }, /* nearer the 16M window */
		{ 16777216 + 128, PROG_MAX_SIZE },
		{ 0xffffffffu, PROG_MAX_SIZE },
		/* either side of the gap's midpoint, 8M+127 .. 16M-128 */
		{ 12582911, 8388608 + 127 },
		{ 12582912, 16777216 - 128 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct program p = { .n = 1 }, q;
		uint8_t bin[1 + PROG_MAX_OP_BYTES];
		size_t n;

		p.ops[0].kind = OP_KMALLOC;
		p.ops[0].size = cases[i].in;
		n = prog_encode(&p, bin, sizeof bin);
		prog_decode(bin, n, &q);
		CHECK_EQ_UL(q.ops[0].size, cases[i].out);
	}
}

int main(void)
{
	test_table_neighbourhoods();
	test_canonical_choices();
	test_decode_forms();
	test_text_sizes();
	test_printed_sizes();
	test_unencodable_structs();
	return check_finish("test_lang_size");
}
