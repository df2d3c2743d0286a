/* Address spaces: mmap / munmap / mprotect / brk with VMA splitting and
 * merging, demand paging (4 KiB and 2 MiB), faults, and every allocation
 * failure of each operation leaving VMAs, page table and free memory as
 * they were. */
#include "vmtest.h"

#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define SHARED (MAP_SHARED | MAP_ANONYMOUS)

static struct vm_area_struct *vma_at(struct mm_struct *mm, uintptr_t va)
{
	struct vm_area_struct *v = find_vma(mm, va);

	return v && v->vm_start <= va ? v : NULL;
}

static void test_demand_paging(void)
{
	struct mm_struct *mm;
	unsigned long free0;
	long a;

	vt_boot();
	mm = mm_alloc();
	CHECK(mm != NULL);
	free0 = nr_free_pages();
	a = do_mmap(mm, 0x50000000, 3 * PAGE_SIZE, RW, PRIV);
	CHECK_EQ_UL(a, 0x50000000);
	CHECK_EQ_UL(vma_count(mm), 1);
	CHECK(nr_free_pages() >= free0 - 1); /* at most a slab for the VMA */
	free0 = nr_free_pages();
	CHECK_EQ_UL(leaf_level(mm->pgd, a), -1);

	CHECK_EQ_UL(uget(mm, a + 5), 0);         /* untouched memory reads 0 */
	CHECK_EQ_UL(nr_free_pages(), free0 - 3); /* the page + two tables */
	CHECK_EQ_UL(uput(mm, a + PAGE_SIZE + 7, 0x5a), 0);
	CHECK_EQ_UL(uget(mm, a + PAGE_SIZE + 7), 0x5a);
	CHECK_EQ_UL(nr_free_pages(), free0 - 4);
	CHECK(leaf_pte(mm->pgd, a + PAGE_SIZE) & PTE_U);
	CHECK(!(leaf_pte(mm->pgd, a + PAGE_SIZE) & (PTE_X | PTE_COW | PTE_SHARED)));

	/* Outside any VMA: SEGV. */
	CHECK_EQ_UL(uget(mm, a + 3 * PAGE_SIZE), -EFAULT);
	CHECK_EQ_UL(uget(mm, a - 1), -EFAULT);
	CHECK_EQ_UL(handle_mm_fault(mm, 0x1000, FAULT_READ), -EFAULT);
	/* Not executable. */
	CHECK_EQ_UL(handle_mm_fault(mm, a, FAULT_EXEC), -EFAULT);

	CHECK(find_vma(mm, 0) == vma_at(mm, a));
	CHECK(find_vma(mm, a + 3 * PAGE_SIZE) == NULL);
	mm_check(mm);
	mm_exit(mm);
	CHECK(vt_at_boot("demand paging"));
}

static void test_bad_args(void)
{
	struct mm_struct *mm;

	vt_boot();
	mm = mm_alloc();
	CHECK_EQ_UL(do_mmap(mm, 0, 0, RW, PRIV), -EINVAL);
	CHECK_EQ_UL(do_mmap(mm, 0, PAGE_SIZE, RW, MAP_PRIVATE), -EINVAL);
	CHECK_EQ_UL(do_mmap(mm, 0, PAGE_SIZE, RW, MAP_ANONYMOUS), -EINVAL);
	CHECK_EQ_UL(do_mmap(mm, 0, PAGE_SIZE, RW, PRIV | MAP_SHARED), -EINVAL);
	CHECK_EQ_UL(do_mmap(mm, 0, PAGE_SIZE, 0x10, PRIV), -EINVAL);
	CHECK_EQ_UL(do_mmap(mm, 0x1234, PAGE_SIZE, RW, PRIV | MAP_FIXED), -EINVAL);
	CHECK_EQ_UL(do_mmap(mm, MAXVA - PAGE_SIZE, 2 * PAGE_SIZE, RW, PRIV | MAP_FIXED), -EINVAL);
	CHECK_EQ_UL(do_mmap(mm, 0, MAXVA, RW, PRIV), -EINVAL);
	CHECK_EQ_UL(do_mmap(mm, 0, MAXVA - MMAP_MIN_ADDR + PAGE_SIZE, RW, PRIV), -ENOMEM);
	/* Page 0 is never mapped. */
	CHECK_EQ_UL(do_mmap(mm, 0, PAGE_SIZE, RW, PRIV | MAP_FIXED), -EINVAL);
	CHECK_EQ_UL(do_munmap(mm, 0, PAGE_SIZE), -EINVAL);
	CHECK_EQ_UL(do_mprotect(mm, 0, PAGE_SIZE, PROT_READ), -EINVAL);
	CHECK_EQ_UL(do_mprotect(mm, 0x1000, 0, PROT_READ), 0);
	CHECK_EQ_UL(do_munmap(mm, 0x1001, PAGE_SIZE), -EINVAL);
	CHECK_EQ_UL(do_munmap(mm, 0x1000, 0), -EINVAL);
	CHECK_EQ_UL(do_munmap(mm, 0x1000, PAGE_SIZE), 0); /* nothing there: fine */
	CHECK_EQ_UL(do_mprotect(mm, 0x1000, PAGE_SIZE, PROT_READ), -ENOMEM);
	CHECK_EQ_UL(do_mprotect(mm, 0x1001, PAGE_SIZE, PROT_READ), -EINVAL);
	CHECK_EQ_UL(do_brk(mm, MM_BRK_BASE - 1), -EINVAL);
	CHECK_EQ_UL(vma_count(mm), 0);
	/* Hint taken when free; an odd length is rounded up. */
	CHECK_EQ_UL(do_mmap(mm, 0x60000000, 10, RW, PRIV), 0x60000000);
	CHECK_EQ_UL(vma_at(mm, 0x60000000)->vm_end, 0x60001000);
	/* Hint busy: the lowest room above MMAP_MIN_ADDR. */
	CHECK_EQ_UL(do_mmap(mm, 0x60000000, PAGE_SIZE, RW, PRIV), MMAP_MIN_ADDR);
	CHECK_EQ_UL(do_mmap(mm, 0, PAGE_SIZE, PROT_READ, PRIV), MMAP_MIN_ADDR + PAGE_SIZE);
	/* Big ones are 2 MiB-aligned. */
	CHECK_EQ_UL(do_mmap(mm, 0, SZ_2M, RW, PRIV), MMAP_MIN_ADDR + SZ_2M);
	mm_check(mm);
	mm_exit(mm);
	CHECK(vt_at_boot("bad args"));
}

static void test_munmap_split(void)
{
	struct mm_struct *mm;
	uintptr_t a = 0x70000000;

	vt_boot();
	mm = mm_alloc();
	CHECK_EQ_UL(do_mmap(mm, a, 8 * PAGE_SIZE, RW, PRIV | MAP_FIXED), a);
	for (int i = 0; i < 8; i++)
		CHECK_EQ_UL(uput(mm, a + (uintptr_t)i * PAGE_SIZE, (unsigned char)(i + 1)), 0);
	unsigned long free0 = nr_free_pages();

	/* A hole in the middle: two VMAs, the pages freed. */
	CHECK_EQ_UL(do_munmap(mm, a + 3 * PAGE_SIZE, 2 * PAGE_SIZE), 0);
	CHECK_EQ_UL(vma_count(mm), 2);
	CHECK_EQ_UL(nr_free_pages(), free0 + 2);
	CHECK_EQ_UL(vma_at(mm, a)->vm_end, a + 3 * PAGE_SIZE);
	CHECK_EQ_UL(vma_at(mm, a + 5 * PAGE_SIZE)->vm_start, a + 5 * PAGE_SIZE);
	CHECK_EQ_UL(uget(mm, a + 3 * PAGE_SIZE), -EFAULT);
	CHECK_EQ_UL(uget(mm, a + 2 * PAGE_SIZE), 3);
	CHECK_EQ_UL(uget(mm, a + 5 * PAGE_SIZE), 6);

	/* Across the hole: trims one VMA's tail and the other's head. */
	CHECK_EQ_UL(do_munmap(mm, a + 2 * PAGE_SIZE, 4 * PAGE_SIZE), 0);
	CHECK_EQ_UL(vma_count(mm), 2);
	CHECK_EQ_UL(vma_at(mm, a)->vm_end, a + 2 * PAGE_SIZE);
	CHECK_EQ_UL(vma_at(mm, a + 6 * PAGE_SIZE)->vm_start, a + 6 * PAGE_SIZE);
	CHECK_EQ_UL(uget(mm, a + 7 * PAGE_SIZE), 8);

	/* Over everything, and a bit more: all gone. */
	CHECK_EQ_UL(do_munmap(mm, a - PAGE_SIZE, 10 * PAGE_SIZE), 0);
	CHECK_EQ_UL(vma_count(mm), 0);
	mm_check(mm);
	mm_exit(mm);
	CHECK(vt_at_boot("munmap"));
}

static void test_mprotect_merge(void)
{
	struct mm_struct *mm;
	uintptr_t a = 0x70000000;

	vt_boot();
	mm = mm_alloc();
	CHECK_EQ_UL(do_mmap(mm, a, 6 * PAGE_SIZE, RW, PRIV | MAP_FIXED), a);
	CHECK_EQ_UL(uput(mm, a + 2 * PAGE_SIZE, 0x11), 0);
	CHECK_EQ_UL(uput(mm, a + 3 * PAGE_SIZE, 0x22), 0);

	/* Read-only middle: three VMAs, the present PTE loses W at once. */
	CHECK_EQ_UL(do_mprotect(mm, a + 2 * PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ), 0);
	CHECK_EQ_UL(vma_count(mm), 3);
	CHECK(!(leaf_pte(mm->pgd, a + 2 * PAGE_SIZE) & PTE_W));
	CHECK_EQ_UL(uput(mm, a + 2 * PAGE_SIZE, 0x33), -EFAULT);
	CHECK_EQ_UL(uget(mm, a + 3 * PAGE_SIZE), 0x22);
	CHECK_EQ_UL(uput(mm, a + PAGE_SIZE, 0x44), 0);
	CHECK_EQ_UL(uget(mm, a + 2 * PAGE_SIZE), 0x11);

	/* PROT_NONE: every access faults, the contents survive. */
	CHECK_EQ_UL(do_mprotect(mm, a, 6 * PAGE_SIZE, PROT_NONE), 0);
	CHECK_EQ_UL(vma_count(mm), 1);
	CHECK_EQ_UL(uget(mm, a + 3 * PAGE_SIZE), -EFAULT);
	CHECK_EQ_UL(uget(mm, a + 5 * PAGE_SIZE), -EFAULT);

	/* Back to RW: one VMA again, data intact, writable. */
	CHECK_EQ_UL(do_mprotect(mm, a, 6 * PAGE_SIZE, RW), 0);
	CHECK_EQ_UL(vma_count(mm), 1);
	CHECK_EQ_UL(uget(mm, a + 3 * PAGE_SIZE), 0x22);
	CHECK_EQ_UL(uget(mm, a + PAGE_SIZE), 0x44);
	CHECK_EQ_UL(uput(mm, a + 2 * PAGE_SIZE, 0x55), 0);
	CHECK_EQ_UL(uget(mm, a + 2 * PAGE_SIZE), 0x55);

	/* A hole makes mprotect fail untouched. */
	CHECK_EQ_UL(do_munmap(mm, a + 4 * PAGE_SIZE, PAGE_SIZE), 0);
	CHECK_EQ_UL(do_mprotect(mm, a, 6 * PAGE_SIZE, PROT_READ), -ENOMEM);
	CHECK_EQ_UL(vma_count(mm), 2);
	CHECK_EQ_UL(uput(mm, a, 1), 0);

	/* Neighbours with the same flags merge; different ones do not. */
	CHECK_EQ_UL(do_mmap(mm, a + 4 * PAGE_SIZE, PAGE_SIZE, RW, PRIV | MAP_FIXED),
		    a + 4 * PAGE_SIZE);
	CHECK_EQ_UL(vma_count(mm), 1);
	CHECK_EQ_UL(do_mmap(mm, a + 6 * PAGE_SIZE, PAGE_SIZE, PROT_READ, PRIV | MAP_FIXED),
		    a + 6 * PAGE_SIZE);
	CHECK_EQ_UL(vma_count(mm), 2);
	CHECK_EQ_UL(do_mmap(mm, a + 7 * PAGE_SIZE, PAGE_SIZE, RW, SHARED | MAP_FIXED),
		    a + 7 * PAGE_SIZE);
	CHECK_EQ_UL(vma_count(mm), 3);
	CHECK_EQ_UL(do_mprotect(mm, a + 6 * PAGE_SIZE, PAGE_SIZE, RW), 0);
	CHECK_EQ_UL(vma_count(mm), 2); /* private RW merged; shared stays apart */
	/* Two shared mmaps never merge; pieces of one merge again. */
	CHECK_EQ_UL(do_mmap(mm, a + 8 * PAGE_SIZE, 2 * PAGE_SIZE, RW, SHARED | MAP_FIXED),
		    a + 8 * PAGE_SIZE);
	CHECK_EQ_UL(vma_count(mm), 3);
	CHECK_EQ_UL(do_mprotect(mm, a + 9 * PAGE_SIZE, PAGE_SIZE, PROT_READ), 0);
	CHECK_EQ_UL(vma_count(mm), 4);
	CHECK_EQ_UL(do_mprotect(mm, a + 7 * PAGE_SIZE, 3 * PAGE_SIZE, RW), 0);
	CHECK_EQ_UL(vma_count(mm), 3);
	CHECK_EQ_UL(vma_at(mm, a + 8 * PAGE_SIZE)->vm_end, a + 10 * PAGE_SIZE);

	/* MAP_FIXED over live data: fresh zero pages. */
	CHECK_EQ_UL(do_mmap(mm, a + 3 * PAGE_SIZE, PAGE_SIZE, RW, PRIV | MAP_FIXED),
		    a + 3 * PAGE_SIZE);
	CHECK_EQ_UL(uget(mm, a + 3 * PAGE_SIZE), 0);
	CHECK_EQ_UL(uget(mm, a + PAGE_SIZE), 0x44);
	mm_check(mm);
	mm_exit(mm);
	CHECK(vt_at_boot("mprotect"));
}

/* The kernel flushes what it changes: a cached writable translation is
 * gone after mprotect and after munmap. */
static void test_flushes(void)
{
	struct mm_struct *mm;
	uintptr_t a = 0x70000000;

	vt_boot();
	mm = mm_alloc();
	CHECK_EQ_UL(do_mmap(mm, a, 2 * PAGE_SIZE, RW, PRIV | MAP_FIXED), a);
	CHECK_EQ_UL(uput(mm, a, 1), 0);
	CHECK_EQ_UL(uput(mm, a + PAGE_SIZE, 2), 0);
	CHECK_EQ_UL(mmu_translate(mm->pgd, a, MMU_WRITE | MMU_USER).fault, MMU_OK);
	CHECK_EQ_UL(do_mprotect(mm, a, PAGE_SIZE, PROT_READ), 0);
	CHECK_EQ_UL(mmu_translate(mm->pgd, a, MMU_WRITE | MMU_USER).fault, MMU_FAULT_PERM);
	CHECK_EQ_UL(mmu_translate(mm->pgd, a + PAGE_SIZE, MMU_WRITE | MMU_USER).fault, MMU_OK);
	CHECK_EQ_UL(do_munmap(mm, a + PAGE_SIZE, PAGE_SIZE), 0);
	CHECK_EQ_UL(mmu_translate(mm->pgd, a + PAGE_SIZE, MMU_READ | MMU_USER).fault,
		    MMU_FAULT_UNMAPPED);
	mm_check(mm);
	mm_exit(mm);
	CHECK(vt_at_boot("flushes"));
}

static void test_superpages(void)
{
	struct mm_struct *mm;
	unsigned long o9;
	long a;

	vt_boot();
	mm = mm_alloc();
	a = do_mmap(mm, 0, 2 * SZ_2M, RW, PRIV);
	CHECK(a > 0 && IS_ALIGNED((uintptr_t)a, SZ_2M));
	o9 = nr_free_blocks(SUPERPAGE_ORDER) + nr_free_blocks(SUPERPAGE_ORDER + 1);
	CHECK_EQ_UL(uput(mm, a + 0x1234, 0x77), 0);
	CHECK_EQ_UL(leaf_level(mm->pgd, a), 1);
	CHECK_EQ_UL(mmu_translate(mm->pgd, a + SZ_2M - 1, MMU_READ | MMU_USER).level, 1);
	CHECK(nr_free_blocks(SUPERPAGE_ORDER) + nr_free_blocks(SUPERPAGE_ORDER + 1) < o9);
	CHECK_EQ_UL(uput(mm, a + SZ_2M - 1, 0x78), 0);

	/* A page cut out of the superpage: split, the rest keeps its data. */
	CHECK_EQ_UL(do_munmap(mm, a + 0x10000, PAGE_SIZE), 0);
	CHECK_EQ_UL(vma_count(mm), 2);
	CHECK_EQ_UL(leaf_level(mm->pgd, a), 0);
	CHECK_EQ_UL(uget(mm, a + 0x1234), 0x77);
	CHECK_EQ_UL(uget(mm, a + SZ_2M - 1), 0x78);
	CHECK_EQ_UL(uget(mm, a + 0x10000), -EFAULT);
	/* mprotect of part of the second (not yet faulted) 2 MiB. */
	CHECK_EQ_UL(uput(mm, a + SZ_2M, 1), 0);
	CHECK_EQ_UL(leaf_level(mm->pgd, a + SZ_2M), 1);
	CHECK_EQ_UL(do_mprotect(mm, a + SZ_2M + PAGE_SIZE, PAGE_SIZE, PROT_READ), 0);
	CHECK_EQ_UL(leaf_level(mm->pgd, a + SZ_2M), 0);
	CHECK_EQ_UL(uput(mm, a + SZ_2M + PAGE_SIZE, 1), -EFAULT);
	CHECK_EQ_UL(uput(mm, a + SZ_2M + 2 * PAGE_SIZE, 1), 0);

	/* A 2 MiB region already half-filled with small pages stays small. */
	long b = do_mmap(mm, 0, 4 * SZ_2M, RW, PRIV);

	CHECK(b > 0);
	CHECK_EQ_UL(do_mprotect(mm, b, PAGE_SIZE, PROT_READ), 0);
	CHECK_EQ_UL(uget(mm, b), 0);
	CHECK_EQ_UL(leaf_level(mm->pgd, b), 0); /* block not inside one VMA */
	CHECK_EQ_UL(uput(mm, b + PAGE_SIZE, 1), 0);
	CHECK_EQ_UL(leaf_level(mm->pgd, b + PAGE_SIZE), 0); /* a level-0 table is there */
	CHECK_EQ_UL(uput(mm, b + 3 * SZ_2M, 1), 0);
	CHECK_EQ_UL(leaf_level(mm->pgd, b + 3 * SZ_2M), 1);
	mm_check(mm);
	mm_exit(mm);
	CHECK(vt_at_boot("superpages"));
}

static void test_shared_and_brk(void)
{
	struct mm_struct *mm;
	unsigned long free0;
	long a;

	vt_boot();
	mm = mm_alloc();
	free0 = nr_free_pages();
	a = do_mmap(mm, 0, 3 * PAGE_SIZE, RW, SHARED);
	CHECK(a > 0);
	/* Populated at once: three pages and two tables, maybe a VMA slab. */
	CHECK(nr_free_pages() <= free0 - 5);
	CHECK(leaf_pte(mm->pgd, a + 2 * PAGE_SIZE) & PTE_SHARED);
	CHECK_EQ_UL(uput(mm, a + 2 * PAGE_SIZE, 9), 0);

	/* brk: grow, touch, shrink, collide. */
	CHECK_EQ_UL(mm->brk, MM_BRK_BASE);
	CHECK_EQ_UL(do_brk(mm, MM_BRK_BASE + 3 * PAGE_SIZE + 5), 0);
	CHECK_EQ_UL(mm->brk, MM_BRK_BASE + 3 * PAGE_SIZE + 5);
	CHECK_EQ_UL(vma_at(mm, MM_BRK_BASE)->vm_end, MM_BRK_BASE + 4 * PAGE_SIZE);
	CHECK_EQ_UL(uput(mm, MM_BRK_BASE + 3 * PAGE_SIZE, 3), 0);
	CHECK_EQ_UL(uput(mm, MM_BRK_BASE, 1), 0);
	CHECK_EQ_UL(do_brk(mm, MM_BRK_BASE + 6 * PAGE_SIZE), 0);
	CHECK_EQ_UL(vma_count(mm), 2); /* the heap grew in one VMA */
	free0 = nr_free_pages();
	CHECK_EQ_UL(do_brk(mm, MM_BRK_BASE + PAGE_SIZE), 0);
	CHECK_EQ_UL(nr_free_pages(), free0 + 1);
	CHECK_EQ_UL(uget(mm, MM_BRK_BASE + 3 * PAGE_SIZE), -EFAULT);
	CHECK_EQ_UL(uget(mm, MM_BRK_BASE), 1);
	CHECK_EQ_UL(do_mmap(mm, MM_BRK_BASE + 4 * PAGE_SIZE, PAGE_SIZE, RW, PRIV | MAP_FIXED),
		    MM_BRK_BASE + 4 * PAGE_SIZE);
	CHECK_EQ_UL(do_brk(mm, MM_BRK_BASE + 8 * PAGE_SIZE), -ENOMEM);
	CHECK_EQ_UL(mm->brk, MM_BRK_BASE + PAGE_SIZE);
	CHECK_EQ_UL(do_brk(mm, MM_BRK_BASE), 0);
	mm_check(mm);
	mm_exit(mm);
	CHECK(vt_at_boot("shared and brk"));
}

/* ---- fault injection ---- */

struct vma_snap {
	int n;
	struct {
		uintptr_t s, e;
		unsigned long f;
	} v[64];
	uintptr_t brk;
};

static void vma_snap_take(struct mm_struct *mm, struct vma_snap *s)
{
	struct list_head *pos;

	s->n = 0;
	s->brk = mm->brk;
	list_for_each(pos, &mm->mmap) {
		struct vm_area_struct *v = list_entry(pos, struct vm_area_struct, vm_list);

		if (s->n < 64) {
			s->v[s->n].s = v->vm_start;
			s->v[s->n].e = v->vm_end;
			s->v[s->n].f = v->vm_flags;
		}
		s->n++;
	}
}

static int vma_snap_same(struct mm_struct *mm, const struct vma_snap *b, const char *where)
{
	struct vma_snap now;

	vma_snap_take(mm, &now);
	if (now.n != b->n || now.brk != b->brk ||
	    memcmp(now.v, b->v, sizeof(now.v[0]) * (size_t)(now.n < 64 ? now.n : 64))) {
		fprintf(stderr, "%s: VMAs or brk changed\n", where);
		return 0;
	}
	return 1;
}

static struct mm_struct *fmm;
static long fbase;

/* Fail allocation n = 1, 2, ... of op until it runs clean. A failure
 * must be -ENOMEM with VMAs, page table and free memory unchanged (empty
 * slabs given back on both sides). With recover, an injected failure may
 * also be absorbed (superpage -> small page fallback). */
static unsigned long mm_sweep(const char *name, void (*setup)(void), int (*op)(void), bool recover)
{
	static struct pt_snap pts;
	struct vma_snap vs;
	struct free_snap fs;
	unsigned long n, failures = 0;

	for (n = 1;; n++) {
		char where[96];
		int r;

		vt_boot();
		fmm = mm_alloc();
		fbase = 0x70000000;
		setup();
		kmem_cache_shrink_all();
		pt_snap_take(fmm->pgd, &pts);
		vma_snap_take(fmm, &vs);
		free_snap_take(&fs);
		vt_arm(n);
		r = op();
		vt_disarm();
		snprintf(where, sizeof(where), "%s, failing allocation %lu", name, n);
		if (!fi.injected) {
			CHECK_EQ_UL(r, 0);
			mm_exit(fmm);
			CHECK(vt_at_boot(name));
			break;
		}
		mm_check(fmm);
		if (r == 0) {
			CHECK(recover);
		} else {
			failures++;
			CHECK_EQ_UL(r, -ENOMEM);
			kmem_cache_shrink_all();
			CHECK(free_snap_same(&fs, where));
			CHECK(pt_snap_same(fmm->pgd, &pts, where));
			CHECK(vma_snap_same(fmm, &vs, where));
			CHECK_EQ_UL(op(), 0);
			mm_check(fmm);
		}
		mm_exit(fmm);
		CHECK(vt_at_boot(where));
		CHECK_EQ_UL(fi.live_blocks, 0);
	}
	CHECK(failures > 0);
	return n - 1;
}

static void setup_none(void)
{
}

static void setup_mapped(void)
{
	/* 4 MiB with a superpage, a page faulted in the second 2 MiB. */
	CHECK_EQ_UL(do_mmap(fmm, fbase, 2 * SZ_2M, RW, PRIV | MAP_FIXED), fbase);
	CHECK_EQ_UL(uput(fmm, fbase + 5, 5), 0);
	CHECK_EQ_UL(do_mprotect(fmm, fbase + SZ_2M, PAGE_SIZE, PROT_READ), 0);
	CHECK_EQ_UL(uput(fmm, fbase + SZ_2M + PAGE_SIZE, 6), 0);
	CHECK_EQ_UL(do_brk(fmm, MM_BRK_BASE + PAGE_SIZE), 0);
}

static int op_mmap_private(void)
{
	long r = do_mmap(fmm, 0x90000000, 5 * PAGE_SIZE, RW, PRIV);

	return r < 0 ? (int)r : 0;
}

static int op_mmap_shared(void)
{
	long r = do_mmap(fmm, 0, SZ_2M + 2 * PAGE_SIZE, RW, SHARED);

	return r < 0 ? (int)r : 0;
}

static int op_mmap_fixed_over(void)
{
	long r = do_mmap(fmm, fbase + PAGE_SIZE, PAGE_SIZE, PROT_READ, PRIV | MAP_FIXED);

	return r < 0 ? (int)r : 0;
}

static int op_munmap_hole(void)
{
	return do_munmap(fmm, fbase + 3 * PAGE_SIZE, PAGE_SIZE);
}

static int op_mprotect_inside(void)
{
	return do_mprotect(fmm, fbase + 2 * PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ);
}

static int op_brk_grow(void)
{
	return do_brk(fmm, MM_BRK_BASE + 5 * PAGE_SIZE);
}

static void setup_big(void)
{
	CHECK_EQ_UL(do_mmap(fmm, 5 * SZ_1G, 2 * SZ_2M, RW, PRIV | MAP_FIXED), 5 * SZ_1G);
}

static int op_fault_super(void)
{
	return handle_mm_fault(fmm, 5 * SZ_1G + SZ_2M + 8, FAULT_WRITE);
}

static int op_fault_page(void)
{
	return handle_mm_fault(fmm, fbase + SZ_2M + 9 * PAGE_SIZE, FAULT_READ);
}

static int op_mm_alloc(void)
{
	struct mm_struct *mm = mm_alloc();

	if (!mm)
		return -ENOMEM;
	mm_check(mm);
	mm_exit(mm);
	return 0;
}

static void test_fault_injection(void)
{
	/* The VMA struct. */
	CHECK_EQ_UL(mm_sweep("mmap private", setup_mapped, op_mmap_private, false), 1);
	/* VMA, 2 MiB block (absorbed: small pages), level-1 table, level-0
	 * table for the tail, a tail page. */
	CHECK_EQ_UL(mm_sweep("mmap shared", setup_mapped, op_mmap_shared, true), 5);
	/* New VMA, the old VMA's hole struct, the superpage split table. */
	CHECK_EQ_UL(
		mm_sweep("mmap fixed over a superpage", setup_mapped, op_mmap_fixed_over, false),
		3);
	CHECK_EQ_UL(mm_sweep("munmap hole in a superpage", setup_mapped, op_munmap_hole, false), 2);
	/* Two VMA structs, one split table (both ends in one superpage). */
	CHECK_EQ_UL(
		mm_sweep("mprotect inside a superpage", setup_mapped, op_mprotect_inside, false),
		3);
	CHECK_EQ_UL(mm_sweep("brk grow", setup_mapped, op_brk_grow, false), 1);
	/* 2 MiB block (absorbed), then its level-1 table. */
	CHECK_EQ_UL(mm_sweep("fault superpage", setup_big, op_fault_super, true), 2);
	CHECK_EQ_UL(mm_sweep("fault page", setup_mapped, op_fault_page, false), 1);
	/* The mm_struct, the root table. */
	CHECK_EQ_UL(mm_sweep("mm_alloc", setup_none, op_mm_alloc, false), 2);
}

int main(void)
{
	test_demand_paging();
	test_bad_args();
	test_munmap_split();
	test_mprotect_merge();
	test_flushes();
	test_superpages();
	test_shared_and_brk();
	test_fault_injection();
	return check_finish("test_mmap");
}
