/* The kernel's own page table: an identity map (va == pa) of a list of
 * physical regions, built with the same code as user tables. The
 * freestanding kernel loads it into satp; the host tests translate
 * through it with the software MMU. */
#include "errno-base.h"
#include "mm/vm.h"

/* Map one region: 4 KiB leaves up to the first 2 MiB boundary, 2 MiB
 * leaves while a whole superpage fits, 4 KiB leaves for the tail. */
static int kvm_map_region(pagetable_t pt, const struct kvm_region *r)
{
	phys_addr_t pa = r->pa, end = r->pa + r->size;
	phys_addr_t mid = ALIGN_UP(pa, (phys_addr_t)SUPERPGSIZE);
	phys_addr_t tail = end & ~((phys_addr_t)SUPERPGSIZE - 1);
	int err;

	if (!r->size || !IS_ALIGNED(pa, PAGE_SIZE) || !IS_ALIGNED(r->size, PAGE_SIZE) || end < pa)
		return -EINVAL;
	if (mid >= tail) /* no whole superpage inside */
		return mappages(pt, pa, r->size, pa, r->perm);
	if (mid > pa && (err = mappages(pt, pa, mid - pa, pa, r->perm)))
		return err;
	if ((err = mappages_huge(pt, mid, tail - mid, mid, r->perm)))
		return err;
	if (end > tail && (err = mappages(pt, tail, end - tail, tail, r->perm)))
		return err;
	return 0;
}

pagetable_t kvmmake(const struct kvm_region *regions, int n)
{
	pagetable_t pt = uvmcreate();

	if (!pt)
		return NULL;
	for (int i = 0; i < n; i++) {
		/* The whole table is this call's: on failure drop all of it. */
		if (kvm_map_region(pt, &regions[i])) {
			kvmfree(pt);
			return NULL;
		}
	}
	return pt;
}
