/* The boot self-test. Each test is a named group of checks: a failed
 * check prints a FAIL line with the details, each group ends with one
 * PASS or FAIL line, and the boot ends with one verdict that becomes
 * qemu's exit status. */
#ifndef MMRIG_RISCV_SELFTEST_H
#define MMRIG_RISCV_SELFTEST_H

#include "fdt.h"
#include "mm/vm.h"

void st_begin(const char *name);
/* Counts one check; prints the message (for the first few) if !ok. */
bool st_check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool st_end(void); /* true if the group passed */
/* The buddy's free blocks per order, and a check that they are as taken:
 * with eager coalescing the free structure is a function of what is
 * allocated, so a test that gave everything back must find it again. */
void st_free_blocks(unsigned long counts[NR_PAGE_ORDERS]);
void st_check_free_blocks(const unsigned long before[NR_PAGE_ORDERS], const char *when);
void st_skip(const char *name, const char *why);
/* Prints the verdict and exits: 0 on pass, EXIT_SELFTEST_FAIL otherwise. */
void st_finish(void) __attribute__((noreturn));

/* The tests, in the order the boot runs them. */
/* Boot memory right after the hand-over to the buddy. */
void selftest_memblock(const struct fdt_info *fi);
/* Zones and each gfp class's watermark floor, all of RAM taken and given back. */
void selftest_zones(void);
/* Each migrate type's request from a pageblock of its type; the lists by type. */
void selftest_migrate(void);
void selftest_kmalloc(void);
void selftest_trap(void);
/* The kernel map as built, before it is used: true if paging may go on. */
bool selftest_kmap(pagetable_t kpgtbl, const struct fdt_info *fi);
/* The same map through the real MMU, with paging on. */
void selftest_mmu(const struct fdt_info *fi);
/* vmalloc areas through the MMU, on the kernel map (paging on). */
void selftest_vmalloc(void);
/* U-mode accesses on a process page table (skipped with paging off). */
void selftest_user(void);
/* A second hart as CPU 1: its slab caches' per-CPU arrays, its locks
 * (kernel.elf; kernel-replay.elf simulates its CPUs and skips it). */
void selftest_smp(unsigned long boot_hartid, const struct fdt_info *fi);
/* One hart's share of the pcp test, run on both harts at once by
 * selftest_smp: what it allocated, failed and found clobbered. */
struct pcp_storm {
	unsigned long allocated, failed, clobbered;
};
void pcp_storm(unsigned int cpu, struct pcp_storm *s);

#endif
