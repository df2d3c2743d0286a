/* Console and panic for the freestanding kernel (arch.h): the UART, and a
 * panic that reports and stops qemu with a failing exit status. */
#include "arch.h"
#include "lib.h"
#include "platform.h"
#include "riscv.h"
#include "uart.h"

void arch_console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* A terminal wants CR LF; log readers do not mind the CR. */
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

/* The same lines as the hosted build's panic, so one reader serves both. */
void arch_panic(const char *check, const char *func, const char *msg)
{
	static int depth;

	/* A panic while panicking may come from the kernel map itself (the
	 * UART or the finisher not mapped): leave paging before trying to
	 * stop the machine. */
	if (depth++) {
		w_satp(0);
		sfence_vma_all();
		machine_exit(EXIT_PANIC);
	}
	printk("KERNEL PANIC: %s in %s: %s\n", check, func, msg);
	printk("SIGNATURE: panic.%s in %s\n", check, func);
	machine_exit(EXIT_PANIC);
}
