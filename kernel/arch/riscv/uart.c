/* The NS16550 UART of qemu's virt board: polled output only. */
#include "platform.h"
#include "uart.h"

#define UART_THR 0 /* transmit holding register */
#define UART_IER 1 /* interrupt enable */
#define UART_FCR 2 /* FIFO control */
#define UART_LCR 3 /* line control */
#define UART_LSR 5 /* line status */

#define LCR_8N1 0x03
#define FCR_ENABLE_CLEAR 0x07
#define LSR_THRE 0x20 /* room in the transmitter */

static volatile uint8_t *const uart = (volatile uint8_t *)VIRT_UART0;

/* OpenSBI has set the line up already (it printed its banner through it);
 * only make sure no interrupt is raised, as nothing here takes them. */
void uart_init(void)
{
	uart[UART_IER] = 0;
	uart[UART_LCR] = LCR_8N1;
	uart[UART_FCR] = FCR_ENABLE_CLEAR;
}

void uart_putc(char c)
{
	while (!(uart[UART_LSR] & LSR_THRE))
		;
	uart[UART_THR] = (uint8_t)c;
}
