/* Console and panic for the hosted build: both go to stderr. */
#include <stdio.h>
#include <stdlib.h>

#include "arch.h"
#include "host_internal.h"

void arch_console_write(const char *s, size_t n)
{
	fwrite(s, 1, n, stderr);
}

void arch_panic(const char *check, const char *func, const char *msg)
{
	static int depth;

	/* A harness report that itself trips a check must not recurse: the
	 * second panic just prints its line and aborts. */
	if (depth++ == 0)
		host_call_panic_hook(check, func, msg);
	fflush(stdout);
	fprintf(stderr, "KERNEL PANIC: %s in %s: %s\n", check, func, msg);
	fflush(stderr);
	abort();
}
