/* Sv39 page tables: walk, mappages (4 KiB and 2 MiB), uvmunmap with
 * superpage splitting, teardown, kvmmake, and every allocation failure of
 * each of them unwinding to the exact previous state. */
#include "vmtest.h"

static void test_pte_macros(void)
{
	CHECK_EQ_UL(PA2PTE(0x80001000UL), 0x80001UL << 10);
	CHECK_EQ_UL(PTE2PA(PA2PTE(0x3e0000123000UL) | PTE_V | PTE_R), 0x3e0000123000UL);
	CHECK_EQ_UL(PTE2PA(PTE_RESERVED | PA2PTE(0x5000UL)), 0x5000UL);
	CHECK_EQ_UL(PX(2, SZ_1G * 3 + SZ_2M * 5 + PAGE_SIZE * 7), 3);
	CHECK_EQ_UL(PX(1, SZ_1G * 3 + SZ_2M * 5 + PAGE_SIZE * 7), 5);
	CHECK_EQ_UL(PX(0, SZ_1G * 3 + SZ_2M * 5 + PAGE_SIZE * 7), 7);
	CHECK_EQ_UL(MAXVA, 1UL << 38);
	CHECK_EQ_UL(LEVEL_SIZE(1), SUPERPGSIZE);
	CHECK_EQ_UL(PTE_COW, 1UL << 8);
	CHECK_EQ_UL(PTE_SHARED, 1UL << 9);
}

static void test_map_small(void)
{
	pagetable_t pt;
	unsigned long free0;
	int level;
	pte_t *pte;

	vt_boot();
	pt = uvmcreate();
	CHECK(pt != NULL);
	free0 = nr_free_pages();
	CHECK_EQ_UL(mappages(pt, 0x1000, 3 * PAGE_SIZE, FAKE_PA, PTE_R | PTE_W | PTE_U), 0);
	CHECK_EQ_UL(nr_free_pages(), free0 - 2); /* one level-1 and one level-0 table */

	pte = walk_level(pt, 0x2000, 0, 0, &level);
	CHECK(pte != NULL);
	CHECK_EQ_UL(level, 0);
	CHECK_EQ_UL(PTE2PA(*pte), FAKE_PA + PAGE_SIZE);
	CHECK_EQ_UL(PTE_FLAGS(*pte), PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
	CHECK(walk(pt, 0x2000, 0) == pte);
	CHECK_EQ_UL(walkaddr(pt, 0x2345), FAKE_PA + 0x1345);
	CHECK_EQ_UL(walkaddr(pt, 0x4000), 0);
	/* A lookup makes no tables. */
	CHECK_EQ_UL(walkaddr(pt, SZ_1G + 0x1000), 0);
	CHECK_EQ_UL(nr_free_pages(), free0 - 2);

	/* In the same level-0 table but unmapped: the empty slot. */
	pte = walk_level(pt, 0x4000, 0, 0, &level);
	CHECK(pte != NULL && *pte == 0);
	/* A whole missing level-1 entry: the walk says where the hole is. */
	CHECK(walk_level(pt, SZ_1G + 0x1000, 0, 0, &level) == NULL);
	CHECK_EQ_UL(level, 2);
	CHECK(walk_level(pt, SZ_2M + 0x1000, 0, 0, &level) == NULL);
	CHECK_EQ_UL(level, 1);
	CHECK(walk_level(pt, MAXVA, 1, 0, &level) == NULL);
	CHECK_EQ_UL(level, -1);

	/* Bad arguments change nothing. */
	CHECK_EQ_UL(mappages(pt, 0x1800, PAGE_SIZE, FAKE_PA, PTE_R), -EINVAL);
	CHECK_EQ_UL(mappages(pt, 0x8000, 0, FAKE_PA, PTE_R), -EINVAL);
	CHECK_EQ_UL(mappages(pt, 0x8000, PAGE_SIZE, FAKE_PA + 8, PTE_R), -EINVAL);
	CHECK_EQ_UL(mappages(pt, 0x8000, PAGE_SIZE, FAKE_PA, 0), -EINVAL);
	CHECK_EQ_UL(mappages(pt, 0x8000, PAGE_SIZE, FAKE_PA, PTE_R | PTE_V), -EINVAL);
	CHECK_EQ_UL(mappages(pt, MAXVA - PAGE_SIZE, 2 * PAGE_SIZE, FAKE_PA, PTE_R), -EINVAL);
	CHECK_EQ_UL(mappages(pt, MAXVA, PAGE_SIZE, FAKE_PA, PTE_R), -EINVAL);
	CHECK_EQ_UL(mappages(pt, 0x8000, PAGE_SIZE + 8, FAKE_PA, PTE_R), -EINVAL);
	CHECK_EQ_UL(nr_free_pages(), free0 - 2);
	/* The last page below MAXVA is mappable (two more tables). */
	CHECK_EQ_UL(mappages(pt, MAXVA - PAGE_SIZE, PAGE_SIZE, FAKE_PA, PTE_R), 0);
	CHECK_EQ_UL(nr_free_pages(), free0 - 4);
	CHECK_EQ_UL(uvmunmap(pt, MAXVA - PAGE_SIZE, PAGE_SIZE, 0), 0);
	CHECK_EQ_UL(uvmunmap(pt, MAXVA - PAGE_SIZE, 2 * PAGE_SIZE, 0), -EINVAL);
	CHECK_EQ_UL(uvmunmap(pt, 0x1800, PAGE_SIZE, 0), -EINVAL);
	CHECK_EQ_UL(uvmprotect(pt, 0x1800, PAGE_SIZE, PTE_R), -EINVAL);
	CHECK_EQ_UL(uvmprotect(pt, 0x1000, 0, PTE_R), -EINVAL);
	CHECK_EQ_UL(uvmprotect(pt, 0x1000, PAGE_SIZE, PTE_R | PTE_G), -EINVAL);
	CHECK_EQ_UL(uvmprotect(pt, 0x1000, PAGE_SIZE, PTE_U), -EINVAL);
	CHECK_EQ_UL(PTE_FLAGS(*walk(pt, 0x1000, 0)), PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
	CHECK_EQ_UL(nr_free_pages(), free0 - 2);

	/* Unmapping everything frees the tables at once (no empty tables). */
	CHECK_EQ_UL(uvmunmap(pt, 0x1000, 3 * PAGE_SIZE, 0), 0);
	CHECK_EQ_UL(nr_free_pages(), free0);
	CHECK(walk_level(pt, 0x1000, 0, 0, &level) == NULL);
	CHECK_EQ_UL(level, 2);
	uvmfree(pt);
	CHECK(ktest_at_boot("map small"));
}

static void test_map_huge(void)
{
	pagetable_t pt;
	unsigned long free0;
	int level;
	pte_t *pte;

	vt_boot();
	pt = uvmcreate();
	free0 = nr_free_pages();
	CHECK_EQ_UL(mappages_huge(pt, SZ_2M, 2 * SZ_2M, FAKE_PA, PTE_R | PTE_X), 0);
	CHECK_EQ_UL(nr_free_pages(), free0 - 1); /* only a level-1 table */

	pte = walk_level(pt, SZ_2M + 0x3456, 0, 0, &level);
	CHECK(pte != NULL);
	CHECK_EQ_UL(level, 1);
	CHECK_EQ_UL(PTE2PA(*pte), FAKE_PA);
	CHECK(walk(pt, 2 * SZ_2M + 0x1000, 0) == pte + 1);
	pte = walk_level(pt, 2 * SZ_2M, 0, 1, &level);
	CHECK_EQ_UL(level, 1);
	CHECK_EQ_UL(PTE2PA(*pte), FAKE_PA + SZ_2M);

	CHECK_EQ_UL(mappages_huge(pt, SZ_2M + PAGE_SIZE, SZ_2M, FAKE_PA, PTE_R), -EINVAL);
	CHECK_EQ_UL(mappages_huge(pt, 4 * SZ_2M, SZ_2M, FAKE_PA + PAGE_SIZE, PTE_R), -EINVAL);
	CHECK_EQ_UL(mappages_huge(pt, 4 * SZ_2M, PAGE_SIZE, FAKE_PA, PTE_R), -EINVAL);

	/* Exactly the superpages: no split, nothing allocated. */
	CHECK_EQ_UL(uvmunmap(pt, SZ_2M, 2 * SZ_2M, 0), 0);
	CHECK_EQ_UL(nr_free_pages(), free0);
	uvmfree(pt);
	CHECK(ktest_at_boot("map huge"));
}

/* Unmapping part of a real superpage: split, 512 references, the block
 * goes back only with the last piece. */
static void test_partial_unmap_superpage(void)
{
	pagetable_t pt;
	phys_addr_t sp;
	unsigned long free0, o9;
	int level;
	pte_t *pte;

	vt_boot();
	pt = uvmcreate();
	sp = user_superpage();
	CHECK(sp != 0);
	o9 = nr_free_blocks(SUPERPAGE_ORDER);
	CHECK_EQ_UL(mappages_huge(pt, SZ_2M, SZ_2M, sp, PTE_R | PTE_W | PTE_U), 0);
	free0 = nr_free_pages();

	CHECK_EQ_UL(uvmunmap(pt, SZ_2M + 5 * PAGE_SIZE, PAGE_SIZE, 1), 0);
	CHECK_EQ_UL(nr_free_pages(), free0 - 1); /* the split's level-0 table */
	CHECK_EQ_UL(pa_refs(sp), 511);
	pte = walk_level(pt, SZ_2M + 5 * PAGE_SIZE, 0, 0, &level);
	CHECK(pte && level == 0 && *pte == 0);
	pte = walk_level(pt, SZ_2M + 6 * PAGE_SIZE, 0, 0, &level);
	CHECK(pte && level == 0);
	CHECK_EQ_UL(PTE2PA(*pte), sp + 6 * PAGE_SIZE);
	CHECK_EQ_UL(PTE_FLAGS(*pte), PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
	CHECK_EQ_UL(walkaddr(pt, SZ_2M + 0x123), sp + 0x123);
	CHECK_EQ_UL(walkaddr(pt, SZ_2M + SZ_2M - 1), sp + SZ_2M - 1);

	/* The rest, in two pieces: the block comes back with the last one. */
	CHECK_EQ_UL(uvmunmap(pt, SZ_2M, 5 * PAGE_SIZE, 1), 0);
	CHECK_EQ_UL(pa_refs(sp), 506);
	CHECK_EQ_UL(uvmunmap(pt, SZ_2M, SZ_2M, 1), 0);
	CHECK_EQ_UL(nr_free_blocks(SUPERPAGE_ORDER), o9 + 1);
	uvmfree(pt);
	CHECK(ktest_at_boot("partial unmap"));
}

/* One range cutting two superpages, and one cut inside a single one. */
static void test_split_ends(void)
{
	pagetable_t pt;
	unsigned long free0;
	int level;
	pte_t *pte;

	vt_boot();
	pt = uvmcreate();
	CHECK_EQ_UL(mappages_huge(pt, SZ_2M, 2 * SZ_2M, FAKE_PA, PTE_R | PTE_W), 0);
	free0 = nr_free_pages();
	CHECK_EQ_UL(uvmunmap(pt, SZ_2M + SZ_2M / 2, SZ_2M, 0), 0);
	CHECK_EQ_UL(nr_free_pages(), free0 - 2);
	CHECK_EQ_UL(walkaddr(pt, SZ_2M), 0); /* no U: walkaddr refuses it */
	pte = walk_level(pt, SZ_2M + SZ_2M / 2 - PAGE_SIZE, 0, 0, &level);
	CHECK(pte && level == 0 && PTE2PA(*pte) == FAKE_PA + SZ_2M / 2 - PAGE_SIZE);
	pte = walk_level(pt, SZ_2M + SZ_2M / 2, 0, 0, &level);
	CHECK(pte && level == 0 && *pte == 0);
	pte = walk_level(pt, 2 * SZ_2M + SZ_2M / 2 - PAGE_SIZE, 0, 0, &level);
	CHECK(pte && level == 0 && *pte == 0);
	pte = walk_level(pt, 2 * SZ_2M + SZ_2M / 2, 0, 0, &level);
	CHECK(pte && level == 0 && PTE2PA(*pte) == FAKE_PA + SZ_2M + SZ_2M / 2);

	/* Both ends inside one superpage: a single split. */
	CHECK_EQ_UL(mappages_huge(pt, 8 * SZ_2M, SZ_2M, FAKE_PA, PTE_R), 0);
	free0 = nr_free_pages();
	CHECK_EQ_UL(uvmunmap(pt, 8 * SZ_2M + PAGE_SIZE, 2 * PAGE_SIZE, 0), 0);
	CHECK_EQ_UL(nr_free_pages(), free0 - 1);

	/* A huge sparse range: holes skipped, every mapping gone. */
	CHECK_EQ_UL(mappages(pt, 5 * SZ_1G + 0x7000, PAGE_SIZE, FAKE_PA, PTE_R), 0);
	CHECK_EQ_UL(uvmunmap(pt, 0, 64 * SZ_1G, 0), 0);
	{
		static struct pt_snap s;

		pt_snap_take(pt, &s);
		CHECK_EQ_UL(s.n, 0);
		CHECK_EQ_UL(s.tables, 1);
	}
	uvmfree(pt);
	CHECK(ktest_at_boot("split ends"));
}

/* split_superpage on its own: same translations, 512 references, and a
 * failed table allocation leaves the leaf as it was. */
static void test_split_superpage(void)
{
	static struct pt_snap before;
	pagetable_t pt;
	phys_addr_t sp;
	int level;
	pte_t *pte;

	vt_boot();
	pt = uvmcreate();
	sp = user_superpage();
	CHECK_EQ_UL(mappages_huge(pt, SZ_2M, SZ_2M, sp, PTE_R | PTE_U), 0);
	pte = walk_level(pt, SZ_2M, 0, 0, &level);
	CHECK_EQ_UL(level, 1);
	pt_snap_take(pt, &before);
	vt_arm(1);
	CHECK_EQ_UL(split_superpage(pte, SZ_2M, true), -ENOMEM);
	vt_disarm();
	CHECK(pt_snap_same(pt, &before, "split_superpage failure"));
	CHECK_EQ_UL(pa_refs(sp), 1);
	CHECK_EQ_UL(split_superpage(pte, SZ_2M + 0x5000, true), 0);
	CHECK_EQ_UL(pa_refs(sp), 512);
	for (uintptr_t off = 0; off < SZ_2M; off += 0x7000) {
		pte = walk_level(pt, SZ_2M + off, 0, 0, &level);
		CHECK(pte && level == 0);
		CHECK_EQ_UL(walkaddr(pt, SZ_2M + off + 3), sp + off + 3);
	}
	uvmfree(pt);
	CHECK(ktest_at_boot("split_superpage"));
}

static void test_teardown(void)
{
	pagetable_t pt;
	phys_addr_t p = 0, sp;

	vt_boot();
	pt = uvmcreate();
	sp = user_superpage();
	CHECK_EQ_UL(mappages_huge(pt, 6 * SZ_1G, SZ_2M, sp, PTE_R | PTE_U), 0);
	for (int i = 0; i < 5; i++) {
		p = user_page();
		CHECK_EQ_UL(mappages(pt, SZ_1G * (uintptr_t)i + 0x5000, PAGE_SIZE, p,
				     PTE_R | PTE_W | PTE_U),
			    0);
	}
	/* A page mapped twice holds two references. */
	get_page(virt_to_page((void *)p));
	CHECK_EQ_UL(mappages(pt, 0x9000, PAGE_SIZE, p, PTE_R | PTE_U), 0);
	uvmfree(pt);
	CHECK(ktest_at_boot("uvmfree"));
	CHECK_EQ_UL(fi.live_blocks, 0);
}

static void test_kvmmake(void)
{
	const struct kvm_region regions[] = {
		{ 0x10000000UL, PAGE_SIZE, PTE_R | PTE_W },                 /* a UART */
		{ 0x80000000UL, 3 * SZ_2M + 2 * PAGE_SIZE, PTE_R | PTE_X }, /* text */
		{ 0x80000000UL + 3 * SZ_2M + 2 * PAGE_SIZE, 5 * SZ_2M - 2 * PAGE_SIZE,
		  PTE_R | PTE_W | PTE_G }, /* data + RAM */
	};
	pagetable_t kpt;
	int level;
	pte_t *pte;

	vt_boot();
	kpt = kvmmake(regions, (int)ARRAY_SIZE(regions));
	CHECK(kpt != NULL);
	pte = walk_level(kpt, 0x10000000UL, 0, 0, &level);
	CHECK(pte && level == 0 && PTE2PA(*pte) == 0x10000000UL);
	pte = walk_level(kpt, 0x80000000UL + SZ_2M + 0x1234, 0, 0, &level);
	CHECK(pte && level == 1 && PTE2PA(*pte) == 0x80000000UL + SZ_2M);
	CHECK(*pte & PTE_X);
	pte = walk_level(kpt, 0x80000000UL + 3 * SZ_2M + PAGE_SIZE, 0, 0, &level);
	CHECK(pte && level == 0 && (*pte & PTE_X) && !(*pte & PTE_W));
	pte = walk_level(kpt, 0x80000000UL + 3 * SZ_2M + 2 * PAGE_SIZE, 0, 0, &level);
	CHECK(pte && level == 0 && (*pte & PTE_W) && (*pte & PTE_G));
	pte = walk_level(kpt, 0x80000000UL + 4 * SZ_2M, 0, 0, &level);
	CHECK(pte && level == 1 && PTE2PA(*pte) == 0x80000000UL + 4 * SZ_2M);
	pte = walk_level(kpt, 0x80000000UL + 8 * SZ_2M - PAGE_SIZE, 0, 0, &level);
	CHECK(pte && level == 1);
	CHECK(walk_level(kpt, 0x80000000UL + 8 * SZ_2M, 0, 0, &level) == NULL);
	kvmfree(kpt);
	CHECK(ktest_at_boot("kvmmake"));

	/* A bad region: nothing is left behind. */
	const struct kvm_region bad[] = {
		{ 0x80000000UL, SZ_2M, PTE_R },
		{ 0x90000800UL, PAGE_SIZE, PTE_R },
	};
	CHECK(kvmmake(bad, 2) == NULL);
	CHECK(ktest_at_boot("kvmmake bad region"));
	/* Empty, or a size that is not whole pages, at either side of a
	 * superpage inside the region. */
	const struct kvm_region empty[] = { { 0x80000000UL, 0, PTE_R } };
	const struct kvm_region odd_tail[] = { { 0x80000000UL, SZ_2M + 8, PTE_R } };
	const struct kvm_region odd_small[] = { { 0x80001000UL, PAGE_SIZE + 8, PTE_R } };
	CHECK(kvmmake(empty, 1) == NULL);
	CHECK(kvmmake(odd_tail, 1) == NULL);
	CHECK(kvmmake(odd_small, 1) == NULL);
	CHECK(ktest_at_boot("kvmmake empty or odd region"));
	/* A region of whole superpages, ending on a 2 MiB boundary. */
	const struct kvm_region whole[] = { { 0x80000000UL, 2 * SZ_2M, PTE_R } };
	kpt = kvmmake(whole, 1);
	CHECK(kpt != NULL);
	if (kpt) {
		CHECK(walk_level(kpt, 0x80000000UL + 2 * SZ_2M - 1, 0, 0, &level) != NULL);
		CHECK_EQ_UL(level, 1);
		CHECK(walk_level(kpt, 0x80000000UL + 2 * SZ_2M, 0, 0, &level) == NULL);
		kvmfree(kpt);
	}
	CHECK(ktest_at_boot("kvmmake whole superpages"));
}

/* ---- fault injection ---- */

static pagetable_t fpt;
static phys_addr_t fsp;

/* Build the starting state with hooks on but nothing armed, then fail
 * allocation n of op for n = 1, 2, ... until op runs without an injection.
 * Each failure must return -ENOMEM and leave the free structure and the
 * page table exactly as they were. Returns the number of failure points. */
static unsigned long sweep(const char *name, void (*setup)(void), int (*op)(void),
			   void (*after_ok)(void))
{
	static struct pt_snap before;
	struct free_snap fs;
	unsigned long n;

	for (n = 1;; n++) {
		char where[96];
		int r;

		vt_boot();
		fpt = NULL;
		fsp = 0;
		setup();
		if (fpt)
			pt_snap_take(fpt, &before);
		free_snap_take(&fs);
		vt_arm(n);
		r = op();
		vt_disarm();
		snprintf(where, sizeof(where), "%s, failing allocation %lu", name, n);
		if (!fi.injected) {
			CHECK_EQ_UL(r, 0);
			if (after_ok)
				after_ok();
			break;
		}
		CHECK_EQ_UL(r, -ENOMEM);
		CHECK(free_snap_same(&fs, where));
		if (fpt)
			CHECK(pt_snap_same(fpt, &before, where));
		/* The state still works: the op succeeds when nothing fails. */
		CHECK_EQ_UL(op(), 0);
		if (after_ok)
			after_ok();
		if (fpt)
			uvmfree(fpt);
		CHECK(ktest_at_boot(where));
		CHECK_EQ_UL(fi.live_blocks, 0);
	}
	if (fpt)
		uvmfree(fpt);
	CHECK(ktest_at_boot(name));
	return n - 1;
}

static void setup_table(void)
{
	fpt = uvmcreate();
	/* A pre-existing mapping, so some tables exist and must survive. */
	mappages(fpt, 0x3000, PAGE_SIZE, user_page(), PTE_R | PTE_U);
}

/* 4 KiB pages across a 1 GiB boundary: the level-0 table below it and
 * both a level-1 and a level-0 table above it. */
static int op_map_small(void)
{
	return mappages(fpt, SZ_1G - 2 * PAGE_SIZE, 4 * PAGE_SIZE, FAKE_PA, PTE_R);
}

static void unmap_fake(void)
{
	CHECK_EQ_UL(uvmunmap(fpt, SZ_1G - 2 * PAGE_SIZE, 4 * PAGE_SIZE, 0), 0);
}

static int op_map_huge(void)
{
	return mappages_huge(fpt, 2 * SZ_1G - SZ_2M, 2 * SZ_2M, FAKE_PA, PTE_R);
}

static void unmap_fake_huge(void)
{
	CHECK_EQ_UL(uvmunmap(fpt, 2 * SZ_1G - SZ_2M, 2 * SZ_2M, 0), 0);
}

static void setup_superpages(void)
{
	setup_table();
	fsp = user_superpage();
	mappages_huge(fpt, 4 * SZ_2M, SZ_2M, fsp, PTE_R | PTE_W | PTE_U);
	/* The second superpage shares the block's reference count. */
	get_page(virt_to_page((void *)fsp));
	mappages_huge(fpt, 5 * SZ_2M, SZ_2M, fsp, PTE_R | PTE_U);
}

/* Cuts both superpages: two splits, both tables taken before either. */
static int op_unmap_cut(void)
{
	int r = uvmunmap(fpt, 4 * SZ_2M + SZ_2M / 2, SZ_2M, 1);

	if (r == 0)
		CHECK_EQ_UL(pa_refs(fsp), 2 * 512 - 512);
	return r;
}

static int op_walk_alloc(void)
{
	return walk(fpt, 7 * SZ_1G + PAGE_SIZE, 1) ? 0 : -ENOMEM;
}

static int op_kvmmake(void)
{
	const struct kvm_region regions[] = {
		{ 0x10000000UL, PAGE_SIZE, PTE_R | PTE_W },
		{ 0x80000000UL - PAGE_SIZE, 2 * SZ_2M + 2 * PAGE_SIZE, PTE_R | PTE_X },
		{ 0xc0000000UL, SZ_2M, PTE_R },
	};
	pagetable_t kpt = kvmmake(regions, (int)ARRAY_SIZE(regions));

	if (!kpt)
		return -ENOMEM;
	kvmfree(kpt);
	return 0;
}

static int op_uvmcreate(void)
{
	pagetable_t pt = uvmcreate();

	if (!pt)
		return -ENOMEM;
	freewalk(pt);
	return 0;
}

static void no_setup(void)
{
}

static void test_fault_injection(void)
{
	/* 1: level-0 table below 1 GiB; 2: level-1 above; 3: level-0 above. */
	CHECK_EQ_UL(sweep("mappages", setup_table, op_map_small, unmap_fake), 3);
	CHECK_EQ_UL(sweep("mappages_huge", setup_table, op_map_huge, unmap_fake_huge), 2);
	CHECK_EQ_UL(sweep("uvmunmap split", setup_superpages, op_unmap_cut, NULL), 2);
	CHECK_EQ_UL(sweep("walk alloc", setup_table, op_walk_alloc, NULL), 2);
	/* root; UART: L1 + L0; text: L1 + L0 below 2 GiB, L1 for the
	 * superpages, L0 for the tail; 0xc0000000: L1. */
	CHECK_EQ_UL(sweep("kvmmake", no_setup, op_kvmmake, NULL), 8);
	CHECK_EQ_UL(sweep("uvmcreate", no_setup, op_uvmcreate, NULL), 1);
}

/* ---- the kernel's own checks fire ---- */

static void remap(void)
{
	pagetable_t pt = uvmcreate();

	mappages(pt, 0x1000, PAGE_SIZE, FAKE_PA, PTE_R);
	mappages_huge(pt, 0, SZ_2M, FAKE_PA, PTE_R); /* over a level-0 table */
}

/* A user leaf's pa must be managed memory when its reference is dropped. */
static void unmap_unmanaged_pa(void)
{
	pagetable_t pt = uvmcreate();

	mappages(pt, 0x1000, PAGE_SIZE, FAKE_PA, PTE_R | PTE_U);
	uvmunmap(pt, 0x1000, PAGE_SIZE, 1);
}

static void freewalk_leaf(void)
{
	pagetable_t pt = uvmcreate();

	mappages(pt, 0x1000, PAGE_SIZE, FAKE_PA, PTE_R);
	freewalk(pt);
}

int main(void)
{
	test_pte_macros();
	test_map_small();
	test_map_huge();
	test_partial_unmap_superpage();
	test_split_ends();
	test_split_superpage();
	test_teardown();
	test_kvmmake();
	test_fault_injection();
	expect_panic(remap, "vm-remap");
	expect_panic(freewalk_leaf, "vm-freewalk-leaf");
	expect_panic(unmap_unmanaged_pa, "vm-bad-pa");
	return check_finish("test_vm");
}
