/* printk: one formatted message, one console write. The formatting is
 * vsnprintk's (vsprintf.c). */
#include "arch.h"
#include "lib.h"

/* Bigger messages are cut, never split: one printk is one console write. */
#define PRINTK_BUF 512

void printk(const char *fmt, ...)
{
	char buf[PRINTK_BUF];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintk(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	arch_console_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}
