/* The 3-byte size field (layout in prog.h). Table form puts most random
 * bytes on or right next to a size class boundary, where off-by-one bugs
 * live; raw form reaches every size below 8 MiB. */
#include <stdio.h>

#include "lang_internal.h"

#define RAW_FLAG 0x80u
#define RAW_LIMIT (1u << 23) /* raw form: 0 .. 8 MiB - 1 */
#define DELTA_MIN (-128)
#define DELTA_MAX 127

uint32_t size_decode(uint8_t b0, uint8_t b1, uint8_t b2)
{
	if (b0 & RAW_FLAG)
		return (uint32_t)(b0 & 0x7f) << 16 | (uint32_t)b1 << 8 | b2;

	/* A negative delta below a small entry clamps to 0; the top entry plus
	 * 127 is PROG_MAX_SIZE, so there is nothing to clamp above. */
	int64_t v = (int64_t)size_table[b0 % SIZE_TABLE_LEN] + (int8_t)b1;
	return v < 0 ? 0 : (uint32_t)v;
}

/* The table entry an encoder uses for size: the smallest |delta| within
 * DELTA_MIN..DELTA_MAX, ties to the lowest index, so encoding is a
 * function of the size alone. */
int size_nearest_entry(uint32_t size, int *delta)
{
	int best = -1;
	int64_t best_d = 0;

	for (int i = 0; i < SIZE_TABLE_LEN; i++) {
		int64_t d = (int64_t)size - size_table[i];
		if (d < DELTA_MIN || d > DELTA_MAX)
			continue;
		if (best < 0 || (d < 0 ? -d : d) < (best_d < 0 ? -best_d : best_d)) {
			best = i;
			best_d = d;
		}
	}
	if (best >= 0 && delta)
		*delta = (int)best_d;
	return best;
}

int size_encode(uint32_t size, uint8_t b[3])
{
	int delta;
	int idx = size_nearest_entry(size, &delta);

	if (idx >= 0) {
		b[0] = (uint8_t)idx;
		b[1] = (uint8_t)(int8_t)delta;
		b[2] = 0;
		return 0;
	}
	if (size < RAW_LIMIT) {
		b[0] = (uint8_t)(RAW_FLAG | size >> 16);
		b[1] = (uint8_t)(size >> 8);
		b[2] = (uint8_t)size;
		return 0;
	}
	return -1;
}

static uint32_t dist(uint32_t a, uint32_t b)
{
	return a > b ? a - b : b - a;
}

/* Sizes nobody can encode only come from code that builds ops itself (a
 * minimizer halving a size, say); they become the nearest encodable size,
 * the lower one on a tie, so encode never fails. */
uint32_t size_canon(uint32_t size)
{
	uint8_t b[3];

	if (size_encode(size, b) == 0)
		return size;

	/* size is at least RAW_LIMIT here: candidates are the ends of the
	 * table windows around it and the top of the raw range. */
	uint32_t best = RAW_LIMIT - 1;
	for (int i = 0; i < SIZE_TABLE_LEN; i++) {
		uint32_t lo = size_table[i] < -DELTA_MIN ? 0 : size_table[i] + DELTA_MIN;
		uint32_t hi = size_table[i] + DELTA_MAX;
		uint32_t c = size < lo ? lo : hi;
		if (dist(c, size) < dist(best, size) ||
		    (dist(c, size) == dist(best, size) && c < best))
			best = c;
	}
	return best;
}

/* Human form: exact KiB / MiB multiples as 4K / 2M, a size within a
 * delta of a KiB-multiple table entry as that entry plus the delta (4K+1,
 * 8M-1: the class boundary stays visible), everything else in decimal.
 * The parser reads all of these back to the same number. */
static int unit_format(uint32_t v, char *buf, size_t cap)
{
	if (v % (1u << 20) == 0)
		return snprintf(buf, cap, "%uM", (unsigned int)(v >> 20));
	return snprintf(buf, cap, "%uK", (unsigned int)(v >> 10));
}

int size_format(uint32_t size, char *buf, size_t cap)
{
	int delta = 0;
	int idx;

	if (size != 0 && size % 1024 == 0)
		return unit_format(size, buf, cap);
	idx = size_nearest_entry(size, &delta);
	if (idx >= 0 && size_table[idx] != 0 && size_table[idx] % 1024 == 0) {
		char unit[16];
		unit_format(size_table[idx], unit, sizeof unit);
		return snprintf(buf, cap, "%s%+d", unit, delta);
	}
	return snprintf(buf, cap, "%u", (unsigned int)size);
}
