/* Death tests for mm_check, the kernel's consistency walk of an address
 * space: every condition it tests fires on a state broken in exactly that
 * one way, and the states at each condition's edge pass.
 *
 * Each breach runs in a forked child (expect_panic_msg): a consistent mm
 * is built through the normal calls and checked, then one field or PTE is
 * corrupted and mm_check must panic "mm-check" with the message of that
 * condition. The children's state dies with them. */
#include "vmtest.h"

#define VA ((uintptr_t)0x70000000) /* 2 MiB-aligned, below the mmap area */
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define SHARED (MAP_SHARED | MAP_ANONYMOUS)

/* A child whose set-up failed exits 3: no panic, so the test fails. */
static void need(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "set-up failed: %s\n", what);
		_exit(3);
	}
}

static void map(struct mm_struct *mm, uintptr_t va, size_t len, int prot, int flags)
{
	need(do_mmap(mm, va, len, prot, flags | MAP_FIXED) == (long)va, "mmap");
}

/* An mm holding one mapping at va, checked before it is broken. */
static struct mm_struct *mm_with(uintptr_t va, size_t len, int prot, int flags)
{
	struct mm_struct *mm = mm_alloc();

	need(mm != NULL, "mm_alloc");
	map(mm, va, len, prot, flags);
	mm_check(mm);
	return mm;
}

/* The same with the first page faulted in; returns its leaf. */
static pte_t *touched(struct mm_struct **mmp, size_t len, int prot, int flags)
{
	struct mm_struct *mm = mm_with(VA, len, RW, flags);
	pte_t *pte;

	need(uput(mm, VA, 1) == 0, "fault");
	if (prot != RW)
		need(do_mprotect(mm, VA, len, prot) == 0, "mprotect");
	pte = walk(mm->pgd, VA, 0);
	need(pte && (*pte & PTE_V), "leaf");
	mm_check(mm);
	*mmp = mm;
	return pte;
}

/* ---- the VMA list ---- */

static struct mm_struct *mm;

static void vma_foreign_mm(void)
{
	mm = mm_with(VA, PAGE_SIZE, RW, PRIV);
	find_vma(mm, VA)->vm_mm = mm_alloc();
	mm_check(mm);
}

static void vma_overlaps_previous(void)
{
	mm = mm_with(VA, 2 * PAGE_SIZE, RW, PRIV);
	map(mm, VA + 4 * PAGE_SIZE, PAGE_SIZE, PROT_READ, PRIV);
	mm_check(mm);
	find_vma(mm, VA + 4 * PAGE_SIZE)->vm_start = VA + PAGE_SIZE;
	mm_check(mm);
}

/* The first VMA may start at USER_BASE (checked by mm_with), not below. */
static void vma_below_user_base(void)
{
	mm = mm_with(USER_BASE, PAGE_SIZE, RW, PRIV);
	find_vma(mm, 0)->vm_start = 0;
	mm_check(mm);
}

static void vma_empty(void)
{
	mm = mm_with(VA, PAGE_SIZE, RW, PRIV);
	find_vma(mm, VA)->vm_end = VA;
	mm_check(mm);
}

static void vma_reversed(void)
{
	mm = mm_with(VA, PAGE_SIZE, RW, PRIV);
	find_vma(mm, VA)->vm_end = VA - PAGE_SIZE;
	mm_check(mm);
}

/* A VMA may end at TASK_SIZE (checked by mm_with), not a page past it. */
static void vma_past_task_size(void)
{
	mm = mm_with(TASK_SIZE - PAGE_SIZE, PAGE_SIZE, RW, PRIV);
	find_vma(mm, TASK_SIZE - PAGE_SIZE)->vm_end = TASK_SIZE + PAGE_SIZE;
	mm_check(mm);
}

static void vma_start_unaligned(void)
{
	mm = mm_with(VA, 2 * PAGE_SIZE, RW, PRIV);
	find_vma(mm, VA)->vm_start = VA + 8;
	mm_check(mm);
}

static void vma_end_unaligned(void)
{
	mm = mm_with(VA, 2 * PAGE_SIZE, RW, PRIV);
	find_vma(mm, VA)->vm_end = VA + PAGE_SIZE + 8;
	mm_check(mm);
}

static void vma_shared_flag_without_id(void)
{
	mm = mm_with(VA, PAGE_SIZE, RW, PRIV);
	find_vma(mm, VA)->vm_flags |= VM_SHARED;
	mm_check(mm);
}

static void vma_shared_id_without_flag(void)
{
	mm = mm_with(VA, PAGE_SIZE, RW, PRIV);
	find_vma(mm, VA)->vm_shared_id = 7;
	mm_check(mm);
}

/* Touching VMAs that differ only in their flags are legal; equal, they
 * should have been one. */
static void vmas_unmerged_flags(void)
{
	mm = mm_with(VA, 2 * PAGE_SIZE, RW, PRIV);
	need(do_mprotect(mm, VA + PAGE_SIZE, PAGE_SIZE, PROT_READ) == 0, "mprotect");
	mm_check(mm);
	find_vma(mm, VA + PAGE_SIZE)->vm_flags = find_vma(mm, VA)->vm_flags;
	mm_check(mm);
}

/* Two touching MAP_SHARED mappings keep their own ids and do not merge;
 * with one id they are pieces of one mapping and must have merged. */
static void vmas_unmerged_shared_id(void)
{
	mm = mm_with(VA, PAGE_SIZE, RW, SHARED);
	map(mm, VA + PAGE_SIZE, PAGE_SIZE, RW, SHARED);
	mm_check(mm);
	find_vma(mm, VA + PAGE_SIZE)->vm_shared_id = find_vma(mm, VA)->vm_shared_id;
	mm_check(mm);
}

static void map_count_off(void)
{
	mm = mm_with(VA, PAGE_SIZE, RW, PRIV);
	mm->map_count++;
	mm_check(mm);
}

/* ---- leaves ---- */

static void leaf_after_last_vma(void)
{
	touched(&mm, 2 * PAGE_SIZE, RW, PRIV);
	need(uput(mm, VA + PAGE_SIZE, 1) == 0, "fault");
	find_vma(mm, VA)->vm_end = VA + PAGE_SIZE;
	mm_check(mm);
}

static void leaf_before_vma(void)
{
	touched(&mm, 2 * PAGE_SIZE, RW, PRIV);
	find_vma(mm, VA)->vm_start = VA + PAGE_SIZE;
	mm_check(mm);
}

/* A superpage leaf exactly filling its VMA is legal (checked by
 * touched); with the VMA one page shorter it sticks out. */
static void superpage_past_vma_end(void)
{
	touched(&mm, SZ_2M, RW, PRIV);
	need(leaf_level(mm->pgd, VA) == 1, "a superpage");
	find_vma(mm, VA)->vm_end = VA + SZ_2M - PAGE_SIZE;
	mm_check(mm);
}

/* A leaf whose bits disagree with its VMA in one way each: set and
 * clear are applied to the leaf of a first page faulted in with prot. */
struct bit_breach {
	const char *name;
	int prot, flags;
	pte_t set, clear;
};

static const struct bit_breach bit_breaches[] = {
	/* The mprotect missed a leaf: it is still writable. */
	{ "leaf W in a read-only VMA", PROT_READ, PRIV, PTE_W, 0 },
	{ "leaf without R", RW, PRIV, 0, PTE_R },
	{ "leaf with X", RW, PRIV, PTE_X, 0 },
	{ "leaf without U", RW, PRIV, 0, PTE_U },
	{ "leaf without A", RW, PRIV, 0, PTE_A },
	{ "leaf without D", RW, PRIV, 0, PTE_D },
	{ "leaf with G", RW, PRIV, PTE_G, 0 },
	{ "PTE_SHARED in a private VMA", RW, PRIV, PTE_SHARED, 0 },
	{ "no PTE_SHARED in a shared VMA", RW, SHARED, 0, PTE_SHARED },
	/* Copy-on-write, yet writable. */
	{ "COW leaf with W", RW, PRIV, PTE_COW, 0 },
	/* A shared page is never copied on write; without W the permission
	 * bits match, only the COW + SHARED pair is wrong. */
	{ "COW and SHARED", RW, SHARED, PTE_COW, PTE_W },
};

static const struct bit_breach *bits;

static void leaf_bits(void)
{
	pte_t *pte = touched(&mm, PAGE_SIZE, bits->prot, bits->flags);

	*pte = (*pte | bits->set) & ~bits->clear;
	mm_check(mm);
}

/* The page went back to the buddy allocator under the mapping. */
static void leaf_page_freed(void)
{
	pte_t *pte = touched(&mm, PAGE_SIZE, RW, PRIV);

	put_page(virt_to_page((void *)PTE2PA(*pte)));
	mm_check(mm);
}

static void leaf_unmanaged_pa(void)
{
	pte_t *pte = touched(&mm, PAGE_SIZE, RW, PRIV);

	*pte = PA2PTE(FAKE_PA) | PTE_FLAGS(*pte);
	mm_check(mm);
}

/* ---- tables ---- */

/* Sv39 has 1 GiB leaves; the kernel never makes them. */
static void leaf_at_level_2(void)
{
	pte_t *pte = touched(&mm, PAGE_SIZE, RW, PRIV);

	mm->pgd[PX(2, VA) + 1] = PTE_FLAGS(*pte); /* a user leaf's bits, pa 0 */
	mm_check(mm);
}

static void pointer_at_level_0(void)
{
	pte_t *pte = touched(&mm, PAGE_SIZE, RW, PRIV);

	pte[1] = PA2PTE(PTE2PA(*pte)) | PTE_V; /* V alone: a pointer to a table */
	mm_check(mm);
}

static void empty_level_0_table(void)
{
	touched(&mm, PAGE_SIZE, RW, PRIV);
	pte_t *l1 = walk_level(mm->pgd, VA, 0, 1, NULL);
	unsigned long table = get_zeroed_page(GFP_CLASS(PGC_PGTABLE));

	need(l1 && table, "level-1 entry and a table page");
	l1[1] = PA2PTE(table) | PTE_V;
	mm_check(mm);
}

static void empty_level_1_table(void)
{
	touched(&mm, PAGE_SIZE, RW, PRIV);
	unsigned long table = get_zeroed_page(GFP_CLASS(PGC_PGTABLE));

	need(table, "a table page");
	mm->pgd[PX(2, VA) + 1] = PA2PTE(table) | PTE_V;
	mm_check(mm);
}

/* mm_check itself: both halves are walked. */
static void vmas_only(void)
{
	mm = mm_alloc();
	need(mm != NULL, "mm_alloc");
	mm->map_count = 1;
	mm_check(mm);
}

struct breach {
	const char *name;
	void (*fn)(void);
	const char *msg; /* what the panic line says for this condition */
};

#define VMA_BAD "out of order or out of range"
#define NOT_INSIDE "is not inside one VMA"
#define NOT_LIVE "not a live page"

static const struct breach breaches[] = {
	{ "VMA of another mm", vma_foreign_mm, VMA_BAD },
	{ "VMA overlapping the previous one", vma_overlaps_previous, VMA_BAD },
	{ "VMA below USER_BASE", vma_below_user_base, VMA_BAD },
	{ "empty VMA", vma_empty, VMA_BAD },
	{ "VMA ending before it starts", vma_reversed, VMA_BAD },
	{ "VMA a page past TASK_SIZE", vma_past_task_size, VMA_BAD },
	{ "VMA start unaligned", vma_start_unaligned, VMA_BAD },
	{ "VMA end unaligned", vma_end_unaligned, VMA_BAD },
	{ "VM_SHARED without an id", vma_shared_flag_without_id, "shared id 0 with flags" },
	{ "shared id without VM_SHARED", vma_shared_id_without_flag, "shared id 7 with flags" },
	{ "neighbours with equal flags", vmas_unmerged_flags, "should have merged" },
	{ "neighbours with one shared id", vmas_unmerged_shared_id, "should have merged" },
	{ "map_count off by one", map_count_off, "map_count 2, 1 VMAs listed" },
	{ "no VMA at or after the leaf", leaf_after_last_vma, NOT_INSIDE },
	{ "VMA starting after the leaf", leaf_before_vma, NOT_INSIDE },
	{ "superpage past its VMA", superpage_past_vma_end, "(level 1) " NOT_INSIDE },
	{ "leaf on a freed page", leaf_page_freed, NOT_LIVE },
	{ "leaf outside managed memory", leaf_unmanaged_pa, NOT_LIVE },
	{ "leaf at level 2", leaf_at_level_2, "level-2 leaf at " },
	{ "pointer at level 0", pointer_at_level_0, "pointer at level 0 for " },
	{ "empty level-0 table", empty_level_0_table, "empty level-0 table under " },
	{ "empty level-1 table", empty_level_1_table, "empty level-1 table under " },
	{ "map_count with no VMA", vmas_only, "map_count 1, 0 VMAs listed" },
};

static void test_breaches(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(breaches); i++)
		expect_panic_msg(breaches[i].name, breaches[i].fn, "mm-check", breaches[i].msg);
	for (size_t i = 0; i < ARRAY_SIZE(bit_breaches); i++) {
		bits = &bit_breaches[i];
		expect_panic_msg(bits->name, leaf_bits, "mm-check", ", VMA flags ");
	}
}

/* ---- the edges that are legal ---- */

/* States at each condition's boundary, in one mm, all consistent:
 * mm_check returning is the test (a panic aborts the program). */
static void test_legal_edges(void)
{
	struct mm_struct *m, *child;

	vt_boot();
	m = mm_alloc();
	CHECK(m != NULL);
	if (!m)
		return;
	/* The first page and the last page of the user range. */
	CHECK_EQ_UL(do_mmap(m, USER_BASE, PAGE_SIZE, RW, PRIV | MAP_FIXED), USER_BASE);
	CHECK_EQ_UL(do_mmap(m, TASK_SIZE - PAGE_SIZE, PAGE_SIZE, RW, PRIV | MAP_FIXED),
		    TASK_SIZE - PAGE_SIZE);
	CHECK_EQ_UL(uput(m, USER_BASE, 1), 0);
	CHECK_EQ_UL(uput(m, TASK_SIZE - PAGE_SIZE, 1), 0);
	/* A superpage filling its VMA exactly, a read-only neighbour
	 * touching it, and a gap then a VMA with the same flags. */
	CHECK_EQ_UL(do_mmap(m, VA, SZ_2M, RW, PRIV | MAP_FIXED), VA);
	CHECK_EQ_UL(uput(m, VA, 1), 0);
	CHECK_EQ_UL(leaf_level(m->pgd, VA), 1);
	CHECK_EQ_UL(do_mmap(m, VA + SZ_2M, PAGE_SIZE, PROT_READ, PRIV | MAP_FIXED), VA + SZ_2M);
	CHECK_EQ_UL(uget(m, VA + SZ_2M), 0);
	CHECK_EQ_UL(do_mmap(m, VA + SZ_2M + 2 * PAGE_SIZE, PAGE_SIZE, PROT_READ, PRIV | MAP_FIXED),
		    VA + SZ_2M + 2 * PAGE_SIZE);
	/* Two touching shared mappings (two ids), populated. */
	CHECK_EQ_UL(do_mmap(m, 2 * VA, PAGE_SIZE, RW, SHARED | MAP_FIXED), 2 * VA);
	CHECK_EQ_UL(do_mmap(m, 2 * VA + PAGE_SIZE, PAGE_SIZE, RW, SHARED | MAP_FIXED),
		    2 * VA + PAGE_SIZE);
	/* PROT_NONE keeps its page, without U. */
	CHECK_EQ_UL(do_mmap(m, 3 * VA, PAGE_SIZE, RW, PRIV | MAP_FIXED), 3 * VA);
	CHECK_EQ_UL(uput(m, 3 * VA, 1), 0);
	CHECK_EQ_UL(do_mprotect(m, 3 * VA, PAGE_SIZE, PROT_NONE), 0);
	CHECK_EQ_UL(vma_count(m), 8);
	mm_check(m);
	/* After fork the private leaves are COW (no W) in both. */
	child = mm_fork(m);
	CHECK(child != NULL);
	if (child) {
		CHECK(*walk(m->pgd, USER_BASE, 0) & PTE_COW);
		mm_check(child);
		mm_check(m);
		mm_exit(child);
	}
	mm_check(m);
	mm_exit(m);
	CHECK(vt_at_boot("legal edges"));
}

int main(void)
{
	test_legal_edges();
	test_breaches();
	return check_finish("test_mm_check");
}
