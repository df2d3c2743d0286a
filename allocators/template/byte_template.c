/* byte_template.c: a small malloc to copy and replace with yours.
 *
 * Power-of-two size classes from 16 to 2048 bytes, each served from
 * one-page chunks; anything bigger (or aligned to a whole page) gets a
 * chunk of its own. Every chunk starts with a header and every chunk is on
 * one list, which free() searches: slow, simple, and it rejects a pointer
 * it never handed out. The contract is allocators/include/mmrig_byte.h and
 * docs/your-allocator.md; this file is correct, so a seed that fails
 * against it points at the rig, not at it. */
#include <string.h>

#include "mmrig_byte.h"

#define TB_MIN_SHIFT 4  /* 16 bytes: the smallest class, and min_align */
#define TB_MAX_SHIFT 11 /* 2048 bytes: the largest class */
#define TB_NR_CLASSES (TB_MAX_SHIFT - TB_MIN_SHIFT + 1)
#define TB_LARGE TB_NR_CLASSES /* class of a chunk holding one big block */
/* The page source serves blocks of up to 1024 pages (order 10); a big
 * block sits at most a page into its chunk. max_size is what can always
 * be served that way: declaring it makes bigger requests fail by
 * contract, and lets MMRIG_BY_NO_SPURIOUS_FAILURE hold below it. */
#define TB_SOURCE_MAX ((size_t)1024 << MMRIG_PAGE_SHIFT)
#define TB_MAX_SIZE (TB_SOURCE_MAX - MMRIG_PAGE_SIZE)

struct tb_chunk {
	struct tb_chunk *next;
	size_t len;        /* bytes asked of the source: given back the same */
	unsigned int cls;  /* 0..TB_NR_CLASSES-1, or TB_LARGE */
	unsigned int live; /* blocks handed out and not yet freed */
	char *start, *end; /* where blocks lie: after the header */
	char *bump;        /* next never-used block (classes) */
	void *free_list;   /* freed blocks, linked through their first word */
};

/* The whole state: the list of chunks. init resets it; fini empties it. */
static struct tb_chunk *tb_chunks;

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) & ~(to - 1);
}

static size_t class_size(unsigned int cls)
{
	return (size_t)1 << (cls + TB_MIN_SHIFT);
}

/* The page source rounds to a power of two pages anyway; asking for the
 * rounded length makes the whole block ours to hand out, and
 * mmrig_source_free must get back exactly the length that was asked. */
static size_t source_len(size_t n)
{
	size_t len = MMRIG_PAGE_SIZE;

	while (len < n)
		len <<= 1;
	return len;
}

/* NULL from the source is "out of memory" (really, or injected by the
 * rig's fault injection). It must be passed on as this call's failure:
 * the rig knows the source failed, so this failure is legal even under
 * MMRIG_BY_NO_SPURIOUS_FAILURE. Retrying elsewhere is fine too. */
static struct tb_chunk *chunk_new(size_t len, unsigned int cls, size_t offset)
{
	struct tb_chunk *c = mmrig_source_alloc(len, false);

	if (!c)
		return NULL;
	c->len = len;
	c->cls = cls;
	c->live = 0;
	c->start = (char *)c + offset;
	c->end = (char *)c + len;
	c->bump = c->start;
	c->free_list = NULL;
	c->next = tb_chunks;
	tb_chunks = c;
	return c;
}

static void chunk_release(struct tb_chunk *c)
{
	struct tb_chunk **pp = &tb_chunks;

	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	mmrig_source_free(c, c->len);
}

static struct tb_chunk *chunk_of(const void *p)
{
	for (struct tb_chunk *c = tb_chunks; c; c = c->next)
		if ((const char *)p >= c->start && (const char *)p < c->end)
			return c;
	return NULL;
}

static void *class_alloc(unsigned int cls)
{
	size_t sz = class_size(cls);
	struct tb_chunk *c;
	void *p;

	for (c = tb_chunks; c; c = c->next)
		if (c->cls == cls && (c->free_list || c->bump + sz <= c->end))
			break;
	/* The header is rounded up to the class size so every block of the
	 * chunk is aligned to its own size: that is how aligned_alloc with a
	 * small alignment is served, and what min_align promises. */
	if (!c && !(c = chunk_new(MMRIG_PAGE_SIZE, cls, round_up(sizeof(*c), sz))))
		return NULL;
	if (c->free_list) {
		p = c->free_list;
		c->free_list = *(void **)p;
	} else {
		p = c->bump;
		c->bump += sz;
	}
	c->live++;
	return p;
}

/* A block of its own chunk, starting `align` (at least the header) in. */
static void *large_alloc(size_t size, size_t align)
{
	size_t offset = round_up(sizeof(struct tb_chunk), align);
	struct tb_chunk *c;

	if (size > TB_SOURCE_MAX - offset)
		return NULL;
	/* At least one byte: a 0-byte block at a page boundary would sit
	 * just past its chunk, outside the source's block (byte.outside-source). */
	c = chunk_new(source_len(offset + (size ? size : 1)), TB_LARGE, offset);
	if (!c)
		return NULL;
	c->live = 1;
	return c->start;
}

static void *tb_aligned_alloc(size_t align, size_t size)
{
	unsigned int cls = 0;

	/* The rig asks for 1..4096; a bad or larger one is refused. */
	if (!align || (align & (align - 1)) || align > MMRIG_PAGE_SIZE || size > TB_MAX_SIZE)
		return NULL;
	if (size > class_size(TB_NR_CLASSES - 1) || align > class_size(TB_NR_CLASSES - 1))
		return large_alloc(size, align < 16 ? 16 : align);
	/* malloc(0) gets a real 16-byte block, freed like any other. */
	while (class_size(cls) < size || class_size(cls) < align)
		cls++;
	return class_alloc(cls);
}

static void *tb_malloc(size_t size)
{
	return tb_aligned_alloc(1, size);
}

/* The rig never frees a pointer twice nor one it did not get: when these
 * checks fire, this allocator lost track of its own blocks. Say so with
 * MMRIG_ALLOC_ERROR (the run stops with "alloc.error in tb_free
 * [template-byte]") rather than corrupting a list and failing later. */
static void tb_free(void *p)
{
	struct tb_chunk *c;

	if (!p)
		return;
	c = chunk_of(p);
	if (!c || !c->live || (c->cls != TB_LARGE && ((char *)p - c->start) % class_size(c->cls)) ||
	    (c->cls == TB_LARGE && p != c->start)) {
		MMRIG_ALLOC_ERROR("free of %p, which is no live block", p);
		return;
	}
	c->live--;
	if (c->cls != TB_LARGE) {
		*(void **)p = c->free_list;
		c->free_list = p;
		/* An empty chunk goes back unless it is the last of its class,
		 * kept for the next request: a cache fini must empty. */
		if (c->live)
			return;
		for (struct tb_chunk *o = tb_chunks; o; o = o->next)
			if (o != c && o->cls == c->cls) {
				chunk_release(c);
				return;
			}
		return;
	}
	chunk_release(c);
}

/* usable_size is a promise: every byte up to it is the program's, and the
 * rig writes all of them while the block is live. */
static size_t tb_usable_size(void *p)
{
	struct tb_chunk *c = chunk_of(p);

	if (!c)
		return 0;
	return c->cls == TB_LARGE ? (size_t)(c->end - c->start) : class_size(c->cls);
}

/* The multiplication must be checked: the rig asks for n * size that
 * wraps around (op kcalloc_wrap) and reports byte.calloc-overflow if a
 * block comes back. Source chunks come back with undefined contents and
 * blocks are reused, so the zeroing is explicit. */
static void *tb_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > (size_t)-1 / size)
		return NULL;
	p = tb_malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

/* In place whenever the new size fits the usable size: this is what
 * MMRIG_BY_SHRINK_IN_PLACE and MMRIG_BY_GROW_IN_USABLE declare. A failed
 * move leaves the old block live and untouched. */
static void *tb_realloc(void *p, size_t size)
{
	size_t old;
	void *q;

	if (!p)
		return tb_malloc(size);
	/* Above max_size every request fails, even one that would fit in
	 * place: a big block's usable size can exceed max_size. */
	if (size > TB_MAX_SIZE)
		return NULL;
	old = tb_usable_size(p);
	if (size <= old)
		return p; /* size 0 too: p stays a unique live pointer */
	q = tb_malloc(size);
	if (!q)
		return NULL;
	memcpy(q, p, old);
	tb_free(p);
	return q;
}

/* Called before EVERY program. The rig resets its page source first, so
 * chunks the last program left (it may have stopped at a finding, with no
 * fini) are gone already: forget them, never free them. */
static int tb_init(void)
{
	tb_chunks = NULL;
	return 0;
}

/* Called after every program once the rig freed every block it held: all
 * memory goes back, the kept chunks included, or the leak check reports
 * leak.source. */
static void tb_fini(void)
{
	while (tb_chunks)
		chunk_release(tb_chunks);
}

MMRIG_BYTE_ALLOCATOR(template_byte) = {
	.name = "template-byte",
	.summary = "template size-class malloc over page-source chunks (allocators/template)",
	/* Declare only what is true: each flag switches an oracle on. */
	.guarantees = MMRIG_BY_SHRINK_IN_PLACE | MMRIG_BY_GROW_IN_USABLE |
		      MMRIG_BY_NO_SPURIOUS_FAILURE,
	.min_align = (size_t)1 << TB_MIN_SHIFT,
	.max_size = TB_MAX_SIZE,
	/* malloc(0) returns a unique block; like any other it may be NULL
	 * when the page source fails, which UNIQUE allows. */
	.zero_size = MMRIG_ZERO_UNIQUE,
	.confined = true, /* every byte comes from mmrig_source_alloc */
	.init = tb_init,
	.fini = tb_fini,
	.malloc = tb_malloc,
	.free = tb_free,
	.calloc = tb_calloc,
	.realloc = tb_realloc,
	.aligned_alloc = tb_aligned_alloc,
	.usable_size = tb_usable_size,
};
