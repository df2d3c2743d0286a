#ifndef MMRIG_TYPES_H
#define MMRIG_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uintptr_t phys_addr_t;
typedef unsigned int gfp_t;

#define ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#endif
