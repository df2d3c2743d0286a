/* Whether an allocation may sleep, decided in one place: every allocating
 * entry point calls might_sleep(gfp), and the arch reports one made under
 * a spinlock or with interrupts off. Only a caller that lets the
 * allocator wait (__GFP_DIRECT_RECLAIM: GFP_KERNEL, not GFP_ATOMIC or
 * GFP_NOWAIT) may sleep. */
#ifndef MMRIG_MM_MIGHT_SLEEP_H
#define MMRIG_MM_MIGHT_SLEEP_H

#include "arch.h"
#include "gfp.h"

#define might_sleep(gfp) __might_sleep((gfp), __func__)
static inline void __might_sleep(gfp_t gfp, const char *func)
{
	if (gfp & __GFP_DIRECT_RECLAIM)
		arch_might_sleep(func);
}

#endif
