/* What every allocator adapter may call, whatever its grain (pages or
 * bytes). Lean on purpose: no kernel header comes with it, so an adapter
 * can define alloc_pages, buddy_init or free_pages for its own allocator
 * without a clash. Read docs/your-allocator.md for the whole contract. */
#ifndef MMRIG_ADAPTER_H
#define MMRIG_ADAPTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MMRIG_PAGE_SHIFT 12
#define MMRIG_PAGE_SIZE ((size_t)1 << MMRIG_PAGE_SHIFT)

/* A run of the rig's physical memory, page aligned, in bytes. */
struct mmrig_range {
	uintptr_t start;
	size_t len;
};

/* The page source of a byte allocator: every byte it manages comes from
 * here, so the rig's fault injection fails it, its pages are poisoned
 * while free (ASan builds) and counted as leaked when not given back.
 * len is rounded up to a power-of-two number of pages; the block is
 * aligned to that size, so any align <= the rounded len is met. Contents
 * are undefined unless zero is set. NULL: out of memory or an injected
 * failure, which the adapter must pass on as its allocator's failure. */
void *mmrig_source_alloc(size_t len, bool zero);
/* Gives back a block exactly as mmrig_source_alloc returned it (same len). */
void mmrig_source_free(void *block, size_t len);

/* Page allocators: init claims the pages its allocator keeps metadata in
 * (a header, a bitmap, a tree) out of the ranges it was given. Claimed
 * pages are neither free nor allocated to the program: the model leaves
 * them out of the free structure. May be called several times, only from
 * init. Returns 0, or -1 for a range outside those given. */
int mmrig_claim(uintptr_t start, size_t len);

/* The allocator found its own inconsistency (a failed assertion, a bad
 * free it detected): the run stops with the check alloc.error, signed
 * "alloc.error in FUNC" with the function that called the macro. */
void mmrig_alloc_error(const char *func, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define MMRIG_ALLOC_ERROR(...) mmrig_alloc_error(__func__, __VA_ARGS__)

/* Registration: an adapter defines its table with one of the macros in
 * mmrig_page.h / mmrig_byte.h; the table's address lands in a section the
 * rig walks at start-up, so no list in the tree names it and an adapter
 * directory needs no other file. */
#define MMRIG_REGISTER_(sect, type, var)                                              \
	extern const type var;                                                        \
	static const type *const var##_mmrig_reg                                      \
		__attribute__((used, section(sect), aligned(sizeof(void *)))) = &var; \
	const type var

#endif
