/* panic(): format the message, then let the arch report and stop. */
#include "arch.h"
#include "lib.h"

/* The message is bounded so a panic never allocates and never overflows,
 * whatever state the allocator is in. */
#define PANIC_MSG_MAX 256

void __panic(const char *check, const char *func, const char *fmt, ...)
{
	char msg[PANIC_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintk(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	arch_panic(check, func, msg);
}
