/* kmain: the boot sequence. The same kernel/mm the rig fuzzes on the
 * host comes up on real hardware (qemu's), then the boot self-test
 * decides qemu's exit status. */
#include "arch.h"
#include "lib.h"
#include "mm/mm.h"
#include "mm/slab.h"
#include "mm/vmalloc.h"
#include "riscv.h"
#include "selftest.h"
#include "setup.h"
#include "uart.h"

static struct fdt_info fdt;

/* kernel.elf has nothing to run between its self-test and the verdict;
 * kernel-replay.elf links the corpus replay over this
 * (harness/targets/riscv-replay/replay.c). */
__attribute__((weak)) void boot_payload(const struct fdt_info *fi)
{
	(void)fi;
}

/* kernel-replay.elf has no smp test (no selftest_smp.c): its CPUs are the
 * hosted arch's simulated ones (cpu.c), which its replay runs. */
__attribute__((weak)) void selftest_smp(unsigned long boot_hartid, const struct fdt_info *fi)
{
	(void)boot_hartid;
	(void)fi;
}

static unsigned long ms(uint64_t ticks)
{
	return fdt.timebase_hz ? (unsigned long)(ticks * 1000 / fdt.timebase_hz) : 0;
}

void kmain(unsigned long hartid, const void *dtb)
{
	uint64_t start = r_time(), now;
	pagetable_t kpgtbl;

	uart_init();
	trap_init();
	printk("\nmmrig: riscv64 kernel on hart %lu, device tree at %p\n", hartid, dtb);
	if (fdt_parse(dtb, &fdt))
		panic("fdt", "no usable device tree at %p", dtb);
	setup_memory(&fdt);
	selftest_memblock(&fdt);
	selftest_zones();
	selftest_migrate();
	kmem_cache_init();
	if (mm_init())
		panic("mm-init", "no VMA cache");

	selftest_kmalloc();
	selftest_trap();
	kpgtbl = kvminit(&fdt);
	vmalloc_init(kpgtbl);
	/* A map that fails its walk is not loaded: the hart would fault on
	 * its next fetch, with no map left to report through. */
	if (selftest_kmap(kpgtbl, &fdt)) {
		kvminithart(kpgtbl);
		printk("paging: Sv39, satp %lx\n", r_satp());
		selftest_mmu(&fdt);
		selftest_vmalloc();
	} else {
		st_skip("mmu", "the kernel map is wrong, paging stays off");
		st_skip("vmalloc", "paging is off");
	}
	selftest_user();
	selftest_smp(hartid, &fdt);
	now = r_time();
	printk("boot: %lu ms since reset, %lu ms in the kernel\n", ms(now), ms(now - start));
	boot_payload(&fdt);
	st_finish();
}
