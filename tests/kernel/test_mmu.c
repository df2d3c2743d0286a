/* The software MMU: Sv39 translation of 4 KiB and 2 MiB leaves, the
 * permission and malformed-PTE faults, and the TLB: a stale entry is served
 * until the kernel flushes, and the kernel flushes where it must. */
#include "vmtest.h"

static struct mmu_result tr(pagetable_t pt, uintptr_t va, unsigned int access)
{
	return mmu_translate(pt, va, access);
}

static void test_translate(void)
{
	pagetable_t pt;
	phys_addr_t p, sp;
	struct mmu_result r;
	char buf[16];
	size_t done;

	vt_boot();
	pt = uvmcreate();
	p = user_page();
	sp = user_superpage();
	CHECK_EQ_UL(mappages(pt, 0x5000, PAGE_SIZE, p, PTE_R | PTE_W | PTE_U), 0);
	CHECK_EQ_UL(mappages_huge(pt, SZ_1G, SZ_2M, sp, PTE_R | PTE_X | PTE_U), 0);

	r = tr(pt, 0x5123, MMU_READ | MMU_USER);
	CHECK_EQ_UL(r.fault, MMU_OK);
	CHECK_EQ_UL(r.pa, p + 0x123);
	CHECK_EQ_UL(r.level, 0);
	CHECK(!r.tlb_hit);
	r = tr(pt, 0x5fff, MMU_WRITE | MMU_USER);
	CHECK(r.fault == MMU_OK && r.pa == p + 0xfff && r.tlb_hit);

	r = tr(pt, SZ_1G + 0x12345, MMU_EXEC | MMU_USER);
	CHECK_EQ_UL(r.fault, MMU_OK);
	CHECK_EQ_UL(r.pa, sp + 0x12345);
	CHECK_EQ_UL(r.level, 1);
	/* One TLB entry covers the whole superpage. */
	r = tr(pt, SZ_1G + SZ_2M - 1, MMU_READ | MMU_USER);
	CHECK(r.fault == MMU_OK && r.tlb_hit && r.pa == sp + SZ_2M - 1);

	/* Data goes where the translation says. */
	CHECK_EQ_UL(mmu_copy_out(pt, 0x5ffa, "abcdef", 6, MMU_USER, &done), MMU_OK);
	CHECK_EQ_UL(memcmp((char *)p + 0xffa, "abcdef", 6), 0);
	CHECK_EQ_UL(mmu_copy_out(pt, 0x5ffe, "xyz", 3, MMU_USER, &done), MMU_FAULT_UNMAPPED);
	CHECK_EQ_UL(done, 2);
	CHECK_EQ_UL(mmu_copy_in(pt, buf, 0x5ffa, 6, MMU_USER, &done), MMU_OK);
	CHECK_EQ_UL(memcmp(buf, "abcdxy", 6), 0);
	CHECK_EQ_UL(mmu_copy_out(pt, SZ_1G, "q", 1, MMU_USER, &done), MMU_FAULT_PERM);
	CHECK_EQ_UL(done, 0);
	uvmfree(pt);
	CHECK(ktest_at_boot("translate"));
}

static void test_faults(void)
{
	pagetable_t pt;

	vt_boot();
	pt = uvmcreate();
	CHECK_EQ_UL(mappages(pt, 0x1000, PAGE_SIZE, FAKE_PA, PTE_R | PTE_U), 0);
	CHECK_EQ_UL(mappages(pt, 0x2000, PAGE_SIZE, FAKE_PA, PTE_R | PTE_W), 0);
	CHECK_EQ_UL(mappages(pt, 0x3000, PAGE_SIZE, FAKE_PA, PTE_X | PTE_U), 0);

	CHECK_EQ_UL(tr(pt, 0x1000, MMU_WRITE | MMU_USER).fault, MMU_FAULT_PERM);
	CHECK_EQ_UL(tr(pt, 0x1000, MMU_EXEC | MMU_USER).fault, MMU_FAULT_PERM);
	CHECK_EQ_UL(tr(pt, 0x1000, MMU_READ).fault, MMU_FAULT_PERM); /* S-mode, SUM = 0 */
	CHECK_EQ_UL(tr(pt, 0x2000, MMU_READ | MMU_USER).fault, MMU_FAULT_PERM);
	CHECK_EQ_UL(tr(pt, 0x2000, MMU_WRITE).fault, MMU_OK);
	CHECK_EQ_UL(tr(pt, 0x3000, MMU_READ | MMU_USER).fault, MMU_FAULT_PERM); /* MXR = 0 */
	CHECK_EQ_UL(tr(pt, 0x3000, MMU_EXEC | MMU_USER).fault, MMU_OK);
	/* Refused from the TLB too, once cached by an allowed access. */
	CHECK_EQ_UL(tr(pt, 0x1000, MMU_READ | MMU_USER).fault, MMU_OK);
	CHECK_EQ_UL(tr(pt, 0x1000, MMU_WRITE | MMU_USER).fault, MMU_FAULT_PERM);

	CHECK_EQ_UL(tr(pt, 0x4000, MMU_READ | MMU_USER).fault, MMU_FAULT_UNMAPPED);
	CHECK_EQ_UL(tr(pt, SZ_1G, MMU_READ | MMU_USER).fault, MMU_FAULT_UNMAPPED);
	CHECK_EQ_UL(tr(pt, (uintptr_t)1 << 39, MMU_READ | MMU_USER).fault, MMU_FAULT_UNMAPPED);

	/* PTEs no correct kernel writes. */
	pte_t *pte = walk(pt, 0x1000, 0);

	*pte = PA2PTE(FAKE_PA) | PTE_V | PTE_W | PTE_U | PTE_A | PTE_D;
	sfence_vma(0x1000);
	CHECK_EQ_UL(tr(pt, 0x1000, MMU_WRITE | MMU_USER).fault, MMU_FAULT_BADPTE);
	*pte = PA2PTE(FAKE_PA) | PTE_V | PTE_R | PTE_U; /* A clear: no hardware update */
	CHECK_EQ_UL(tr(pt, 0x1000, MMU_READ | MMU_USER).fault, MMU_FAULT_PERM);
	*pte = PA2PTE(FAKE_PA) | PTE_V | PTE_R | PTE_W | PTE_U | PTE_A; /* D clear */
	CHECK_EQ_UL(tr(pt, 0x1000, MMU_READ | MMU_USER).fault, MMU_OK);
	sfence_vma(0x1000);
	CHECK_EQ_UL(tr(pt, 0x1000, MMU_WRITE | MMU_USER).fault, MMU_FAULT_PERM);
	*pte = PA2PTE(FAKE_PA) | PTE_V | PTE_R | PTE_U | PTE_A | (1ULL << 60);
	CHECK_EQ_UL(tr(pt, 0x1000, MMU_READ | MMU_USER).fault, MMU_FAULT_BADPTE);
	*pte = PA2PTE(FAKE_PA) | PTE_V | PTE_R | PTE_U | PTE_A;

	CHECK_EQ_UL(mappages_huge(pt, 4 * SZ_2M, SZ_2M, FAKE_PA, PTE_R | PTE_U), 0);
	pte = walk(pt, 4 * SZ_2M, 0);
	*pte += PA2PTE(PAGE_SIZE); /* superpage not 2 MiB-aligned */
	CHECK_EQ_UL(tr(pt, 4 * SZ_2M, MMU_READ | MMU_USER).fault, MMU_FAULT_BADPTE);
	*pte -= PA2PTE(PAGE_SIZE);
	CHECK_EQ_UL(tr(pt, 4 * SZ_2M, MMU_READ | MMU_USER).fault, MMU_OK);

	CHECK(mmu_get_stats()->faults >= 10);
	CHECK_EQ_UL(uvmunmap(pt, 0, SZ_1G, 0), 0);
	uvmfree(pt);
	CHECK(ktest_at_boot("faults"));
}

/* A PTE rewritten behind the TLB's back keeps translating the old way
 * until that va (or everything) is flushed, and only then. */
static void test_stale_tlb(void)
{
	pagetable_t pt;
	pte_t *pte;

	vt_boot();
	pt = uvmcreate();
	CHECK_EQ_UL(mappages(pt, 0x7000, 2 * PAGE_SIZE, FAKE_PA, PTE_R | PTE_W | PTE_U), 0);
	CHECK_EQ_UL(tr(pt, 0x7010, MMU_READ | MMU_USER).pa, FAKE_PA + 0x10);
	CHECK_EQ_UL(tr(pt, 0x8010, MMU_READ | MMU_USER).pa, FAKE_PA + 0x1010);

	pte = walk(pt, 0x7000, 0);
	*pte = PA2PTE(FAKE_PA + 0x100000) | PTE_FLAGS(*pte);
	CHECK_EQ_UL(tr(pt, 0x7010, MMU_READ | MMU_USER).pa, FAKE_PA + 0x10);
	sfence_vma(0x8000); /* another page: no effect on 0x7000 */
	CHECK_EQ_UL(tr(pt, 0x7010, MMU_READ | MMU_USER).pa, FAKE_PA + 0x10);
	sfence_vma(0x7ff8);
	CHECK_EQ_UL(tr(pt, 0x7010, MMU_READ | MMU_USER).pa, FAKE_PA + 0x100010);

	/* A permission taken away is still granted until the flush. */
	*pte &= ~PTE_W;
	CHECK_EQ_UL(tr(pt, 0x7000, MMU_WRITE | MMU_USER).fault, MMU_OK);
	sfence_vma_all();
	CHECK_EQ_UL(tr(pt, 0x7000, MMU_WRITE | MMU_USER).fault, MMU_FAULT_PERM);

	/* A removed page is still reachable until the flush. */
	CHECK_EQ_UL(tr(pt, 0x8000, MMU_READ | MMU_USER).fault, MMU_OK);
	*walk(pt, 0x8000, 0) = 0;
	CHECK_EQ_UL(tr(pt, 0x8000, MMU_READ | MMU_USER).fault, MMU_OK);
	sfence_vma(0x8000);
	CHECK_EQ_UL(tr(pt, 0x8000, MMU_READ | MMU_USER).fault, MMU_FAULT_UNMAPPED);

	/* A superpage entry is flushed by any va inside it. */
	CHECK_EQ_UL(mappages_huge(pt, SZ_2M, SZ_2M, FAKE_PA, PTE_R | PTE_U), 0);
	CHECK_EQ_UL(tr(pt, SZ_2M, MMU_READ | MMU_USER).fault, MMU_OK);
	*walk(pt, SZ_2M, 0) = 0;
	CHECK_EQ_UL(tr(pt, SZ_2M + 0x1000, MMU_READ | MMU_USER).fault, MMU_OK);
	sfence_vma(SZ_2M + 0x1ff000);
	CHECK_EQ_UL(tr(pt, SZ_2M + 0x1000, MMU_READ | MMU_USER).fault, MMU_FAULT_UNMAPPED);

	*walk(pt, 0x7000, 0) = 0;
	uvmfree(pt);
	CHECK(ktest_at_boot("stale tlb"));
}

/* Entries are tagged with the root; capacity and replacement are fixed. */
static void test_tags_and_capacity(void)
{
	pagetable_t a, b;
	const struct mmu_stats *st = mmu_get_stats();

	vt_boot();
	a = uvmcreate();
	b = uvmcreate();
	CHECK_EQ_UL(mappages(a, 0x1000, PAGE_SIZE, FAKE_PA, PTE_R | PTE_U), 0);
	CHECK_EQ_UL(mappages(b, 0x1000, PAGE_SIZE, FAKE_PA + PAGE_SIZE, PTE_R | PTE_U), 0);
	CHECK_EQ_UL(tr(a, 0x1000, MMU_READ | MMU_USER).pa, FAKE_PA);
	CHECK_EQ_UL(tr(b, 0x1000, MMU_READ | MMU_USER).pa, FAKE_PA + PAGE_SIZE);
	CHECK(tr(a, 0x1000, MMU_READ | MMU_USER).tlb_hit);
	CHECK(tr(b, 0x1000, MMU_READ | MMU_USER).tlb_hit);

	/* Fill all 16 entries with other pages: the two above are evicted
	 * first (round robin), and a second round hits every time. */
	CHECK_EQ_UL(mappages(a, SZ_2M, MMU_TLB_ENTRIES * PAGE_SIZE, FAKE_PA, PTE_R | PTE_U), 0);
	mmu_reset();
	for (int i = 0; i < MMU_TLB_ENTRIES; i++)
		tr(a, SZ_2M + (uintptr_t)i * PAGE_SIZE, MMU_READ | MMU_USER);
	CHECK_EQ_UL(st->misses, MMU_TLB_ENTRIES);
	for (int i = 0; i < MMU_TLB_ENTRIES; i++)
		tr(a, SZ_2M + (uintptr_t)i * PAGE_SIZE, MMU_READ | MMU_USER);
	CHECK_EQ_UL(st->hits, MMU_TLB_ENTRIES);
	CHECK(!tr(a, 0x1000, MMU_READ | MMU_USER).tlb_hit); /* evicts entry 0 */
	CHECK(!tr(a, SZ_2M, MMU_READ | MMU_USER).tlb_hit);  /* evicts entry 1 */
	CHECK(tr(a, SZ_2M + 2 * PAGE_SIZE, MMU_READ | MMU_USER).tlb_hit);
	kvmfree(a); /* leaves of FAKE_PA hold no references */
	kvmfree(b);
	CHECK(ktest_at_boot("tags"));
}

/* The kernel's own changes are flushed: each translation is cached
 * first, and a neighbouring mapping keeps the level-0 table alive so the
 * table-freeing flush cannot cover for a missing per-page one. */
static void test_kernel_flushes(void)
{
	pagetable_t pt;
	phys_addr_t sp;
	const struct mmu_stats *st = mmu_get_stats();

	vt_boot();
	pt = uvmcreate();
	CHECK_EQ_UL(mappages(pt, 0x1000, PAGE_SIZE, user_page(), PTE_R | PTE_U), 0);
	CHECK_EQ_UL(mappages(pt, 0x2000, PAGE_SIZE, user_page(), PTE_R | PTE_U), 0);
	CHECK_EQ_UL(tr(pt, 0x1000, MMU_READ | MMU_USER).fault, MMU_OK);
	CHECK_EQ_UL(tr(pt, 0x2000, MMU_READ | MMU_USER).fault, MMU_OK);
	unsigned long all = st->flush_all;

	CHECK_EQ_UL(uvmunmap(pt, 0x1000, PAGE_SIZE, 1), 0);
	CHECK_EQ_UL(st->flush_all, all); /* no table freed */
	CHECK_EQ_UL(tr(pt, 0x1000, MMU_READ | MMU_USER).fault, MMU_FAULT_UNMAPPED);
	CHECK_EQ_UL(tr(pt, 0x2000, MMU_READ | MMU_USER).fault, MMU_OK);

	/* Unmapping inside a superpage: the split and the removal. */
	sp = user_superpage();
	CHECK_EQ_UL(mappages_huge(pt, SZ_2M, SZ_2M, sp, PTE_R | PTE_W | PTE_U), 0);
	CHECK_EQ_UL(tr(pt, SZ_2M + 3 * PAGE_SIZE, MMU_WRITE | MMU_USER).pa, sp + 3 * PAGE_SIZE);
	all = st->flush_all;
	CHECK_EQ_UL(uvmunmap(pt, SZ_2M + 3 * PAGE_SIZE, PAGE_SIZE, 1), 0);
	CHECK_EQ_UL(st->flush_all, all);
	CHECK_EQ_UL(tr(pt, SZ_2M + 3 * PAGE_SIZE, MMU_READ | MMU_USER).fault, MMU_FAULT_UNMAPPED);
	struct mmu_result r = tr(pt, SZ_2M + 4 * PAGE_SIZE, MMU_WRITE | MMU_USER);
	CHECK(r.fault == MMU_OK && r.level == 0 && r.pa == sp + 4 * PAGE_SIZE);

	/* Tearing a table down forgets its translations before its pages
	 * can be reused (the root would be the same tag). */
	CHECK_EQ_UL(tr(pt, 0x2000, MMU_READ | MMU_USER).fault, MMU_OK);
	uvmfree(pt);
	pt = uvmcreate();
	CHECK_EQ_UL(tr(pt, 0x2000, MMU_READ | MMU_USER).fault, MMU_FAULT_UNMAPPED);
	freewalk(pt);
	CHECK(ktest_at_boot("kernel flushes"));
}

/* The kernel map kvmmake builds, as an S-mode hart sees it. */
static void test_kernel_map(void)
{
	const struct kvm_region regions[] = {
		{ 0x10000000UL, PAGE_SIZE, PTE_R | PTE_W },
		{ 0x80000000UL, 2 * SZ_2M + PAGE_SIZE, PTE_R | PTE_X | PTE_G },
	};
	pagetable_t kpt;
	struct mmu_result r;

	vt_boot();
	kpt = kvmmake(regions, (int)ARRAY_SIZE(regions));
	CHECK(kpt != NULL);
	r = tr(kpt, 0x10000008UL, MMU_WRITE);
	CHECK(r.fault == MMU_OK && r.pa == 0x10000008UL && r.level == 0);
	r = tr(kpt, 0x80123456UL, MMU_EXEC);
	CHECK(r.fault == MMU_OK && r.pa == 0x80123456UL && r.level == 1);
	r = tr(kpt, 0x80400ffcUL, MMU_READ);
	CHECK(r.fault == MMU_OK && r.pa == 0x80400ffcUL && r.level == 0);
	CHECK_EQ_UL(tr(kpt, 0x80401000UL, MMU_READ).fault, MMU_FAULT_UNMAPPED);
	CHECK_EQ_UL(tr(kpt, 0x80000000UL, MMU_WRITE).fault, MMU_FAULT_PERM);
	CHECK_EQ_UL(tr(kpt, 0x80000000UL, MMU_READ | MMU_USER).fault, MMU_FAULT_PERM);
	kvmfree(kpt);
	CHECK(ktest_at_boot("kernel map"));
}

int main(void)
{
	test_translate();
	test_faults();
	test_stale_tlb();
	test_tags_and_capacity();
	test_kernel_flushes();
	test_kernel_map();
	return check_finish("test_mmu");
}
