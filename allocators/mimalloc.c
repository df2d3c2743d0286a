/* Byte adapter: mimalloc (Debian's libmimalloc2.0, 2.0.9), NOT confined.
 *
 * mimalloc 2.0.9 can run a heap in an arena of caller-given memory
 * (mi_manage_os_memory_ex + mi_heap_new_in_arena), but an arena must be at
 * least one segment, 32 MiB aligned to 32 MiB (smaller ones are refused:
 * checked on this version), and the page source gives at most 4 MiB in
 * one block. An arena also cannot be given back, while fini must return
 * every source page. So mimalloc maps its own memory (mmap), and the table
 * says .confined = false: the rig judges everything but "inside rig
 * memory" and the page-source leak check (the source is never called).
 *
 * Fresh state per program: init makes a new heap (mi_heap_new), every
 * allocation goes to it, fini destroys it (mi_heap_destroy: its pages go
 * back to mimalloc's segments, which mimalloc keeps cached or unmaps; host
 * memory stays bounded across programs). The heap belongs to the thread
 * that made it, as the rig runs a program on one thread.
 *
 * Linking: Debian's libmimalloc.so is built to override malloc and exports
 * malloc, free, ... . It is linked after libc (cmake/thirdparty.cmake puts
 * libc first in MMRIG_THIRDPARTY_LIBS), so the process's malloc stays
 * libc's (or ASan's interceptor in sanitizer builds) and only the mi_*
 * names resolve to mimalloc. Under ASan, mimalloc's memory is unknown to
 * ASan: the rig's oracles judge it, ASan does not.
 *
 * Built only when cmake/thirdparty.cmake found mimalloc (MMRIG_HAVE_MIMALLOC). */
#ifdef MMRIG_HAVE_MIMALLOC

#include "include/mmrig_byte.h"

#include <mimalloc.h>

#ifndef MMRIG_ARENA_MB
#define MMRIG_ARENA_MB 16
#endif
/* Host memory, not rig memory: a request larger than the rig's default
 * memory fails in the adapter, so a program cannot make the host map
 * (and the rig fill) gigabytes. */
#define MI_ADAPTER_MAX_SIZE ((size_t)MMRIG_ARENA_MB << 20)

static mi_heap_t *mi_adapter_heap;

static void mi_adapter_fini(void)
{
	if (mi_adapter_heap)
		mi_heap_destroy(mi_adapter_heap);
	mi_adapter_heap = NULL;
}

static int mi_adapter_init(void)
{
	mi_adapter_fini();
	mi_adapter_heap = mi_heap_new();
	return mi_adapter_heap ? 0 : -1;
}

/* mi_malloc(0) is documented to return a unique pointer. */
static void *mi_adapter_malloc(size_t size)
{
	if (size > MI_ADAPTER_MAX_SIZE)
		return NULL;
	return mi_heap_malloc(mi_adapter_heap, size);
}

static void *mi_adapter_calloc(size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total) || total > MI_ADAPTER_MAX_SIZE)
		return NULL;
	return mi_heap_calloc(mi_adapter_heap, n, size);
}

static void mi_adapter_free(void *p)
{
	mi_free(p);
}

/* realloc(p, 0) asks for one byte: mi_realloc's answer to 0 is not
 * documented, and one byte keeps it a unique live block like malloc(0). */
static void *mi_adapter_realloc(void *p, size_t size)
{
	if (size > MI_ADAPTER_MAX_SIZE)
		return NULL;
	return mi_heap_realloc(mi_adapter_heap, p, size ? size : 1);
}

static void *mi_adapter_aligned_alloc(size_t align, size_t size)
{
	if (align == 0 || (align & (align - 1)) || align > MI_ADAPTER_MAX_SIZE ||
	    size > MI_ADAPTER_MAX_SIZE)
		return NULL;
	return mi_heap_malloc_aligned(mi_adapter_heap, size, align);
}

static size_t mi_adapter_usable_size(void *p)
{
	return mi_usable_size(p);
}

MMRIG_BYTE_ALLOCATOR(mmrig_byte_mimalloc) = {
	.name = "mimalloc",
	.summary = "mimalloc 2.0.9 (Debian): a heap per program in mimalloc's own (host) memory",
	/* None: mi_realloc keeps a block in place only while the new size is
	 * at least half its usable size, and no failure rule is documented. */
	.guarantees = 0,
	/* Size classes go by 8-byte words (8, 16, 24, ...): a 24-byte block
	 * is 8-aligned. */
	.min_align = 8,
	.max_size = MI_ADAPTER_MAX_SIZE,
	.zero_size = MMRIG_ZERO_UNIQUE,
	.confined = false,
	.init = mi_adapter_init,
	.fini = mi_adapter_fini,
	.malloc = mi_adapter_malloc,
	.free = mi_adapter_free,
	.calloc = mi_adapter_calloc,
	.realloc = mi_adapter_realloc,
	.aligned_alloc = mi_adapter_aligned_alloc,
	.usable_size = mi_adapter_usable_size,
};

#else
/* mimalloc was not found (or this is not the hosted build): no adapter. */
typedef int mmrig_mimalloc_absent;
#endif
