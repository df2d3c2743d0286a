/* Binary format versions. A stored input (a fuzzer's corpus, an AFL++
 * queue, a crash in a triage store) must mean tomorrow what it meant when
 * it was written, but the opcode byte picks an op modulo the number of
 * ops: appending one would re-decode every input ever stored. So a binary
 * program starts with a format byte naming its version, and a version
 * fixes how many op kinds its opcodes pick among (kinds are only ever
 * appended, never renumbered). Adding an op is a new version; the old
 * ones keep decoding as they did. A version may also change how a field
 * reads (version 3: the gfp byte and the geometry's zone boundary; version 5:
 * the order byte's migrate type; version 6: a gfp byte on the kmalloc
 * family). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang_internal.h"

/* How many op kinds each version's opcodes pick among. Version 0 is the
 * version-less form of before (no format byte), read only when asked. */
#define V1_KINDS 27
#define V2_KINDS 31 /* vmalloc, vfree, vmap, vunmap */
#define V4_KINDS 34 /* cpu, preempt, cache_reap */
#define V7_KINDS 35 /* drain_all_pages */
static const uint8_t version_nr_kinds[] = {
	[PROG_FORMAT_LEGACY] = V1_KINDS,
	[1] = V1_KINDS,
	[2] = V2_KINDS,
	[3] = V2_KINDS, /* same kinds: the gfp byte whole, geometry dma32 */
	[4] = V4_KINDS,
	[5] = V4_KINDS, /* same kinds: alloc_pages' migrate type in the order byte */
	[6] = V4_KINDS, /* same kinds: the kmalloc family's gfp byte */
	[7] = V7_KINDS,
};

/* An op added without a new version would change what every input of the
 * current version means: give it one (docs/op-language.md). */
_Static_assert(NR_OPS == V7_KINDS, "a new op kind needs a new binary format version");
_Static_assert(sizeof version_nr_kinds == PROG_FORMAT_VERSION + 1, "one row per version");

int prog_format_of(const uint8_t *data, size_t len)
{
	if (len == 0)
		return PROG_FORMAT_VERSION;
	if ((data[0] & PROG_FORMAT_MARK_MASK) != PROG_FORMAT_MARK)
		return -1;
	return data[0] & ~PROG_FORMAT_MARK_MASK;
}

int prog_format_known(int version)
{
	return version >= PROG_FORMAT_LEGACY && version <= PROG_FORMAT_VERSION;
}

void prog_format_explain(const uint8_t *data, size_t len, char *buf, size_t cap)
{
	int v = prog_format_of(data, len);

	if (v < 0)
		snprintf(buf, cap,
			 "no binary format version: the first byte, 0x%02x, is no format "
			 "byte (0x%02x for version %d); an input from before format versions is "
			 "converted by 'mmrig-conv --upgrade --legacy'",
			 data[0], PROG_FORMAT_BYTE, PROG_FORMAT_VERSION);
	else if (v == PROG_FORMAT_LEGACY)
		snprintf(buf, cap, "binary format version 0 (first byte 0x%02x) does not exist",
			 data[0]);
	else if (v > PROG_FORMAT_VERSION)
		snprintf(buf, cap,
			 "binary format version %d (first byte 0x%02x) is newer than "
			 "this build reads (1..%d)",
			 v, data[0], PROG_FORMAT_VERSION);
	else
		snprintf(buf, cap, "binary format version %d", v);
}

unsigned int version_opcodes(int version, const struct op_set *set)
{
	unsigned int nr = version_nr_kinds[version], n = 0;

	if (!set || set->n == 0)
		return nr;
	/* the set's kinds ascend: its opcodes in this version are a prefix */
	while (n < set->n && set->kinds[n] < nr)
		n++;
	return n;
}

uint8_t *prog_upgrade(const uint8_t *data, size_t len, int version, const struct op_set *set,
		      size_t *out_len)
{
	const uint8_t *body = version == PROG_FORMAT_LEGACY || len == 0 ? data : data + 1;
	size_t body_len = len - (size_t)(body - data);
	static struct program p;
	uint8_t *out;

	/* The same op count reads the same bytes the same way: keep them all,
	 * non-canonical ones and the tail past the last op included, so a
	 * fuzzer's input stays the input it was. Before version 3 the gfp
	 * byte and the geometry read differently, before version 5 the order
	 * byte, before version 6 the kmalloc family has no gfp byte: those are
	 * re-encoded (GFP_KERNEL, the meaning they had). */
	if (version_opcodes(version, set) == version_opcodes(PROG_FORMAT_VERSION, set) &&
	    version >= PROG_FORMAT_KMALLOC_GFP) {
		out = malloc(body_len + 1);
		if (!out)
			return NULL;
		out[0] = PROG_FORMAT_BYTE;
		if (body_len)
			memcpy(out + 1, body, body_len);
		*out_len = body_len + 1;
		return out;
	}
	prog_decode_body(body, body_len, version, set, &p);
	out = malloc(PROG_MAX_BYTES);
	if (!out)
		return NULL;
	*out_len = prog_encode_set(&p, set, out, PROG_MAX_BYTES);
	return out;
}
