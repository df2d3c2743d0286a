/* The rig's side of the allocator plug-ins: every allocator the tools can
 * select by name, whatever its grain. Adapters never include this file;
 * they see only include/mmrig_page.h or include/mmrig_byte.h. */
#ifndef MMRIG_ALLOCATOR_H
#define MMRIG_ALLOCATOR_H

#include <stdbool.h>
#include <stddef.h>

#include "mmrig_byte.h"
#include "mmrig_page.h"

enum alloc_kind {
	/* The kernel itself (kbuddy): every op, its tracepoints feed the
	 * models; pages through the kernel's page-based and address-based
	 * entry points. */
	ALLOC_KERNEL,
	ALLOC_PAGE, /* a plugged page allocator on the rig's memory */
	ALLOC_BYTE, /* a plugged byte allocator on the kernel's buddy */
};

struct allocator {
	const char *name;
	const char *summary;
	enum alloc_kind kind;
	const struct mmrig_page_allocator *page; /* KERNEL and PAGE */
	const struct mmrig_byte_allocator *byte; /* BYTE */
};

/* All allocators (the kernel first, then the registered ones in name
 * order), NULL-terminated. */
const struct allocator *const *allocator_list(void);
/* NULL when no allocator has that name. */
const struct allocator *allocator_find(const char *name);
/* "kernel", "page" or "byte", as --list-allocators prints it. */
const char *allocator_grain(enum alloc_kind kind);
/* The kernel: the default when none is named. */
const struct allocator *allocator_kernel(void);
/* NULL: the name given, or MMRIG_ALLOCATOR from the environment, or the
 * kernel; on an unknown name prints the known ones and returns NULL. */
const struct allocator *allocator_select(const char *name, const char *tool);

/* The kernel's buddy as a page table (kbuddy.c). */
extern const struct mmrig_page_allocator kbuddy_pages;
/* Its allocation with the caller's own gfp (the op's gfp words), spread
 * over the kernel's entry points as .alloc is. */
void *kbuddy_alloc_gfp(unsigned int order, unsigned int gfp);

/* The rig's end of the adapter calls (mmrig_claim, mmrig_alloc_error):
 * the executor installs these; NULL outside a run. */
struct adapter_sink {
	void *ctx;
	int (*claim)(void *ctx, uintptr_t start, size_t len);
	void (*error)(void *ctx, const char *func, const char *msg);
};
void adapter_sink_set(const struct adapter_sink *sink);

#endif
