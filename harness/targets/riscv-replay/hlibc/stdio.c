/* hlibc: formatting and streams. The formatter is the kernel's
 * vsnprintk (kernel/lib/vsprintf.c), which follows C's rules, so a report
 * reads byte for byte as the hosted build's. Stream output is formatted
 * into a bounded buffer first, as printk does: the harness's lines are
 * short, and the console then gets whole lines. */
#include <stdio.h>
#include <string.h>

#include "lib.h"

#define LINE_MAX_BYTES 1024

static FILE console;
FILE *stdout = &console;
FILE *stderr = &console;

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return vsnprintk(buf, size, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintk(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void hl_memstream(FILE *f, char *buf, size_t cap)
{
	f->buf = buf;
	f->len = 0;
	f->cap = cap;
	if (cap)
		buf[0] = '\0';
}

size_t fwrite(const void *p, size_t size, size_t n, FILE *f)
{
	size_t bytes = size * n, room;

	if (!f->buf) {
		hl_console_write(p, bytes);
		return n;
	}
	/* A full buffer keeps its head: a report's first lines matter most. */
	room = f->cap && f->len < f->cap - 1 ? f->cap - 1 - f->len : 0;
	if (bytes > room)
		bytes = room;
	memcpy(f->buf + f->len, p, bytes);
	f->len += bytes;
	if (f->cap)
		f->buf[f->len] = '\0';
	return n;
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	char line[LINE_MAX_BYTES];
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	if (n > 0)
		fwrite(line, 1, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1, f);
	return n;
}

int fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

int fputs(const char *s, FILE *f)
{
	fwrite(s, 1, strlen(s), f);
	return 0;
}

int fputc(int c, FILE *f)
{
	char ch = (char)c;

	fwrite(&ch, 1, 1, f);
	return (unsigned char)ch;
}

/* Nothing is buffered: the console is written synchronously. */
int fflush(FILE *f)
{
	(void)f;
	return 0;
}
