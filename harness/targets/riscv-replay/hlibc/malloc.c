/* hlibc: the heap. First fit over one region, with an address-ordered
 * free list so a free merges with both neighbours at once; the harness
 * allocates a few large tables once and small, short-lived ones per
 * program, which first fit with merging serves without growing. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN 16
/* Every chunk starts with its size; a free chunk also keeps its
 * successor there, so the header is one alignment unit either way. */
#define HDR ALIGN
#define MIN_CHUNK (2 * ALIGN)

struct chunk {
	size_t size;        /* bytes, header included */
	struct chunk *next; /* free chunks only */
};

static struct chunk *free_list;
static struct hl_heap_stats stats;

void hl_heap_init(void *base, size_t size)
{
	uintptr_t start = ((uintptr_t)base + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);

	size -= start - (uintptr_t)base;
	free_list = (struct chunk *)start;
	free_list->size = size & ~(size_t)(ALIGN - 1);
	free_list->next = NULL;
	stats.size = free_list->size;
}

void hl_heap_stats(struct hl_heap_stats *st)
{
	*st = stats;
}

static size_t chunk_size(size_t n)
{
	if (n > SIZE_MAX - HDR - ALIGN)
		return 0;
	n = (n + HDR + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	return n < MIN_CHUNK ? MIN_CHUNK : n;
}

void *malloc(size_t n)
{
	size_t need = chunk_size(n);

	if (!need)
		return NULL;
	for (struct chunk **link = &free_list; *link; link = &(*link)->next) {
		struct chunk *c = *link;

		if (c->size < need)
			continue;
		/* Split off the front; the rest stays where c was in the list. */
		if (c->size - need >= MIN_CHUNK) {
			struct chunk *rest = (struct chunk *)((char *)c + need);

			rest->size = c->size - need;
			rest->next = c->next;
			*link = rest;
			c->size = need;
		} else {
			*link = c->next;
		}
		stats.in_use += c->size;
		if (stats.in_use > stats.peak)
			stats.peak = stats.in_use;
		return (char *)c + HDR;
	}
	return NULL;
}

static bool adjacent(const struct chunk *a, const struct chunk *b)
{
	return (const char *)a + a->size == (const char *)b;
}

void free(void *p)
{
	struct chunk *c, *prev = NULL, *next = free_list;

	if (!p)
		return;
	c = (struct chunk *)((char *)p - HDR);
	stats.in_use -= c->size;
	while (next && next < c) {
		prev = next;
		next = next->next;
	}
	c->next = next;
	if (next && adjacent(c, next)) {
		c->size += next->size;
		c->next = next->next;
	}
	if (prev && adjacent(prev, c)) {
		prev->size += c->size;
		prev->next = c->next;
	} else if (prev) {
		prev->next = c;
	} else {
		free_list = c;
	}
}

void *calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *realloc(void *p, size_t n)
{
	struct chunk *c;
	void *q;

	if (!p)
		return malloc(n);
	c = (struct chunk *)((char *)p - HDR);
	if (chunk_size(n) && chunk_size(n) <= c->size)
		return p;
	q = malloc(n);
	if (q) {
		memcpy(q, p, c->size - HDR);
		free(p);
	}
	return q;
}
