/* Shared between the host arch files; not seen by the harness. */
#ifndef MMRIG_HOST_INTERNAL_H
#define MMRIG_HOST_INTERNAL_H

#include <limits.h>

#include "host.h"

#define BITS_PER_LONG (sizeof(unsigned long) * CHAR_BIT)
#define BITS_TO_LONGS(n) (((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)

/* dirty.c: remember a block handed out since the last reset. */
void host_mark_dirty(unsigned long pfn, unsigned int order);

/* dirty.c: before the arena takes another layout of next_pfns pages,
 * every page the old one wrote (its mem_map, blocks handed out since the
 * reset) is zeroed, both layouts' pages are unpoisoned, and the next reset
 * poisons free memory in full. */
void host_arena_forget(struct host_arena *a, unsigned long next_pfns);

/* hooks.c: the harness's panic callback, if any. */
void host_call_panic_hook(const char *check, const char *func, const char *msg);

#endif
