/* Shared between the host arch files, and with the riscv replay's stand-ins
 * for two of them (harness/targets/riscv-replay: console.c for console.c,
 * ram.c for arena.c); not seen by the rest of the harness. */
#ifndef MMRIG_HOST_INTERNAL_H
#define MMRIG_HOST_INTERNAL_H

#include "host.h"

/* Every target of the rig has 8-bit bytes; no <limits.h> needed for it. */
#define BITS_PER_LONG (sizeof(unsigned long) * 8)
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
/* hooks.c: a preemption point, and a broken lock rule (a panic when no
 * harness listens). */
void host_call_preempt_hook(unsigned int id);
void host_lock_error(const char *check, const char *msg);

#endif
