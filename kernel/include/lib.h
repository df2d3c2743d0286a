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

/* vsprintf.c: C's printf formatting for the flags - + space # 0, width
 * and precision (digits or *), the lengths hh h l ll z j t and the
 * conversions d i u o x X c s p %, bounded as snprintf; %p and a NULL %s
 * read as glibc prints them. The replay image's C library formats with it
 * too. printk.c: the console write. */
int vsnprintk(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int snprintk(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
