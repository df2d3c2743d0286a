/* The kernel's own page table: an identity map built by kernel/mm's
 * kvmmake, so the freestanding kernel runs on the very page-table code
 * the rig fuzzes. */
#include "arch.h"
#include "lib.h"
#include "platform.h"
#include "riscv.h"
#include "setup.h"

/* Three MMIO windows, the image's text and rodata, and the RAM above
 * them: one region per distinct permission. */
#define MAX_KMAP_REGIONS (5 + FDT_MAX_RANGES)

static int add_region(struct kvm_region *r, int n, phys_addr_t start, phys_addr_t end, pte_t perm)
{
	if (start >= end)
		return n;
	r[n].pa = start;
	r[n].size = end - start;
	/* G: the kernel map is in every address space. */
	r[n].perm = perm | PTE_G;
	return n + 1;
}

pagetable_t kvminit(const struct fdt_info *fi)
{
	struct kvm_region r[MAX_KMAP_REGIONS];
	phys_addr_t image_ro_end = (phys_addr_t)__rodata_end;
	pagetable_t pt;
	int n = 0;

	n = add_region(r, n, VIRT_TEST, VIRT_TEST + VIRT_TEST_SIZE, PTE_R | PTE_W);
	n = add_region(r, n, VIRT_PLIC, VIRT_PLIC + VIRT_PLIC_SIZE, PTE_R | PTE_W);
	n = add_region(r, n, VIRT_UART0, VIRT_UART0 + VIRT_UART0_SIZE, PTE_R | PTE_W);
	n = add_region(r, n, (phys_addr_t)__text_start, (phys_addr_t)__text_end, PTE_R | PTE_X);
	n = add_region(r, n, (phys_addr_t)__rodata_start, image_ro_end, PTE_R);
	/* RAM below the image is the firmware's (see memory.c): a stray
	 * access there should be a page fault, not a PMP access fault. The
	 * image's data and bss start the first RAM region. */
	for (int i = 0; i < fi->nr_mem; i++) {
		phys_addr_t start = fi->mem[i].start > image_ro_end ? fi->mem[i].start
								    : image_ro_end;

		n = add_region(r, n, ALIGN_UP(start, (phys_addr_t)PAGE_SIZE),
			       fi->mem[i].end & PAGE_MASK, PTE_R | PTE_W);
	}
	pt = kvmmake(r, n);
	if (!pt)
		panic("kvminit", "kvmmake failed for %d regions", n);
	return pt;
}

void kvminithart(pagetable_t kpgtbl)
{
	/* Order the page-table stores before the walker can see them, and
	 * drop whatever the bare-mode TLB might hold. */
	sfence_vma_all();
	w_satp(MAKE_SATP(kpgtbl));
	sfence_vma_all();
}
