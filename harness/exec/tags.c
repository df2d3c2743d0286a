/* Content stamps. A stamp is a pure function of (seed, offset), so a check
 * needs no copy of the data and costs nothing but the reads. */
#include <string.h>

#include "world.h"

/* Objects up to this size are stamped whole: small slab objects sit next to
 * each other, and a one-byte overrun must show. */
#define FULL_STAMP_MAX 512

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint8_t tag_byte(uint64_t seed, size_t off)
{
	return (uint8_t)(mix(seed ^ (off >> 3)) >> ((off & 7) * 8));
}

uint64_t tag_seed(struct exec *e, unsigned int slot)
{
	e->generation++;
	return mix(e->generation * 1315423911u + slot);
}

/* The stamped windows of a len-byte object: all of it when small, else the
 * first and last 8 bytes of each page-sized chunk. Window k of the object
 * is [*off, *off + *n); returns false past the last one. */
static bool window(size_t len, size_t k, size_t *off, size_t *n)
{
	if (len <= FULL_STAMP_MAX) {
		*off = 0;
		*n = len;
		return k == 0;
	}
	size_t b = (k / 2) * PAGE_SIZE;
	if (b >= len)
		return false;
	size_t end = b + PAGE_SIZE < len ? b + PAGE_SIZE : len;
	size_t w = end - b < 8 ? end - b : 8;

	*off = (k & 1) ? end - w : b;
	*n = w;
	return true;
}

void tag_stamp(void *p, size_t len, uint64_t seed)
{
	uint8_t *b = p;
	size_t off, n;

	for (size_t k = 0; window(len, k, &off, &n); k++)
		for (size_t i = off; i < off + n; i++)
			b[i] = tag_byte(seed, i);
}

long tag_verify(const void *p, size_t len, uint64_t seed, size_t limit)
{
	const uint8_t *b = p;
	size_t off, n;

	for (size_t k = 0; window(len, k, &off, &n); k++)
		for (size_t i = off; i < off + n && i < limit; i++)
			if (b[i] != tag_byte(seed, i))
				return (long)i;
	return -1;
}

long first_nonzero(const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i = 0;

	/* Word at a time: kzalloc(2 MiB) is checked on every allocation. */
	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, b + i, 8);
		if (w)
			break;
	}
	for (; i < len; i++)
		if (b[i])
			return (long)i;
	return -1;
}
