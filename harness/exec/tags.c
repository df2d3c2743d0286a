/* Content stamps. A stamp is a pure function of (seed, offset), so a check
 * needs no copy of the data and costs nothing but the reads. */
#include <string.h>

#include "world.h"

/* Objects up to this size are stamped whole: small slab objects sit next to
 * each other, and a one-byte overrun must show. Larger ones carry a stamp at
 * both ends and at every page edge, where allocators keep their links;
 * stamping them whole would cost more than the allocation being checked. */
#define FULL_STAMP_MAX 64
#define EDGE 8

/* Word i of a stamp is seed + i * odd constant: distinct per object and per
 * position, and one multiply-add to produce or check. */
static uint64_t tag_word(uint64_t seed, size_t word)
{
	return seed + word * 0x9e3779b97f4a7c15ull;
}

static uint8_t tag_byte(uint64_t seed, size_t off)
{
	return (uint8_t)(tag_word(seed, off >> 3) >> ((off & 7) * 8));
}

uint64_t tag_seed(struct exec *e, unsigned int slot)
{
	/* Distinct per allocation; the stamp words spread it further. */
	e->generation++;
	return (e->generation << 8 | slot) * 0xd6e8feb86659fd93ull;
}

/* Byte i of every stamp is byte (i % 8) of tag_word(seed, i / 8), so any
 * window of an object can be written or checked on its own. */
static void stamp_range(uint8_t *b, size_t off, size_t end, uint64_t seed)
{
	size_t i = off;

	for (; i < end && (i & 7); i++)
		b[i] = tag_byte(seed, i);
	for (; i + 8 <= end; i += 8) {
		uint64_t w = tag_word(seed, i >> 3);
		memcpy(b + i, &w, 8);
	}
	for (; i < end; i++)
		b[i] = tag_byte(seed, i);
}

/* Offset of the first byte in [off, end) that is not the stamp, or -1. */
static long check_range(const uint8_t *b, size_t off, size_t end, uint64_t seed)
{
	size_t i = off;

	for (; i + 8 <= end && !(i & 7); i += 8) {
		uint64_t w;

		memcpy(&w, b + i, 8);
		if (w != tag_word(seed, i >> 3))
			break;
	}
	for (; i < end; i++)
		if (b[i] != tag_byte(seed, i))
			return (long)i;
	return -1;
}

/* The stamped windows: the whole object when small; else EDGE bytes at
 * both ends and at the start of every page inside, where allocators keep
 * their links. fn is a statement macro over [off, end). */
#define FOR_EACH_WINDOW(len, fn)                                                   \
	do {                                                                       \
		if ((len) <= FULL_STAMP_MAX) {                                     \
			fn(0, (len));                                              \
			break;                                                     \
		}                                                                  \
		fn(0, EDGE);                                                       \
		for (size_t _pg = PAGE_SIZE; _pg + EDGE < (len); _pg += PAGE_SIZE) \
			fn(_pg, _pg + EDGE);                                       \
		fn((len)-EDGE, (len));                                             \
	} while (0)

void tag_stamp(void *p, size_t len, uint64_t seed)
{
	uint8_t *b = p;

#define STAMP(off, end) stamp_range(b, (off), (end), seed)
	FOR_EACH_WINDOW(len, STAMP);
#undef STAMP
}

long tag_verify(const void *p, size_t len, uint64_t seed, size_t limit)
{
	const uint8_t *b = p;
	long bad = -1;

	/* Only windows inside the first limit bytes count (krealloc keeps a
	 * prefix); the rest may legitimately differ. */
#define CHECK_WINDOW(off, end)                                 \
	do {                                                   \
		size_t _e = (end) < limit ? (end) : limit;     \
		if (bad < 0 && (off) < _e)                     \
			bad = check_range(b, (off), _e, seed); \
	} while (0)
	FOR_EACH_WINDOW(len, CHECK_WINDOW);
#undef CHECK_WINDOW
	return bad;
}

/* Page blocks: the same stamp as tag_stamp's windows, with every window a
 * whole aligned word, so one store or compare per page. */
void tag_stamp_block(void *p, size_t len, uint64_t seed)
{
	uint8_t *b = p;

	for (size_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t w = tag_word(seed, off >> 3);
		memcpy(b + off, &w, 8);
	}
	uint64_t last = tag_word(seed, (len - 8) >> 3);
	memcpy(b + len - 8, &last, 8);
}

long tag_verify_block(const void *p, size_t len, uint64_t seed)
{
	const uint8_t *b = p;
	uint64_t w;

	for (size_t off = 0; off < len; off += PAGE_SIZE) {
		memcpy(&w, b + off, 8);
		if (w != tag_word(seed, off >> 3))
			return check_range(b, off, off + 8, seed);
	}
	memcpy(&w, b + len - 8, 8);
	if (w != tag_word(seed, (len - 8) >> 3))
		return check_range(b, len - 8, len, seed);
	return -1;
}

long first_nonzero(const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i = 0;

	/* 64-byte chunks OR-reduced without an early exit vectorise well:
	 * kzalloc(2 MiB) and zeroed 4 MiB blocks are checked in full. */
	for (; i + 64 <= len; i += 64) {
		uint64_t w[8], acc = 0;

		memcpy(w, b + i, 64);
		for (int j = 0; j < 8; j++)
			acc |= w[j];
		if (acc)
			break;
	}
	for (; i < len; i++)
		if (b[i])
			return (long)i;
	return -1;
}
