/* What the kernel needs of a C library. On the freestanding build kernel/lib
 * provides these; on the hosted build the host libc does (same contracts). */
#ifndef MMRIG_LIB_H
#define MMRIG_LIB_H

#include <stdarg.h>
#include "types.h"

void *memset(void *s, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* printk supports %d %i %u %x %lx %lu %ld %zu %zx %p %s %c %%. */
int vsnprintk(char *buf, size_t size, const char *fmt, va_list ap);
int snprintk(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
