/* A small size-class malloc behind the byte interface, written only
 * against mmrig_byte.h: power-of-two classes of 16..2048 bytes carved from
 * 16 KiB chunks of the page source, larger blocks straight from the
 * source. Its variants each plant one bug the way a malloc author makes
 * it, for the byte oracles' self-tests; the correct variant runs every
 * kmalloc-family seed clean. */
#include <string.h>

#include "mmrig_byte.h"

#define MIN_CLASS 4  /* 16 bytes */
#define MAX_CLASS 11 /* 2048 bytes */
#define CHUNK (16u << 10)
#define MAX_CHUNKS 256
#define MAX_LARGE 256
#define BUGGY_LARGE 4
#define MAX_SIZE ((size_t)4 << 20)
/* The header BUG_HEADER puts in front of a large block. */
#define HEADER 16

enum bug {
	BUG_NONE,
	BUG_SHRINK_COPY,  /* a shrink that moves copies the old size */
	BUG_GROW_PREFIX,  /* a grow that moves copies from the wrong end */
	BUG_ALIGN,        /* aligned_alloc ignores alignments above 16 */
	BUG_USABLE,       /* usable_size reports the next class up */
	BUG_CALLOC_WRAP,  /* calloc multiplies without an overflow check */
	BUG_REUSE_LIVE,   /* a free list pop leaves the block on the list */
	BUG_HEADER,       /* a large block's header is not counted in its request */
	BUG_USABLE_SHORT, /* usable_size of a large block rounds down to a page */
	BUG_CALLOC_DIRTY, /* calloc trusts large source blocks to come zeroed */
	BUG_GROW_MOVES,   /* the in-place test misses a grow to exactly the class */
	BUG_ZERO_NULL,    /* malloc(0) forgets to ask for one byte */
	BUG_TABLE_FULL,   /* a 4-entry table of large blocks, full is NULL */
	BUG_CLAMP,        /* an oversized request is clamped, not refused */
	BUG_LEAK,         /* fini stops one chunk short */
};

struct chunk {
	char *base;
	unsigned int cls;
};

struct large {
	char *base;
	size_t len;
};

static struct {
	enum bug bug;
	struct chunk chunks[MAX_CHUNKS];
	int nr_chunks;
	struct large large[MAX_LARGE];
	void *free_list[MAX_CLASS + 1];
	char *bump[MAX_CLASS + 1], *bump_end[MAX_CLASS + 1];
} st;

static unsigned int class_of(size_t size)
{
	unsigned int c = MIN_CLASS;

	while (((size_t)1 << c) < size)
		c++;
	return c;
}

static int chunk_of(const void *p)
{
	for (int i = 0; i < st.nr_chunks; i++)
		if ((const char *)p >= st.chunks[i].base &&
		    (const char *)p < st.chunks[i].base + CHUNK)
			return i;
	return -1;
}

static size_t header(void)
{
	return st.bug == BUG_HEADER ? HEADER : 0;
}

static int large_of(const void *p)
{
	for (int i = 0; i < MAX_LARGE; i++)
		if (st.large[i].base && st.large[i].base + header() == p)
			return i;
	return -1;
}

static void *small_alloc(unsigned int c)
{
	void *p = st.free_list[c];

	if (p) {
		/* The link lives in the free block's first word. */
		if (st.bug != BUG_REUSE_LIVE || *(void **)p)
			st.free_list[c] = *(void **)p;
		return p;
	}
	if (st.bump[c] == st.bump_end[c]) {
		char *ch;

		if (st.nr_chunks == MAX_CHUNKS || !(ch = mmrig_source_alloc(CHUNK, false)))
			return NULL;
		st.chunks[st.nr_chunks++] = (struct chunk){ ch, c };
		st.bump[c] = ch;
		st.bump_end[c] = ch + CHUNK;
	}
	p = st.bump[c];
	st.bump[c] += (size_t)1 << c;
	return p;
}

/* The source hands out power-of-two pages; len is what was asked. */
static void *large_alloc(size_t size)
{
	int slots = st.bug == BUG_TABLE_FULL ? BUGGY_LARGE : MAX_LARGE;

	if (size > MAX_SIZE) {
		if (st.bug != BUG_CLAMP)
			return NULL;
		size = MAX_SIZE;
	}
	for (int i = 0; i < slots; i++) {
		if (st.large[i].base)
			continue;
		char *p = mmrig_source_alloc(size, false);

		if (!p)
			return NULL;
		st.large[i] = (struct large){ p, size };
		return p + header();
	}
	return NULL;
}

static void *bd_malloc(size_t size)
{
	if (size == 0 && st.bug == BUG_ZERO_NULL)
		return NULL;
	if (size == 0)
		size = 1;
	return size <= ((size_t)1 << MAX_CLASS) ? small_alloc(class_of(size)) : large_alloc(size);
}

static void bd_free(void *p)
{
	int i;

	if (!p)
		return;
	if ((i = chunk_of(p)) >= 0) {
		unsigned int c = st.chunks[i].cls;

		*(void **)p = st.free_list[c];
		st.free_list[c] = p;
		return;
	}
	if ((i = large_of(p)) < 0) {
		MMRIG_ALLOC_ERROR("free of %p, which it never gave out", p);
		return;
	}
	mmrig_source_free(st.large[i].base, st.large[i].len);
	st.large[i].base = NULL;
}

static size_t bd_usable(void *p)
{
	int i = chunk_of(p);

	if (i >= 0)
		return ((size_t)1 << st.chunks[i].cls) << (st.bug == BUG_USABLE);
	if ((i = large_of(p)) < 0)
		return 0;
	if (st.bug == BUG_USABLE_SHORT)
		return st.large[i].len & ~(MMRIG_PAGE_SIZE - 1);
	return st.large[i].len;
}

static void *bd_calloc(size_t n, size_t size)
{
	size_t total = n * size;
	void *p;

	if (st.bug != BUG_CALLOC_WRAP && size && n > (size_t)-1 / size)
		return NULL;
	p = bd_malloc(total);
	/* The buggy variant takes a large block as fresh, hence zero: the
	 * source recycles pages, so it is not. */
	if (p && !(st.bug == BUG_CALLOC_DIRTY && total > ((size_t)1 << MAX_CLASS)))
		memset(p, 0, total);
	return p;
}

/* In place while the new size still fits the class and uses more than
 * half of it; otherwise moved to the class that fits. */
static void *bd_realloc(void *p, size_t size)
{
	size_t old, keep;
	void *n;

	if (!p)
		return bd_malloc(size);
	if (size == 0) {
		bd_free(p);
		return bd_malloc(0);
	}
	old = bd_usable(p);
	if ((st.bug == BUG_GROW_MOVES ? size < old : size <= old) && size > old / 2)
		return p;
	if (!(n = bd_malloc(size)))
		return NULL;
	keep = size < old ? size : old;
	if (st.bug == BUG_SHRINK_COPY)
		keep = old;
	if (st.bug == BUG_GROW_PREFIX && size > old)
		memcpy(n, (char *)p + 8, keep - 8);
	else
		memcpy(n, p, keep);
	bd_free(p);
	return n;
}

/* Classes are powers of two carved from aligned chunks, and large blocks
 * are page aligned: a block of max(size, align) bytes is aligned enough
 * for any align up to a page. */
static void *bd_aligned_alloc(size_t align, size_t size)
{
	if (align > MMRIG_PAGE_SIZE)
		return NULL;
	if (st.bug != BUG_ALIGN && size < align)
		size = align;
	return bd_malloc(size);
}

static int bd_init(void)
{
	enum bug b = st.bug;

	memset(&st, 0, sizeof(st));
	st.bug = b;
	return 0;
}

static void bd_fini(void)
{
	for (int i = 0; i < st.nr_chunks - (st.bug == BUG_LEAK); i++)
		mmrig_source_free(st.chunks[i].base, CHUNK);
	for (int i = 0; i < MAX_LARGE; i++)
		if (st.large[i].base)
			mmrig_source_free(st.large[i].base, st.large[i].len);
	st.nr_chunks = 0;
}

#define BYTES_INIT(variant, bugval)        \
	static int bd_init_##variant(void) \
	{                                  \
		st.bug = bugval;           \
		return bd_init();          \
	}
BYTES_INIT(ok, BUG_NONE)
BYTES_INIT(shrinkcopy, BUG_SHRINK_COPY)
BYTES_INIT(growprefix, BUG_GROW_PREFIX)
BYTES_INIT(align, BUG_ALIGN)
BYTES_INIT(usable, BUG_USABLE)
BYTES_INIT(callocwrap, BUG_CALLOC_WRAP)
BYTES_INIT(reuselive, BUG_REUSE_LIVE)
BYTES_INIT(header, BUG_HEADER)
BYTES_INIT(usableshort, BUG_USABLE_SHORT)
BYTES_INIT(callocdirty, BUG_CALLOC_DIRTY)
BYTES_INIT(growmoves, BUG_GROW_MOVES)
BYTES_INIT(zeronull, BUG_ZERO_NULL)
BYTES_INIT(tablefull, BUG_TABLE_FULL)
BYTES_INIT(clamp, BUG_CLAMP)
BYTES_INIT(leak, BUG_LEAK)

#define BYTES(variant, nm, text)                                                      \
	MMRIG_BYTE_ALLOCATOR(bytes_##variant) = {                                     \
		.name = nm,                                                           \
		.summary = text,                                                      \
		.guarantees = MMRIG_BY_GROW_IN_USABLE | MMRIG_BY_NO_SPURIOUS_FAILURE, \
		.min_align = 16,                                                      \
		.max_size = MAX_SIZE,                                                 \
		.zero_size = MMRIG_ZERO_UNIQUE,                                       \
		.confined = true,                                                     \
		.init = bd_init_##variant,                                            \
		.fini = bd_fini,                                                      \
		.malloc = bd_malloc,                                                  \
		.free = bd_free,                                                      \
		.calloc = bd_calloc,                                                  \
		.realloc = bd_realloc,                                                \
		.aligned_alloc = bd_aligned_alloc,                                    \
		.usable_size = bd_usable,                                             \
	};
BYTES(ok, "bytes", "size-class malloc (test double, correct)")
BYTES(shrinkcopy, "bytes-shrinkcopy", "planted bug: a moving shrink copies the old size")
BYTES(growprefix, "bytes-growprefix", "planted bug: a moving grow copies from byte 8")
BYTES(align, "bytes-align", "planted bug: aligned_alloc ignores the alignment")
BYTES(usable, "bytes-usable", "planted bug: usable_size reports twice the class")
BYTES(callocwrap, "bytes-callocwrap", "planted bug: calloc without an overflow check")
BYTES(reuselive, "bytes-reuselive", "planted bug: the last free block stays on its list")
BYTES(header, "bytes-header", "planted bug: a large block's header is not in its request")
BYTES(usableshort, "bytes-usableshort", "planted bug: usable_size rounds a large block down")
BYTES(callocdirty, "bytes-callocdirty", "planted bug: calloc trusts large blocks to be zero")
BYTES(growmoves, "bytes-growmoves", "planted bug: a grow to exactly the class moves")
BYTES(zeronull, "bytes-zeronull", "planted bug: malloc(0) returns NULL")
BYTES(tablefull, "bytes-tablefull", "planted bug: a 4-entry table of large blocks")
BYTES(clamp, "bytes-clamp", "planted bug: an oversized request is clamped")
BYTES(leak, "bytes-leak", "planted bug: fini keeps its last chunk")
