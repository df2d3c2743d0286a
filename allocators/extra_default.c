#include "allocator.h"

/* Weak and empty: a build that links doubles or third-party allocators
 * defines its own array, and this one steps aside. It lives alone in this
 * file so no reader sees its size or its (empty) contents and assumes them. */
__attribute__((weak)) const struct page_allocator *mmrig_extra_allocators[] = { NULL };
