/* vmalloc / vzalloc / vfree / vmap: placement in the lowest gap with a
 * guard page, contents through the software MMU, every failure unwound
 * to the exact previous state, and the caller bugs that panic. */
#include "mm/vmalloc.h"
#include "vmtest.h"

static pagetable_t kpt;

static void vm_boot(void)
{
	vt_boot();
	kpt = uvmcreate();
	CHECK(kpt != NULL);
	vmalloc_init(kpt);
}

/* Byte i of the area through the MMU, as S-mode code reads it. */
static int read_byte(uintptr_t va, uint8_t *out)
{
	return mmu_copy_in(kpt, out, va, 1, 0, NULL) == MMU_OK;
}

static void test_placement(void)
{
	uintptr_t a, b, c, d;

	vm_boot();
	a = (uintptr_t)vmalloc(1);
	b = (uintptr_t)vmalloc(2 * PAGE_SIZE);
	c = (uintptr_t)vmalloc(PAGE_SIZE + 1);
	CHECK_EQ_UL(a, VMALLOC_START);
	CHECK_EQ_UL(b, a + 2 * PAGE_SIZE); /* one page, one guard */
	CHECK_EQ_UL(c, b + 3 * PAGE_SIZE); /* two pages, one guard */
	CHECK(find_vm_area((void *)(b + PAGE_SIZE)) != NULL);
	CHECK(find_vm_area((void *)(b + 2 * PAGE_SIZE)) == NULL); /* the guard */
	vfree((void *)b);
	/* the gap b left takes one page (plus guard) first... */
	d = (uintptr_t)vmalloc(PAGE_SIZE);
	CHECK_EQ_UL(d, b);
	/* ...and what does not fit in its rest goes after c */
	b = (uintptr_t)vmalloc(2 * PAGE_SIZE);
	CHECK_EQ_UL(b, c + 3 * PAGE_SIZE);
	/* too big for the window, and 0 bytes */
	CHECK(vmalloc(VMALLOC_SIZE) == NULL);
	CHECK(vmalloc(0) == NULL);
	vfree((void *)a);
	vfree((void *)b);
	vfree((void *)c);
	vfree((void *)d);
	vfree(NULL);
	CHECK(kpt[PX(2, VMALLOC_START)] == 0); /* every table pruned */
	freewalk(kpt);
	CHECK(vt_at_boot("placement"));
}

static void test_contents(void)
{
	uint8_t buf[64], got;
	uintptr_t a;

	vm_boot();
	a = (uintptr_t)vzalloc(3 * PAGE_SIZE);
	CHECK(a != 0);
	CHECK(read_byte(a + 2 * PAGE_SIZE + 17, &got) && got == 0);
	memset(buf, 0xa5, sizeof(buf));
	CHECK(mmu_copy_out(kpt, a + PAGE_SIZE - 32, buf, sizeof(buf), 0, NULL) == MMU_OK);
	CHECK(read_byte(a + PAGE_SIZE + 31, &got) && got == 0xa5);
	CHECK(!read_byte(a + 3 * PAGE_SIZE, &got)); /* the guard faults */
	CHECK(vmalloc_to_page((void *)(a + PAGE_SIZE)) == find_vm_area((void *)a)->pages[1]);
	vfree((void *)a);
	CHECK(!read_byte(a + PAGE_SIZE, &got)); /* unmapped and flushed */
	freewalk(kpt);
	CHECK(vt_at_boot("contents"));
}

static void test_vmap(void)
{
	struct page *pg[2];
	uintptr_t a;
	uint8_t got;

	vm_boot();
	pg[0] = alloc_page(GFP_KERNEL | __GFP_ZERO);
	pg[1] = alloc_page(GFP_KERNEL);
	((uint8_t *)page_address(pg[1]))[5] = 7;
	a = (uintptr_t)vmap(pg, 2);
	CHECK_EQ_UL(a, VMALLOC_START);
	CHECK(read_byte(a + PAGE_SIZE + 5, &got) && got == 7);
	CHECK(vmalloc_to_page((void *)a) == pg[0]);
	vunmap((void *)a);
	CHECK(!read_byte(a + PAGE_SIZE + 5, &got));
	__free_pages(pg[0], 0);
	__free_pages(pg[1], 0);
	freewalk(kpt);
	CHECK(vt_at_boot("vmap"));
}

/* Every allocation of a vmalloc failing in turn: NULL, and the kernel
 * exactly as before (pages, tables, descriptors), the next area placed
 * where it would have been. */
static void test_failures(void)
{
	for (unsigned long n = 1;; n++) {
		struct free_snap before;
		uintptr_t a, keep;

		vm_boot();
		keep = (uintptr_t)vmalloc(PAGE_SIZE);
		kmem_cache_shrink_all();
		free_snap_take(&before);
		vt_arm(n);
		a = (uintptr_t)vmalloc(4 * PAGE_SIZE);
		vt_disarm();
		if (!fi.injected) {
			CHECK(a != 0);
			CHECK(n > 6); /* area, page array, 4 pages (and tables) */
			vfree((void *)a);
			vfree((void *)keep);
			freewalk(kpt);
			CHECK(vt_at_boot("failures: last"));
			break;
		}
		CHECK(a == 0);
		kmem_cache_shrink_all();
		CHECK(free_snap_same(&before, "failures: unwound"));
		CHECK(find_vm_area((void *)(keep + 2 * PAGE_SIZE)) == NULL);
		a = (uintptr_t)vmalloc(PAGE_SIZE);
		CHECK_EQ_UL(a, keep + 2 * PAGE_SIZE);
		vfree((void *)a);
		vfree((void *)keep);
		freewalk(kpt);
		CHECK(vt_at_boot("failures"));
	}
}

static void vfree_twice(void)
{
	void *a;

	vm_boot();
	a = vmalloc(PAGE_SIZE);
	vfree(a);
	vfree(a);
}

static void vfree_inside(void)
{
	vm_boot();
	vfree((char *)vmalloc(2 * PAGE_SIZE) + PAGE_SIZE);
}

static void vfree_vmap(void)
{
	struct page *pg;

	vm_boot();
	pg = alloc_page(GFP_KERNEL);
	vfree(vmap(&pg, 1));
}

int main(void)
{
	test_placement();
	test_contents();
	test_vmap();
	test_failures();
	expect_panic(vfree_twice, "vmalloc-bad-free");
	expect_panic(vfree_inside, "vmalloc-bad-free");
	expect_panic(vfree_vmap, "vmalloc-bad-free");
	return check_finish("test_vmalloc");
}
