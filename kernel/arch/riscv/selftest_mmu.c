/* The kernel map through the real MMU, paging on: loads, stores and
 * calls at the edges of each part of the image and of RAM must succeed
 * or take exactly the page fault the permissions call for, with stval
 * naming the address. MMIO is left alone (a load can eat UART input, a
 * store to the finisher ends the run): the console working with paging
 * on, and the exit, are its test. */
#include "arch.h"
#include "lib.h"
#include "platform.h"
#include "riscv.h"
#include "selftest.h"
#include "trap.h"

/* li a0, 0; ret: what probe_exec calls in memory that must not run. */
#define RET0                           \
	{                              \
		0x00000513, 0x00008067 \
	}
static const uint32_t rodata_code[2] = RET0;
static uint32_t data_code[2] = RET0;

/* Reached through probe_exec: the positive case of the call probe. */
static unsigned long text_code(void)
{
	return 0;
}

static void expect_fault(const char *what, unsigned long got, unsigned long cause, uintptr_t va)
{
	if (!st_check(got == cause, "%s %lx: scause %lu, want %lu", what, (unsigned long)va, got,
		      cause))
		return;
	st_check(last_trap.tval == va, "%s %lx: stval %lx", what, (unsigned long)va,
		 last_trap.tval);
}

static void load_ok(uintptr_t va)
{
	uint8_t v;

	st_check(probe_load(va, &v) == 0, "load %lx faulted: scause %lu", (unsigned long)va,
		 last_trap.cause);
}

/* Writes back what is there: the probe must not disturb live memory. */
static void store_ok(uintptr_t va)
{
	uint8_t v = 0;

	if (probe_load(va, &v) == 0)
		st_check(probe_store(va, v) == 0, "store %lx faulted: scause %lu",
			 (unsigned long)va, last_trap.cause);
}

static void no_access(uintptr_t va)
{
	uint8_t v;

	expect_fault("load", probe_load(va, &v), CAUSE_LOAD_PAGE_FAULT, va);
}

void selftest_mmu(const struct fdt_info *fi)
{
	uintptr_t text = (uintptr_t)__text_start, rodata = (uintptr_t)__rodata_start;
	uintptr_t data = (uintptr_t)__rodata_end;

	st_begin("mmu");
	/* text: R X */
	load_ok(text);
	load_ok((uintptr_t)__text_end - 1);
	expect_fault("store", probe_store(text, 0), CAUSE_STORE_PAGE_FAULT, text);
	st_check(probe_exec((uintptr_t)text_code) == 0, "call into text faulted");
	/* rodata: R */
	load_ok(rodata);
	load_ok((uintptr_t)__rodata_end - 1);
	expect_fault("store", probe_store(rodata, 0), CAUSE_STORE_PAGE_FAULT, rodata);
	expect_fault("call", probe_exec((uintptr_t)rodata_code), CAUSE_FETCH_PAGE_FAULT,
		     (uintptr_t)rodata_code);
	/* data, bss and the rest of RAM: R W */
	store_ok(data);
	store_ok((uintptr_t)&data_code);
	expect_fault("call", probe_exec((uintptr_t)data_code), CAUSE_FETCH_PAGE_FAULT,
		     (uintptr_t)data_code);
	for (int i = 0; i < fi->nr_mem; i++) {
		uintptr_t end = fi->mem[i].end & PAGE_MASK;

		if (end <= data)
			continue;
		store_ok(end - 1);
		store_ok(end - SUPERPGSIZE); /* inside the direct map's superpages */
		no_access(end);
	}
	/* Unmapped: page 0, the firmware below the image, a gap in MMIO,
	 * and an address that is not sign-extended from bit 38. */
	no_access(0);
	no_access(text - PAGE_SIZE);
	no_access(VIRT_UART0 + VIRT_UART0_SIZE);
	no_access((uintptr_t)1 << 38);
	st_end();
}
