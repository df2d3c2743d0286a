/* The boot steps kmain() runs, in order; each lives in a file of its own. */
#ifndef MMRIG_RISCV_SETUP_H
#define MMRIG_RISCV_SETUP_H

#include "fdt.h"
#include "mm/vm.h"

void kmain(unsigned long hartid, const void *dtb) __attribute__((noreturn));
void trap_init(void);                           /* trap.c: stvec */
void setup_memory(const struct fdt_info *fi);   /* memory.c: buddy_init */
pagetable_t kvminit(const struct fdt_info *fi); /* kmap.c: kvmmake */
void kvminithart(pagetable_t kpgtbl);           /* kmap.c: satp */
void boot_payload(const struct fdt_info *fi);   /* after the self-test, before its verdict */

#endif
