/* hlibc: the slice of <stdio.h> the harness uses, for the riscv replay
 * image only. A stream is the console or a caller's buffer; the replay
 * points stdout and stderr at a buffer while a program runs, which is
 * what mmrig-replay's child process does with a pipe. */
#ifndef MMRIG_HLIBC_STDIO_H
#define MMRIG_HLIBC_STDIO_H

#include <stdarg.h>
#include <stddef.h>

typedef struct hl_file {
	char *buf;       /* NULL: the console */
	size_t len, cap; /* bytes kept, room; output past cap - 1 is dropped */
} FILE;

/* Variables, not constants, so the replay can redirect them. */
extern FILE *stdout;
extern FILE *stderr;

#define EOF (-1)

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vfprintf(FILE *f, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
int fprintf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
size_t fwrite(const void *p, size_t size, size_t n, FILE *f);
int fputs(const char *s, FILE *f);
int fputc(int c, FILE *f);
int fflush(FILE *f);

/* hlibc's own: a stream into buf (NUL-terminated as it fills). */
void hl_memstream(FILE *f, char *buf, size_t cap);
/* Provided by the image: raw console output. */
void hl_console_write(const char *s, size_t n);

#endif
