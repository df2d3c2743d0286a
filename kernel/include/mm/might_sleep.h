/* Whether an allocation may sleep, decided in one place: every allocating
 * entry point calls might_sleep(gfp), and the arch reports one made under
 * a spinlock or with interrupts off. Today no gfp flag says "atomic"
 * (GFP_ATOMIC == GFP_KERNEL), so every allocation may sleep; once gfp.h
 * has one, this is where it stops the report. */
#ifndef MMRIG_MM_MIGHT_SLEEP_H
#define MMRIG_MM_MIGHT_SLEEP_H

#include "arch.h"
#include "gfp.h"

#define might_sleep(gfp) __might_sleep((gfp), __func__)
static inline void __might_sleep(gfp_t gfp, const char *func)
{
	(void)gfp;
	arch_might_sleep(func);
}

#endif
