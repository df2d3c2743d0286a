/* hlibc: <string.h> for the riscv replay image. The mem* functions and
 * strlen are kernel/lib/string.c's (one implementation for the kernel and
 * the harness); the rest are hlibc's. */
#ifndef MMRIG_HLIBC_STRING_H
#define MMRIG_HLIBC_STRING_H

#include <stddef.h>

void *memset(void *s, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

void *memchr(const void *s, int c, size_t n);
char *strchr(const char *s, int c);
int strcmp(const char *a, const char *b);

#endif
