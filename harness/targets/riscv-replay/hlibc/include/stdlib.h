/* hlibc: the heap the harness allocates from, for the riscv replay image. */
#ifndef MMRIG_HLIBC_STDLIB_H
#define MMRIG_HLIBC_STDLIB_H

#include <stddef.h>

void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);

/* hlibc's own: hands the heap its memory (once, before any malloc), and
 * reports what it holds for the replay's summary. */
void hl_heap_init(void *base, size_t size);
struct hl_heap_stats {
	size_t size, in_use, peak;
};
void hl_heap_stats(struct hl_heap_stats *st);

#endif
