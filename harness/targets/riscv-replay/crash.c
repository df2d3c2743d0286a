/* The harness's crash report for the riscv image: the lines the hosted
 * crash.c prints for a kernel panic, so the SIGNATURE is "panic.<check>
 * in <function that panicked>" in both builds and
 * riscv.kernel-replay can compare them. Sanitizers do not exist here, so
 * there is no death callback to install. */
#include <stdio.h>

#include "exec.h"
#include "world.h"

void crash_on_panic(void *ctx, const char *check, const char *func, const char *msg)
{
	char cls[96], sig[192];

	(void)ctx;
	snprintf(cls, sizeof(cls), "panic.%s", check);
	signature_format(sig, sizeof(sig), cls, func, exec_now.allocator);
	fprintf(stderr, "kernel panic: %s in %s: %s\n", check, func, msg);
	fprintf(stderr, "==== mmrig: crash ====\n");
	fprintf(stderr, "check:     %s\n", cls);
	report_context(exec_now.prog, exec_now.op_index, stderr);
	fprintf(stderr, "SIGNATURE: %s\n", sig);
}

void crash_handlers_install(void)
{
}
