/* fork and copy-on-write: private pages shared read-only until written,
 * MAP_SHARED pages shared writable, superpages copied whole, the last
 * user reusing its page, chains of forks, and every allocation failure of
 * fork and of a COW fault unwinding without a leak. */
#include "vmtest.h"

#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define SHARED (MAP_SHARED | MAP_ANONYMOUS)
#define A ((uintptr_t)0x70000000)

static void test_fork_private(void)
{
	struct mm_struct *p, *c;
	unsigned long free0;
	phys_addr_t pa;

	vt_boot();
	p = mm_alloc();
	CHECK_EQ_UL(do_mmap(p, A, 2 * PAGE_SIZE, RW, PRIV | MAP_FIXED), A);
	CHECK_EQ_UL(uput(p, A, 'a'), 0);
	CHECK_EQ_UL(uput(p, A + PAGE_SIZE, 'b'), 0);
	/* The parent's writable translation is cached: fork must flush it. */
	CHECK_EQ_UL(mmu_translate(p->pgd, A, MMU_WRITE | MMU_USER).fault, MMU_OK);
	pa = walkaddr(p->pgd, A);
	CHECK_EQ_UL(do_mprotect(p, A + PAGE_SIZE, PAGE_SIZE, PROT_READ), 0);

	c = mm_fork(p);
	CHECK(c != NULL);
	CHECK_EQ_UL(vma_count(c), 2);
	CHECK_EQ_UL(walkaddr(c->pgd, A), pa);
	CHECK_EQ_UL(pa_refs(pa), 2);
	CHECK((leaf_pte(p->pgd, A) & (PTE_COW | PTE_W)) == PTE_COW);
	CHECK((leaf_pte(c->pgd, A) & (PTE_COW | PTE_W)) == PTE_COW);
	CHECK_EQ_UL(mmu_translate(p->pgd, A, MMU_WRITE | MMU_USER).fault, MMU_FAULT_PERM);
	CHECK_EQ_UL(uget(c, A), 'a');

	/* The child writes: it gets a copy, the parent keeps the original. */
	free0 = nr_free_pages();
	CHECK_EQ_UL(uput(c, A, 'C'), 0);
	CHECK_EQ_UL(nr_free_pages(), free0 - 1);
	CHECK(walkaddr(c->pgd, A) != pa);
	CHECK_EQ_UL(pa_refs(pa), 1);
	CHECK_EQ_UL(uget(p, A), 'a');
	CHECK_EQ_UL(uget(c, A), 'C');
	CHECK(!(leaf_pte(c->pgd, A) & PTE_COW));

	/* The parent is now the page's only user: reused, no copy. */
	free0 = nr_free_pages();
	CHECK_EQ_UL(uput(p, A, 'P'), 0);
	CHECK_EQ_UL(nr_free_pages(), free0);
	CHECK_EQ_UL(walkaddr(p->pgd, A), pa);
	CHECK((leaf_pte(p->pgd, A) & (PTE_COW | PTE_W)) == PTE_W);
	CHECK_EQ_UL(uget(c, A), 'C');

	/* A read-only private page stays COW: mprotect(RW) cannot make the
	 * shared page writable. */
	CHECK_EQ_UL(do_mprotect(c, A + PAGE_SIZE, PAGE_SIZE, RW), 0);
	CHECK(!(leaf_pte(c->pgd, A + PAGE_SIZE) & PTE_W));
	CHECK_EQ_UL(uput(c, A + PAGE_SIZE, 'x'), 0);
	CHECK_EQ_UL(uget(p, A + PAGE_SIZE), 'b');

	/* Untouched memory after fork is demand-paged separately. */
	CHECK_EQ_UL(do_mmap(p, A + 4 * PAGE_SIZE, PAGE_SIZE, RW, PRIV | MAP_FIXED),
		    A + 4 * PAGE_SIZE);
	mm_check(c);
	mm_exit(c);
	mm_check(p);
	mm_exit(p);
	CHECK(vt_at_boot("fork private"));
}

static void test_fork_shared(void)
{
	struct mm_struct *p, *c;
	long s;

	vt_boot();
	p = mm_alloc();
	s = do_mmap(p, 0, 2 * PAGE_SIZE, RW, SHARED);
	CHECK(s > 0);
	c = mm_fork(p);
	CHECK(c != NULL);
	CHECK(find_vma(c, (uintptr_t)s)->vm_shared_id != 0);
	CHECK_EQ_UL(find_vma(c, (uintptr_t)s)->vm_shared_id,
		    find_vma(p, (uintptr_t)s)->vm_shared_id);
	CHECK_EQ_UL(uput(c, (uintptr_t)s + 1, 'c'), 0);
	CHECK_EQ_UL(uget(p, (uintptr_t)s + 1), 'c');
	CHECK_EQ_UL(uput(p, (uintptr_t)s + PAGE_SIZE, 'p'), 0);
	CHECK_EQ_UL(uget(c, (uintptr_t)s + PAGE_SIZE), 'p');
	CHECK((leaf_pte(c->pgd, (uintptr_t)s) & (PTE_SHARED | PTE_W | PTE_COW)) ==
	      (PTE_SHARED | PTE_W));
	/* The child unmaps its view: the parent's pages live on. */
	CHECK_EQ_UL(do_munmap(c, (uintptr_t)s, 2 * PAGE_SIZE), 0);
	CHECK_EQ_UL(uget(p, (uintptr_t)s + PAGE_SIZE), 'p');
	mm_check(p);
	mm_exit(p);
	CHECK_EQ_UL(uget(c, (uintptr_t)s), -EFAULT);
	mm_check(c);
	mm_exit(c);
	CHECK(vt_at_boot("fork shared"));
}

/* A 2 MiB superpage is copied whole; the last user reuses it. */
static void test_fork_superpage(void)
{
	struct mm_struct *p, *c;
	unsigned long o9;
	phys_addr_t pa;
	long a;

	vt_boot();
	p = mm_alloc();
	a = do_mmap(p, 0, SZ_2M, RW, PRIV);
	CHECK_EQ_UL(uput(p, (uintptr_t)a + 100, 'S'), 0);
	CHECK_EQ_UL(leaf_level(p->pgd, (uintptr_t)a), 1);
	pa = walkaddr(p->pgd, (uintptr_t)a);
	c = mm_fork(p);
	CHECK(c != NULL);
	CHECK_EQ_UL(leaf_level(c->pgd, (uintptr_t)a), 1);
	CHECK_EQ_UL(pa_refs(pa), 2);

	o9 = nr_free_pages();
	CHECK_EQ_UL(uput(c, (uintptr_t)a + SZ_2M - 1, 'c'), 0);
	CHECK_EQ_UL(nr_free_pages(), o9 - 512);
	CHECK_EQ_UL(leaf_level(c->pgd, (uintptr_t)a), 1);
	CHECK_EQ_UL(uget(c, (uintptr_t)a + 100), 'S'); /* the copy has the old data */
	CHECK_EQ_UL(uget(p, (uintptr_t)a + SZ_2M - 1), 0);
	CHECK_EQ_UL(pa_refs(pa), 1);
	CHECK_EQ_UL(uput(p, (uintptr_t)a + 1, 'p'), 0);
	CHECK_EQ_UL(walkaddr(p->pgd, (uintptr_t)a), pa);

	/* Fork again, then split the parent's superpage: refs per block. */
	struct mm_struct *g = mm_fork(c);

	CHECK(g != NULL);
	CHECK_EQ_UL(do_munmap(c, (uintptr_t)a + PAGE_SIZE, PAGE_SIZE), 0);
	CHECK_EQ_UL(leaf_level(c->pgd, (uintptr_t)a), 0);
	CHECK_EQ_UL(uput(c, (uintptr_t)a + 100, 'd'), 0); /* block still shared: copy */
	CHECK_EQ_UL(uget(g, (uintptr_t)a + 100), 'S');
	CHECK_EQ_UL(uget(c, (uintptr_t)a + 100), 'd');
	mm_check(g);
	mm_exit(g);
	mm_check(c);
	mm_exit(c);
	mm_check(p);
	mm_exit(p);
	CHECK(vt_at_boot("fork superpage"));
}

/* P -> C1 -> C2, each writing its own generation; exits in any order. */
static void test_cow_chain(void)
{
	struct mm_struct *m[4];

	for (int order = 0; order < 2; order++) {
		vt_boot();
		m[0] = mm_alloc();
		CHECK_EQ_UL(do_mmap(m[0], A, 3 * PAGE_SIZE, RW, PRIV | MAP_FIXED), A);
		for (int i = 0; i < 3; i++)
			CHECK_EQ_UL(uput(m[0], A + (uintptr_t)i * PAGE_SIZE, 'A'), 0);
		for (int g = 1; g < 4; g++) {
			m[g] = mm_fork(m[g - 1]);
			CHECK(m[g] != NULL);
			/* Each generation writes page g % 3. */
			CHECK_EQ_UL(uput(m[g], A + (uintptr_t)(g % 3) * PAGE_SIZE,
					 (unsigned char)('A' + g)),
				    0);
		}
		CHECK_EQ_UL(uget(m[0], A + PAGE_SIZE), 'A');
		CHECK_EQ_UL(uget(m[1], A + PAGE_SIZE), 'B');
		CHECK_EQ_UL(uget(m[2], A + PAGE_SIZE), 'B');
		CHECK_EQ_UL(uget(m[2], A + 2 * PAGE_SIZE), 'C');
		CHECK_EQ_UL(uget(m[3], A), 'D');
		CHECK_EQ_UL(uget(m[3], A + 2 * PAGE_SIZE), 'C');
		CHECK_EQ_UL(uget(m[1], A + 2 * PAGE_SIZE), 'A');
		for (int i = 0; i < 4; i++) {
			int k = order ? i : 3 - i;

			CHECK_EQ_UL(uput(m[k], A + 2 * PAGE_SIZE, (unsigned char)('0' + k)), 0);
			for (int j = 0; j < 4; j++) {
				if (j != k && m[j])
					CHECK(uget(m[j], A + 2 * PAGE_SIZE) != '0' + k);
			}
			mm_check(m[k]);
			mm_exit(m[k]);
			m[k] = NULL;
		}
		CHECK(vt_at_boot("cow chain"));
	}
}

/* ---- fault injection ---- */

static struct mm_struct *fp, *fc;

static void setup_parent(void)
{
	long s;

	fp = mm_alloc();
	CHECK_EQ_UL(do_mmap(fp, A, 3 * PAGE_SIZE, RW, PRIV | MAP_FIXED), A);
	CHECK_EQ_UL(uput(fp, A, 1), 0);
	CHECK_EQ_UL(uput(fp, A + 2 * PAGE_SIZE, 2), 0);
	CHECK_EQ_UL(do_mmap(fp, 3 * SZ_1G, SZ_2M, RW, PRIV | MAP_FIXED), 3 * SZ_1G);
	CHECK_EQ_UL(uput(fp, 3 * SZ_1G + 5, 3), 0);
	s = do_mmap(fp, 5 * SZ_1G, PAGE_SIZE, RW, SHARED | MAP_FIXED);
	CHECK_EQ_UL(s, 5 * SZ_1G);
	CHECK_EQ_UL(uput(fp, 5 * SZ_1G, 4), 0);
}

static void check_parent(void)
{
	CHECK_EQ_UL(uget(fp, A), 1);
	CHECK_EQ_UL(uget(fp, A + 2 * PAGE_SIZE), 2);
	CHECK_EQ_UL(uget(fp, 3 * SZ_1G + 5), 3);
	CHECK_EQ_UL(uget(fp, 5 * SZ_1G), 4);
	CHECK_EQ_UL(uput(fp, A, 11), 0);
	CHECK_EQ_UL(uput(fp, 3 * SZ_1G + 5, 13), 0);
}

/* fork fails at every allocation: the child is gone without a trace,
 * the parent works and keeps its data. */
static void test_fork_failures(void)
{
	unsigned long n, points = 0;

	for (n = 1;; n++) {
		char where[64];

		vt_boot();
		setup_parent();
		vt_arm(n);
		fc = mm_fork(fp);
		vt_disarm();
		snprintf(where, sizeof(where), "fork failing allocation %lu", n);
		if (!fi.injected) {
			CHECK(fc != NULL);
			CHECK_EQ_UL(uget(fc, 5 * SZ_1G), 4);
			mm_check(fc);
			mm_exit(fc);
			check_parent();
			mm_check(fp);
			mm_exit(fp);
			CHECK(vt_at_boot(where));
			break;
		}
		points++;
		CHECK(fc == NULL);
		CHECK_EQ_UL(pa_refs(walkaddr(fp->pgd, A)), 1);
		CHECK_EQ_UL(pa_refs(walkaddr(fp->pgd, 3 * SZ_1G)), 1);
		check_parent();
		mm_check(fp);
		mm_exit(fp);
		CHECK(vt_at_boot(where));
		CHECK_EQ_UL(fi.live_blocks, 0);
	}
	/* The mm, its root, three VMA structs, and the child's tables: level 1
	 * + level 0 at A, level 1 for the superpage, level 1 + level 0 for
	 * the shared page. */
	CHECK_EQ_UL(points, 10);
}

/* A COW fault that cannot copy: -ENOMEM, nothing changed, both sides
 * still see their data; with memory it then succeeds. The superpage
 * fails only when its split fails too (its 2 MiB copy, then the table). */
static void test_cow_fault_failures(void)
{
	const uintptr_t vas[] = { A + 2 * PAGE_SIZE, 3 * SZ_1G + 8 };
	const unsigned long masks[] = { 1, 3 };

	for (size_t i = 0; i < ARRAY_SIZE(vas); i++) {
		static struct pt_snap before;
		struct free_snap fs;

		vt_boot();
		setup_parent();
		fc = mm_fork(fp);
		CHECK(fc != NULL);
		pt_snap_take(fc->pgd, &before);
		kmem_cache_shrink_all();
		free_snap_take(&fs);
		vt_arm_mask(masks[i]);
		CHECK_EQ_UL(handle_mm_fault(fc, vas[i], FAULT_WRITE), -ENOMEM);
		vt_disarm();
		CHECK(fi.injected);
		CHECK(free_snap_same(&fs, "cow fault"));
		CHECK(pt_snap_same(fc->pgd, &before, "cow fault"));
		CHECK_EQ_UL(uput(fc, vas[i], 'z'), 0);
		CHECK_EQ_UL(uget(fp, vas[i]), i ? 0 : 2);
		mm_check(fc);
		mm_exit(fc);
		check_parent();
		mm_check(fp);
		mm_exit(fp);
		CHECK(vt_at_boot("cow fault failures"));
	}
}

/* No 2 MiB block for a superpage COW: the child's leaf is split and only
 * the written page copied (mask 1); with the 4 KiB copy failing too
 * (mask 5: 2 MiB, table ok, 4 KiB) the split stays and nothing else
 * changes. Parent keeps its superpage either way. */
static void test_cow_superpage_fallback(void)
{
	const uintptr_t sp = 3 * SZ_1G, va = sp + 3 * PAGE_SIZE + 7;
	const unsigned long masks[] = { 1, 5 };

	for (size_t i = 0; i < ARRAY_SIZE(masks); i++) {
		phys_addr_t pa;
		long live;

		vt_boot();
		setup_parent();
		fc = mm_fork(fp);
		CHECK(fc != NULL);
		pa = walkaddr(fc->pgd, sp);
		CHECK_EQ_UL(pa_refs(pa), 2);
		live = fi.live_blocks;
		vt_arm_mask(masks[i]);
		CHECK_EQ_UL(handle_mm_fault(fc, va, FAULT_WRITE), i ? -ENOMEM : 0);
		vt_disarm();
		CHECK(fi.injected);
		CHECK_EQ_UL(leaf_level(fc->pgd, sp), 0);
		CHECK_EQ_UL(leaf_level(fp->pgd, sp), 1);
		CHECK_EQ_UL(fi.live_blocks, live + (i ? 1 : 2)); /* the table (+ the copy) */
		/* Each 4 KiB leaf holds a reference; a copied one gave its up. */
		CHECK_EQ_UL(pa_refs(pa), 1 + 512 - (i ? 0 : 1));
		for (uintptr_t off = 0; off < SZ_2M; off += 64 * PAGE_SIZE)
			CHECK_EQ_UL(walkaddr(fc->pgd, sp + off), pa + off);
		CHECK(i ? walkaddr(fc->pgd, va) == pa + (va - sp)
			: walkaddr(fc->pgd, va) != pa + (va - sp));
		CHECK_EQ_UL(uget(fc, sp + 5), 3);
		CHECK_EQ_UL(uput(fc, sp + 5, 'c'), 0);
		CHECK_EQ_UL(uput(fc, va, 'v'), 0);
		CHECK_EQ_UL(uget(fp, sp + 5), 3);
		CHECK_EQ_UL(uget(fp, va), 0);
		mm_check(fc);
		mm_exit(fc);
		check_parent();
		mm_check(fp);
		mm_exit(fp);
		CHECK(vt_at_boot("superpage cow fallback"));
	}
}

int main(void)
{
	test_fork_private();
	test_fork_shared();
	test_fork_superpage();
	test_cow_chain();
	test_fork_failures();
	test_cow_fault_failures();
	test_cow_superpage_fallback();
	return check_finish("test_cow");
}
