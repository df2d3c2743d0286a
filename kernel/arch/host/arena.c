/* The arena: one aligned mapping that plays the machine's physical memory,
 * as large as the largest geometry; layout.c lays each geometry over it. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "host.h"
#include "host_internal.h"

#ifdef HOST_ASAN
#include <sanitizer/asan_interface.h>
#endif

#define ARENA_ALIGN ((size_t)1 << (MAX_ORDER + PAGE_SHIFT))

/* On x86-64 and riscv64 the arena is placed at a fixed address when it is
 * free, so pfns (and any report quoting them) are the same in every
 * process. On x86-64 the address is in ASan's high memory and away from
 * its allocator and the usual mmap / heap areas; if it is taken, any
 * aligned address will do. */
#if defined(__x86_64__)
#define ARENA_HINT ((uintptr_t)0x3e0000000000ULL)
#elif defined(__riscv) && __riscv_xlen == 64
/* Below 2^38, the top of user space with Sv39 (and of qemu-riscv64's). */
#define ARENA_HINT ((uintptr_t)0x2000000000ULL)
#endif

static void *map_at_hint(size_t size)
{
#if defined(ARENA_HINT) && defined(MAP_FIXED_NOREPLACE)
	void *p = mmap((void *)ARENA_HINT, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* Old kernels treat the flag as a mere hint. */
	if (p != (void *)ARENA_HINT) {
		munmap(p, size);
		return NULL;
	}
	return p;
#else
	(void)size;
	return NULL;
#endif
}

/* Over-map by one alignment unit, then trim both ends. */
static void *map_aligned(size_t size)
{
	void *p = map_at_hint(size);
	uintptr_t raw, base;

	if (p)
		return p;
	p = mmap(NULL, size + ARENA_ALIGN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	raw = (uintptr_t)p;
	base = ALIGN_UP(raw, (uintptr_t)ARENA_ALIGN);
	if (base > raw)
		munmap(p, base - raw);
	if (base + size < raw + size + ARENA_ALIGN)
		munmap((void *)(base + size), raw + ARENA_ALIGN - base);
	return (void *)base;
}

int host_arena_create(size_t size, struct host_arena *out)
{
	struct host_arena a;

	memset(&a, 0, sizeof(a));
	if (size == 0 || size > SIZE_MAX / 2) {
		fprintf(stderr, "mmrig: bad arena size %zu\n", size);
		return -1;
	}
	a.size = ALIGN_UP(size, ARENA_ALIGN);
	a.base = map_aligned(a.size);
	if (!a.base) {
		fprintf(stderr, "mmrig: cannot map a %zu-byte arena: %s\n", a.size,
			strerror(errno));
		return -1;
	}
	a.base_pfn = (uintptr_t)a.base >> PAGE_SHIFT;
	a.cap_pfns = a.size >> PAGE_SHIFT;
	a.mem_map = a.base;
	/* Mapped, not malloc'ed: the arena lives as long as the process, and a
	 * leak checker must not report it when the harness drops the struct. */
	a.dirty = mmap(NULL, BITS_TO_LONGS(a.cap_pfns) * sizeof(unsigned long),
		       PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a.dirty == MAP_FAILED) {
		fprintf(stderr, "mmrig: cannot map the dirty-page bitmap: %s\n", strerror(errno));
		munmap(a.base, a.size);
		return -1;
	}
	if (host_arena_layout_default(&a, a.cap_pfns)) {
		fprintf(stderr, "mmrig: a %zu-byte arena is too small\n", a.size);
		host_arena_destroy(&a);
		return -1;
	}
	*out = a;
	return 0;
}

void host_arena_destroy(struct host_arena *a)
{
	size_t mapped = a->cap_pfns << PAGE_SHIFT;

#ifdef HOST_ASAN
	/* The kernel's hooks poison free pages; a later mapping at the same
	 * address must not inherit that. */
	ASAN_UNPOISON_MEMORY_REGION(a->base, mapped);
#endif
	munmap(a->base, mapped);
	munmap(a->dirty, BITS_TO_LONGS(a->cap_pfns) * sizeof(unsigned long));
	memset(a, 0, sizeof(*a));
}
