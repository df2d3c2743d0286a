/* Death tests for the kernel's internal consistency panics: the ones no
 * sequence of API calls can trip, because the state they guard against is
 * one only another kernel bug makes. Each child builds a legal state,
 * breaks the one thing the check guards (white-box, through the internal
 * headers), and must panic with that check's name and message; the legal
 * neighbour of each breach must not. */
#include "vmtest.h"
#include "../../kernel/mm/mm_internal.h"
#include "../../kernel/mm/slab_internal.h"

#define VA ((uintptr_t)0x70000000) /* 2 MiB-aligned, below the mmap area */
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define NR_OBJS_MAX 512

static void need(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "set-up failed: %s\n", what);
		_exit(3);
	}
}

/* ---- slab: a free-list entry that is not a free object ---- */

static struct kmem_cache *cache;
static void *objs[2];

/* A cache with two live objects of one slab, its next free index then
 * overwritten with idx. */
static void slab_next_free_is(unsigned int idx_of_obj, bool past_end)
{
	struct page *slab;

	cache = kmem_cache_create("internal", 64, 0, 0, NULL);
	need(cache != NULL, "kmem_cache_create");
	objs[0] = kmem_cache_alloc(cache, GFP_KERNEL);
	objs[1] = kmem_cache_alloc(cache, GFP_KERNEL);
	need(objs[0] && objs[1], "kmem_cache_alloc");
	slab = compound_head(virt_to_page(objs[0]));
	slab->freelist[slab->active] = (unsigned short)(past_end ? cache->num : idx_of_obj);
	kmem_cache_alloc(cache, GFP_KERNEL);
}

static void slab_free_index_past_end(void)
{
	slab_next_free_is(0, true);
}

static void slab_free_index_live(void)
{
	/* objs[1] is index 1 of the slab: live, its bitmap bit set. */
	slab_next_free_is(1, false);
}

/* The last index is a legal free entry: no panic. */
static void test_slab_last_index_is_free(void)
{
	struct kmem_cache *c = kmem_cache_create("internal", 64, 0, 0, NULL);
	void *o[NR_OBJS_MAX];
	unsigned int n = 0;

	CHECK(c != NULL);
	if (!c)
		return;
	while (n < c->num && n < NR_OBJS_MAX && (o[n] = kmem_cache_alloc(c, GFP_KERNEL)))
		n++;
	CHECK_EQ_UL(n, c->num < NR_OBJS_MAX ? c->num : NR_OBJS_MAX);
	while (n)
		kmem_cache_free(c, o[--n]);
	kmem_cache_destroy(c);
}

/* ---- VMAs: a split outside the VMA, a link over another ---- */

static struct mm_struct *mm;

static struct vm_area_struct *mm_with(size_t len)
{
	mm = mm_alloc();
	need(mm != NULL, "mm_alloc");
	need(do_mmap(mm, VA, len, RW, PRIV | MAP_FIXED) == (long)VA, "mmap");
	return find_vma(mm, VA);
}

static void split_at(uintptr_t addr)
{
	struct vm_area_struct *v = mm_with(4 * PAGE_SIZE), *spare = vm_area_alloc(mm);

	need(v && spare, "vma");
	vma_split(mm, v, addr, spare);
}

static void split_at_start(void)
{
	split_at(VA);
}

static void split_at_end(void)
{
	split_at(VA + 4 * PAGE_SIZE);
}

static void split_below_start(void)
{
	split_at(VA - PAGE_SIZE);
}

static void link_range(uintptr_t start, uintptr_t end)
{
	struct vm_area_struct *v;

	mm_with(4 * PAGE_SIZE);
	need(do_mmap(mm, VA + 8 * PAGE_SIZE, PAGE_SIZE, PROT_READ, PRIV | MAP_FIXED) ==
		     (long)(VA + 8 * PAGE_SIZE),
	     "second mmap");
	v = vm_area_alloc(mm);
	need(v != NULL, "vm_area_alloc");
	v->vm_start = start;
	v->vm_end = end;
	v->vm_flags = VM_READ;
	vma_link(mm, v);
}

/* Into the gap [VA + 4 pages, VA + 8 pages), one page too far each way. */
static void link_over_previous(void)
{
	link_range(VA + 3 * PAGE_SIZE, VA + 5 * PAGE_SIZE);
}

static void link_over_next(void)
{
	link_range(VA + 6 * PAGE_SIZE, VA + 9 * PAGE_SIZE);
}

static void test_vma_legal_edges(void)
{
	vt_boot();
	/* A split one page inside each end, and a link filling the gap
	 * exactly, are legal. */
	struct vm_area_struct *v = mm_with(4 * PAGE_SIZE), *spare = vm_area_alloc(mm);

	CHECK(v && spare);
	if (!v || !spare)
		return;
	vma_split(mm, v, VA + PAGE_SIZE, spare);
	v = find_vma(mm, VA + PAGE_SIZE);
	spare = vm_area_alloc(mm);
	CHECK(v && spare && v->vm_start == VA + PAGE_SIZE);
	if (!v || !spare)
		return;
	vma_split(mm, v, VA + 3 * PAGE_SIZE, spare);
	CHECK_EQ_UL(vma_count(mm), 3);
	v = vm_area_alloc(mm);
	CHECK(v != NULL);
	if (v) {
		v->vm_start = VA + 4 * PAGE_SIZE;
		v->vm_end = VA + 6 * PAGE_SIZE;
		v->vm_flags = VM_READ;
		vma_link(mm, v);
		CHECK_EQ_UL(vma_count(mm), 4);
	}
	mm_exit(mm);
}

/* ---- page tables: a 1 GiB leaf, which the kernel never makes ---- */

static void gigapage_cut(void)
{
	mm = mm_alloc();
	need(mm != NULL, "mm_alloc");
	need(do_mmap(mm, SZ_1G, SZ_2M, RW, PRIV | MAP_FIXED) == (long)SZ_1G, "mmap");
	mm->pgd[PX(2, SZ_1G)] = PA2PTE(SZ_1G) | PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D;
	/* A cut inside it: the range's end needs a split. */
	do_munmap(mm, SZ_1G, PAGE_SIZE);
}

static void test_breaches(void)
{
	expect_panic_msg("freelist index past the end", slab_free_index_past_end,
			 "slab-freelist-corrupt", "is not free");
	expect_panic_msg("freelist index of a live object", slab_free_index_live,
			 "slab-freelist-corrupt", "is not free");
	expect_panic_msg("split at the VMA's start", split_at_start, "vma-split", NULL);
	expect_panic_msg("split at the VMA's end", split_at_end, "vma-split", NULL);
	expect_panic_msg("split below the VMA", split_below_start, "vma-split", NULL);
	expect_panic_msg("link over the previous VMA", link_over_previous, "vma-overlap", NULL);
	expect_panic_msg("link over the next VMA", link_over_next, "vma-overlap", NULL);
	expect_panic_msg("a cut inside a 1 GiB leaf", gigapage_cut, "vm-gigapage", "level-2 leaf");
}

int main(void)
{
	vt_boot();
	test_slab_last_index_is_free();
	test_vma_legal_edges();
	test_breaches();
	return check_finish("test_internal_panics");
}
