/* Build-time geometry of the kernel's memory manager.
 * Every value can be overridden with -D so the same sources cover other machines. */
#ifndef MMRIG_CONFIG_H
#define MMRIG_CONFIG_H

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

/* Largest buddy order, inclusive (Linux >= 6.4 meaning). Order 10 is a
 * 4 MiB block, so a 2 MiB superpage (order 9) is always allocatable. */
#ifndef CONFIG_MAX_ORDER
#define CONFIG_MAX_ORDER 10
#endif
#define MAX_ORDER CONFIG_MAX_ORDER
#define NR_PAGE_ORDERS (MAX_ORDER + 1)

#define SUPERPAGE_ORDER 9
#define SUPERPGSIZE (PAGE_SIZE << SUPERPAGE_ORDER)

/* Hooks (poison, tracepoints, fault injection) exist only where an arch
 * implements them; the freestanding kernel compiles them away. */
#ifndef CONFIG_MM_HOOKS
#define CONFIG_MM_HOOKS 0
#endif

#endif
