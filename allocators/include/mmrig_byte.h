/* The byte interface: malloc, free and their relatives, plugged into the
 * rig by a table of functions. Memory must come from mmrig_source_alloc
 * (mmrig_adapter.h) unless .confined is false. The oracles judge what the
 * table declares: no overlap, inside rig memory, .min_align, usable size
 * >= size, contents kept, realloc's prefix, calloc zeroed and
 * overflow-checked, failures only where legal, no leak at the end. */
#ifndef MMRIG_BYTE_H
#define MMRIG_BYTE_H

#include "mmrig_adapter.h"

/* A realloc to a size <= the old one returns the same pointer. */
#define MMRIG_BY_SHRINK_IN_PLACE 0x1u
/* A realloc that grows a block within usable_size(p) returns the same
 * pointer. */
#define MMRIG_BY_GROW_IN_USABLE 0x2u
/* Allocations of at most max_size bytes fail only when the page source
 * failed during the call (injected, or the rig's memory ran out). */
#define MMRIG_BY_NO_SPURIOUS_FAILURE 0x4u

/* What malloc(0) (and realloc(p, 0)'s result) may be. */
enum mmrig_zero_size {
	MMRIG_ZERO_ANY,    /* NULL or a unique pointer, both legal */
	MMRIG_ZERO_NULL,   /* always NULL */
	MMRIG_ZERO_UNIQUE, /* a unique live pointer, freed like any other */
	MMRIG_ZERO_TOKEN,  /* always .zero_token (kmalloc's ZERO_SIZE_PTR) */
};

struct mmrig_byte_allocator {
	const char *name; /* what --allocator selects: [a-z0-9_.-]+ */
	const char *summary;
	unsigned int guarantees; /* MMRIG_BY_* */
	size_t min_align;        /* every block is aligned to this (a power of two) */
	size_t max_size;         /* larger requests must fail; 0: no limit of its own */
	enum mmrig_zero_size zero_size;
	const void *zero_token;
	/* true: every block lies in memory from mmrig_source_alloc, and all of
	 * it goes back by the end of fini. false (a library that maps its own
	 * memory, glibc malloc): judged on everything else. */
	bool confined;
	/* Fresh state before every program; 0 or -1 (harness.init). */
	int (*init)(void);
	/* After every program, once the rig freed every block: give all
	 * memory back to the page source. Optional. */
	void (*fini)(void);
	void *(*malloc)(size_t size);
	void (*free)(void *p);
	/* Each optional: NULL makes its ops not applicable. */
	void *(*calloc)(size_t n, size_t size);
	void *(*realloc)(void *p, size_t size);
	void *(*aligned_alloc)(size_t align, size_t size);
	size_t (*usable_size)(void *p);
	/* The largest page-source block init needs, in bytes (0: none). On a
	 * geometry whose boot free memory holds no block that large the
	 * allocator cannot start: its programs are N/A there, not failures
	 * (docs/op-language.md#geometry). */
	size_t min_source_block;
};

#define MMRIG_BYTE_ALLOCATOR(var) \
	MMRIG_REGISTER_("mmrig_byte_allocators", struct mmrig_byte_allocator, var)

#endif
