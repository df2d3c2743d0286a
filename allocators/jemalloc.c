/* Byte adapter: jemalloc (Debian's libjemalloc2, 5.3) on rig memory.
 *
 * Each program gets a private jemalloc arena (arenas.create) whose extent
 * hooks take every byte from mmrig_source_alloc: the blocks the program
 * gets, and the arena's own metadata too (jemalloc allocates an arena's
 * base through its hooks). Calls go through mallocx & co. with
 * MALLOCX_ARENA(a) | MALLOCX_TCACHE_NONE, so no thread cache keeps memory
 * past a free. fini destroys the arena (arena.<i>.destroy): jemalloc hands
 * back its retained extents and its metadata blocks, and the adapter gives
 * each source block back once jemalloc holds no byte of it. What stays in
 * host memory is jemalloc's global state (the radix tree mapping addresses
 * to extents, in its arena 0, from mmap); it is bounded by the rig's
 * address range and does not grow per program.
 *
 * Linking: Debian's libjemalloc.so exports an unprefixed malloc, and it
 * cannot be dlopen()ed (its 2.6 KiB of initial-exec TLS does not fit in
 * glibc's static TLS surplus: "cannot allocate memory in static TLS
 * block"). It is linked as a DT_NEEDED library after libc, which
 * cmake/thirdparty.cmake puts first in MMRIG_THIRDPARTY_LIBS: the process's
 * malloc is then libc's (plain builds) or ASan's interceptor (sanitizer
 * builds, defined in the executable), and only jemalloc's own names
 * (mallocx, rallocx, mallctl, ...) resolve to jemalloc. jemalloc's C entry
 * points never call malloc/free through the PLT, so they stay consistent.
 *
 * Determinism: the arena's decay times are set to 0, so jemalloc purges
 * (here: hands back through the dalloc hook) unused extents at once rather
 * than on a timer; the source calls a program makes depend on the program
 * alone, which fault injection by call number needs.
 *
 * Built only when cmake/thirdparty.cmake found jemalloc (MMRIG_HAVE_JEMALLOC);
 * otherwise this file is empty, so the core's glob of allocators/ and
 * cross builds do not need the library. */
#ifdef MMRIG_HAVE_JEMALLOC

#include "include/mmrig_byte.h"

#include <errno.h>
#include <jemalloc/jemalloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#ifndef MMRIG_ARENA_MB
#define MMRIG_ARENA_MB 16
#endif
/* A request larger than the rig's whole default memory fails in the
 * adapter; every smaller one reaches jemalloc, whose hooks ask the page
 * source (which fails what it cannot give: a block above 4 MiB). */
#define JE_MAX_SIZE ((size_t)MMRIG_ARENA_MB << 20)

/* One block from the page source, and how many of its bytes jemalloc
 * still holds (it splits, merges and hands back extents inside it). */
struct je_block {
	uintptr_t start;
	size_t len;  /* as passed to mmrig_source_alloc/free */
	size_t held; /* bytes jemalloc has not handed back yet */
};

/* Sorted by start; grown with the host's allocator, kept across programs
 * (it only grows to the largest number of blocks a program held). */
static struct je_block *je_blocks;
static size_t je_nblocks, je_cap;

static unsigned je_arena;
static bool je_have_arena;
static int je_flags; /* MALLOCX_ARENA(je_arena) | MALLOCX_TCACHE_NONE */

/* Index of the block containing [addr, addr+size), or je_nblocks. */
static size_t je_find(uintptr_t addr, size_t size)
{
	size_t lo = 0, hi = je_nblocks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (je_blocks[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return je_nblocks;
	lo--;
	if (addr - je_blocks[lo].start >= je_blocks[lo].len ||
	    size > je_blocks[lo].len - (addr - je_blocks[lo].start))
		return je_nblocks;
	return lo;
}

static bool je_insert(uintptr_t start, size_t len, size_t held)
{
	size_t i = 0;

	if (je_nblocks == je_cap) {
		size_t cap = je_cap ? 2 * je_cap : 64;
		struct je_block *b = realloc(je_blocks, cap * sizeof(*b));

		if (!b)
			return false;
		je_blocks = b;
		je_cap = cap;
	}
	while (i < je_nblocks && je_blocks[i].start < start)
		i++;
	memmove(&je_blocks[i + 1], &je_blocks[i], (je_nblocks - i) * sizeof(*je_blocks));
	je_blocks[i] = (struct je_block){ start, len, held };
	je_nblocks++;
	return true;
}

/* jemalloc hands back [addr, addr+size): a whole extent it got from
 * je_hook_alloc, or a piece of one after splits. */
static void je_release(void *addr, size_t size, const char *hook)
{
	size_t i = je_find((uintptr_t)addr, size);

	if (i == je_nblocks || je_blocks[i].held < size) {
		MMRIG_ALLOC_ERROR("jemalloc %s hook: [%p, +%zu) is no extent it got", hook, addr,
				  size);
		return;
	}
	je_blocks[i].held -= size;
	if (je_blocks[i].held)
		return;
	mmrig_source_free((void *)je_blocks[i].start, je_blocks[i].len);
	memmove(&je_blocks[i], &je_blocks[i + 1], (je_nblocks - i - 1) * sizeof(*je_blocks));
	je_nblocks--;
}

static void *je_hook_alloc(extent_hooks_t *hooks, void *new_addr, size_t size, size_t alignment,
			   bool *zero, bool *commit, unsigned arena_ind)
{
	size_t len = size;
	void *block;

	(void)hooks;
	(void)arena_ind;
	/* A given address is jemalloc asking to grow an extent in place: the
	 * page source cannot place a block, so no (jemalloc then moves). */
	if (new_addr || size == 0)
		return NULL;
	/* The source aligns a block to its power-of-two size: asking for at
	 * least `alignment` bytes meets any alignment jemalloc wants. */
	if (alignment > len)
		len = alignment;
	block = mmrig_source_alloc(len, *zero);
	if (!block)
		return NULL;
	if (!je_insert((uintptr_t)block, len, size)) {
		mmrig_source_free(block, len);
		return NULL;
	}
	*commit = true; /* rig memory is always readable and writable */
	return block;
}

/* Returns false: the extent is gone from jemalloc, back to the source. */
static bool je_hook_dalloc(extent_hooks_t *hooks, void *addr, size_t size, bool committed,
			   unsigned arena_ind)
{
	(void)hooks;
	(void)committed;
	(void)arena_ind;
	je_release(addr, size, "dalloc");
	return false;
}

/* Arena destruction: the retained extents jemalloc never dalloc'ed. */
static void je_hook_destroy(extent_hooks_t *hooks, void *addr, size_t size, bool committed,
			    unsigned arena_ind)
{
	(void)hooks;
	(void)committed;
	(void)arena_ind;
	je_release(addr, size, "destroy");
}

/* Rig memory cannot be decommitted: commit always succeeds (false),
 * decommit and purging are declined (true), so jemalloc keeps treating
 * those pages as committed and their contents as unknown. */
static bool je_hook_commit(extent_hooks_t *hooks, void *addr, size_t size, size_t offset,
			   size_t length, unsigned arena_ind)
{
	(void)hooks;
	(void)addr;
	(void)size;
	(void)offset;
	(void)length;
	(void)arena_ind;
	return false;
}

static bool je_hook_decline(extent_hooks_t *hooks, void *addr, size_t size, size_t offset,
			    size_t length, unsigned arena_ind)
{
	(void)hooks;
	(void)addr;
	(void)size;
	(void)offset;
	(void)length;
	(void)arena_ind;
	return true;
}

/* Splitting keeps both halves inside the same source block: nothing to
 * record (the block counts bytes, not extents). */
static bool je_hook_split(extent_hooks_t *hooks, void *addr, size_t size, size_t size_a,
			  size_t size_b, bool committed, unsigned arena_ind)
{
	(void)hooks;
	(void)committed;
	(void)arena_ind;
	(void)size_a;
	(void)size_b;
	return je_find((uintptr_t)addr, size) == je_nblocks;
}

/* Merging is allowed only inside one source block: an extent spanning two
 * blocks could not be handed back block by block. */
static bool je_hook_merge(extent_hooks_t *hooks, void *addr_a, size_t size_a, void *addr_b,
			  size_t size_b, bool committed, unsigned arena_ind)
{
	size_t a = je_find((uintptr_t)addr_a, size_a);

	(void)hooks;
	(void)committed;
	(void)arena_ind;
	return a == je_nblocks || a != je_find((uintptr_t)addr_b, size_b);
}

/* jemalloc keeps this pointer for the arena's lifetime. */
static extent_hooks_t je_hooks = {
	.alloc = je_hook_alloc,
	.dalloc = je_hook_dalloc,
	.destroy = je_hook_destroy,
	.commit = je_hook_commit,
	.decommit = je_hook_decline,
	.purge_lazy = je_hook_decline,
	.purge_forced = je_hook_decline,
	.split = je_hook_split,
	.merge = je_hook_merge,
};

static int je_arena_ctl(const char *leaf, void *newp, size_t newlen)
{
	char name[64];

	snprintf(name, sizeof(name), "arena.%u.%s", je_arena, leaf);
	return mallctl(name, NULL, NULL, newp, newlen);
}

/* The arena is made in init, where no fault can be injected (the rig arms
 * fail_nth only from a program's ops) and the rig's memory is fresh, so
 * creating it never fails. It must not: a failed arenas.create keeps its
 * arena index, destroy recycles only the indices of arenas it destroyed,
 * and after ~2047 failures MALLOCX_ARENA's shift overflows (the AFL++
 * UBSan build trapped there, in children of a long persistent loop). */
static bool je_arena_make(void)
{
	extent_hooks_t *hooks = &je_hooks;
	size_t sz = sizeof(je_arena);
	ssize_t zero_ms = 0;

	if (mallctl("arenas.create", &je_arena, &sz, &hooks, sizeof(hooks)) != 0)
		return false;
	je_have_arena = true;
	je_flags = MALLOCX_ARENA(je_arena) | MALLOCX_TCACHE_NONE;
	if (je_arena_ctl("dirty_decay_ms", &zero_ms, sizeof(zero_ms)) ||
	    je_arena_ctl("muzzy_decay_ms", &zero_ms, sizeof(zero_ms)))
		MMRIG_ALLOC_ERROR("jemalloc: cannot set arena %u's decay times", je_arena);
	return true;
}

static void je_fini(void)
{
	if (!je_have_arena)
		return;
	/* Every block was freed by the rig: destroying discards nothing live,
	 * and returns all extents and the arena's metadata through the hooks. */
	if (je_arena_ctl("destroy", NULL, 0))
		MMRIG_ALLOC_ERROR("jemalloc: arena.%u.destroy failed", je_arena);
	je_have_arena = false;
}

static int je_init(void)
{
	/* A program whose fini did not run (it should) must not leave its
	 * arena behind; blocks still recorded after a destroy are the rig's
	 * to report as leaked, not this adapter's to reuse. */
	je_fini();
	je_nblocks = 0;
	return je_arena_make() ? 0 : -1;
}

/* mallocx(0) is undefined: a zero-size request asks for one byte, so
 * malloc(0) is a unique pointer (MMRIG_ZERO_UNIQUE). */
static void *je_malloc(size_t size)
{
	if (size > JE_MAX_SIZE)
		return NULL;
	return mallocx(size ? size : 1, je_flags);
}

static void *je_calloc(size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total) || total > JE_MAX_SIZE)
		return NULL;
	return mallocx(total ? total : 1, je_flags | MALLOCX_ZERO);
}

static void je_free(void *p)
{
	if (p)
		dallocx(p, je_flags);
}

/* realloc(NULL, n) is malloc(n); realloc(p, 0) keeps a one-byte block
 * (rallocx(p, 0) is undefined), like malloc(0). */
static void *je_realloc(void *p, size_t size)
{
	if (!p)
		return je_malloc(size);
	if (size > JE_MAX_SIZE)
		return NULL;
	return rallocx(p, size ? size : 1, je_flags);
}

static void *je_aligned_alloc(size_t align, size_t size)
{
	int lg = 0;

	if (align == 0 || (align & (align - 1)) || align > JE_MAX_SIZE || size > JE_MAX_SIZE)
		return NULL;
	while (((size_t)1 << lg) < align)
		lg++;
	return mallocx(size ? size : 1, je_flags | MALLOCX_LG_ALIGN(lg));
}

static size_t je_usable_size(void *p)
{
	return sallocx(p, 0);
}

MMRIG_BYTE_ALLOCATOR(mmrig_byte_jemalloc) = {
	.name = "jemalloc",
	.summary =
		"jemalloc 5.3 (Debian): a private arena per program, extents from the page source",
	/* No realloc rule: rallocx moves a block to another size class even
	 * when shrinking. Failures: every byte, metadata included, comes from
	 * the hooks, and the hooks fail only when the source did. */
	.guarantees = MMRIG_BY_NO_SPURIOUS_FAILURE,
	/* The smallest size class is 8 bytes, aligned to 8 only (16 from 16
	 * bytes up): jemalloc aligns a block to its size class, not to
	 * max_align_t. */
	.min_align = 8,
	.max_size = JE_MAX_SIZE,
	/* arenas.create takes a 2 MiB chunk for the arena's base (metadata):
	 * a geometry without one (pages=512) cannot start it. */
	.min_source_block = 2UL << 20,
	.zero_size = MMRIG_ZERO_UNIQUE,
	.confined = true,
	.init = je_init,
	.fini = je_fini,
	.malloc = je_malloc,
	.free = je_free,
	.calloc = je_calloc,
	.realloc = je_realloc,
	.aligned_alloc = je_aligned_alloc,
	.usable_size = je_usable_size,
};

#else
/* jemalloc was not found (or this is not the hosted build): no adapter. */
typedef int mmrig_jemalloc_absent;
#endif
