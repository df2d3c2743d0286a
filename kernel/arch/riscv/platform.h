/* What the kernel knows about its machine and its own image: qemu's virt
 * board (the MMIO windows are fixed by the board, not read from the device
 * tree: the kernel drives only these three), the linker script's symbols,
 * and the exit codes qemu reports. */
#ifndef MMRIG_RISCV_PLATFORM_H
#define MMRIG_RISCV_PLATFORM_H

#include "types.h"

#define VIRT_TEST 0x100000UL /* SiFive test finisher: exit qemu */
#define VIRT_TEST_SIZE 0x1000UL
#define VIRT_PLIC 0x0c000000UL
#define VIRT_PLIC_SIZE 0x400000UL
#define VIRT_UART0 0x10000000UL /* NS16550 */
#define VIRT_UART0_SIZE 0x1000UL

/* qemu's exit status: 0 when every self-test passed. */
#define EXIT_SELFTEST_FAIL 1
#define EXIT_PANIC 2

/* Image bounds from kernel.ld, each page-aligned so every part can get
 * its own permissions in the kernel map. */
extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __data_start[], __kernel_end[];

/* Stops the machine through the test finisher with this exit status. */
void machine_exit(unsigned int code) __attribute__((noreturn));

#endif
