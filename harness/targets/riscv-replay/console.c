/* Console and panic for the replay image. The console is the harness's
 * stderr, as on the host, so a kernel message printed while a program
 * runs lands in that program's report; the stream itself ends at the UART.
 * A panic prints the harness's crash report and then goes on with the next
 * program, where the hosted replay would lose only one child process. */
#include <stdio.h>

#include "arch.h"
#include "host_internal.h"
#include "platform.h"
#include "replay.h"
#include "riscv.h"
#include "uart.h"

static struct rv_context *resume;

void hl_console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* A terminal wants CR LF; log readers do not mind the CR. */
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

void arch_console_write(const char *s, size_t n)
{
	fwrite(s, 1, n, stderr);
}

void replay_catch_panics(struct rv_context *ctx)
{
	resume = ctx;
}

void arch_panic(const char *check, const char *func, const char *msg)
{
	static int depth;
	static FILE console;

	/* A panic inside the report of a panic: the harness's state is not
	 * to be trusted any more, so stop on the bare console, out of paging
	 * in case the kernel map is what broke. */
	if (depth++) {
		stderr = &console;
		fprintf(stderr, "KERNEL PANIC: %s in %s: %s (while panicking)\n", check, func, msg);
		w_satp(0);
		sfence_vma_all();
		machine_exit(EXIT_PANIC);
	}
	host_call_panic_hook(check, func, msg);
	fprintf(stderr, "KERNEL PANIC: %s in %s: %s\n", check, func, msg);
	if (resume) {
		struct rv_context *ctx = resume;

		resume = NULL;
		depth = 0;
		rv_resume_context(ctx);
	}
	fprintf(stderr, "SIGNATURE: panic.%s in %s\n", check, func);
	machine_exit(EXIT_PANIC);
}
