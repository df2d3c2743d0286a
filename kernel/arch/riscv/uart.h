#ifndef MMRIG_RISCV_UART_H
#define MMRIG_RISCV_UART_H

void uart_init(void);
void uart_putc(char c); /* waits for room: the console never drops output */

#endif
