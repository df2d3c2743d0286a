/* copyout/copyin: the kernel's own accesses to user memory fault pages in,
 * break copy-on-write sharing, refuse what a user access would SEGV on,
 * stop at the first bad page, and leave nothing behind when a fault
 * cannot allocate. */
#include "vmtest.h"

#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define A ((uintptr_t)0x70000000)

/* Across pages of never-touched memory: each is demand-paged, the bytes
 * read back through the MMU and through copyin alike. */
static void test_demand_and_readback(void)
{
	static char src[3 * PAGE_SIZE], back[3 * PAGE_SIZE];
	struct mm_struct *mm;

	vt_boot();
	mm = mm_alloc();
	CHECK_EQ_UL(do_mmap(mm, A, 4 * PAGE_SIZE, RW, PRIV | MAP_FIXED), A);
	for (size_t i = 0; i < sizeof src; i++)
		src[i] = (char)(i * 7 + 1);
	CHECK_EQ_UL(copyout(mm, A + 100, src, sizeof src), 0);
	CHECK_EQ_UL(uget(mm, A + 100), 1);
	CHECK_EQ_UL(uget(mm, A + 100 + 2 * PAGE_SIZE + 5), (unsigned char)src[2 * PAGE_SIZE + 5]);
	CHECK_EQ_UL(uget(mm, A + 99), 0);
	CHECK_EQ_UL(copyin(mm, back, A + 100, sizeof back), 0);
	CHECK(memcmp(src, back, sizeof src) == 0);
	mm_check(mm);
	mm_exit(mm);
	CHECK(vt_at_boot("demand and readback"));
}

/* A kernel write to a page shared copy-on-write copies it first. */
static void test_cow_break(void)
{
	struct mm_struct *p, *c;
	char v = 'k';
	phys_addr_t pa;

	vt_boot();
	p = mm_alloc();
	CHECK_EQ_UL(do_mmap(p, A, PAGE_SIZE, RW, PRIV | MAP_FIXED), A);
	CHECK_EQ_UL(uput(p, A, 'p'), 0);
	pa = walkaddr(p->pgd, A);
	c = mm_fork(p);
	CHECK(c != NULL);
	CHECK_EQ_UL(copyout(c, A, &v, 1), 0);
	CHECK(walkaddr(c->pgd, A) != pa);
	CHECK_EQ_UL(uget(c, A), 'k');
	CHECK_EQ_UL(uget(p, A), 'p');
	CHECK_EQ_UL(pa_refs(pa), 1);
	mm_exit(c);
	mm_exit(p);
	CHECK(vt_at_boot("cow break"));
}

/* What a user access would SEGV on fails with -EFAULT; pages before the
 * bad one are already written. */
static void test_refusals(void)
{
	static char buf[2 * PAGE_SIZE];
	struct mm_struct *mm;

	vt_boot();
	mm = mm_alloc();
	CHECK_EQ_UL(do_mmap(mm, A, PAGE_SIZE, RW, PRIV | MAP_FIXED), A);
	CHECK_EQ_UL(do_mmap(mm, A + PAGE_SIZE, PAGE_SIZE, PROT_READ, PRIV | MAP_FIXED),
		    A + PAGE_SIZE);
	CHECK_EQ_UL(do_mmap(mm, A + 2 * PAGE_SIZE, PAGE_SIZE, PROT_NONE, PRIV | MAP_FIXED),
		    A + 2 * PAGE_SIZE);
	memset(buf, 'x', sizeof buf);
	CHECK_EQ_UL(copyout(mm, A + 10, buf, sizeof buf - 10), -EFAULT);
	CHECK_EQ_UL(uget(mm, A + PAGE_SIZE - 1), 'x'); /* the RW page got its part */
	CHECK_EQ_UL(uget(mm, A + PAGE_SIZE), 0);
	CHECK_EQ_UL(copyin(mm, buf, A + PAGE_SIZE + 5, 1), 0);
	CHECK_EQ_UL(buf[0], 0);
	CHECK_EQ_UL(copyin(mm, buf, A + 2 * PAGE_SIZE, 1), -EFAULT);
	CHECK_EQ_UL(copyin(mm, buf, A + 3 * PAGE_SIZE, 1), -EFAULT); /* no VMA */
	CHECK_EQ_UL(copyin(mm, buf, MAXVA + PAGE_SIZE, 1), -EFAULT);
	mm_check(mm);
	mm_exit(mm);
	CHECK(vt_at_boot("refusals"));
}

/* A demand fault that cannot allocate: -ENOMEM and no page, no table. */
static void test_enomem(void)
{
	char v = 1;

	unsigned long n;

	for (n = 1; n <= 8; n++) {
		struct mm_struct *mm;
		long live;

		vt_boot();
		mm = mm_alloc();
		CHECK_EQ_UL(do_mmap(mm, A, PAGE_SIZE, RW, PRIV | MAP_FIXED), A);
		live = fi.live_blocks;
		vt_arm(n);
		int r = copyout(mm, A, &v, 1);
		vt_disarm();
		if (!fi.injected) { /* past the fault's last allocation */
			CHECK_EQ_UL(r, 0);
			mm_exit(mm);
			CHECK(vt_at_boot("enomem"));
			break;
		}
		CHECK_EQ_UL(r, -ENOMEM);
		CHECK_EQ_UL(fi.live_blocks, live);
		CHECK_EQ_UL(leaf_level(mm->pgd, A), -1);
		CHECK_EQ_UL(copyout(mm, A, &v, 1), 0);
		CHECK_EQ_UL(uget(mm, A), 1);
		mm_check(mm);
		mm_exit(mm);
		CHECK(vt_at_boot("enomem"));
	}
	CHECK_EQ_UL(n, 4); /* the page, then a level-1 and a level-0 table */
}

int main(void)
{
	test_demand_and_readback();
	test_cow_break();
	test_refusals();
	test_enomem();
	return check_finish("test_uaccess");
}
