/* Shared by the page-table, MMU and address-space tests: a boot that also
 * empties the software TLB, fault injection counted per allocation, and a
 * snapshot of every leaf of a page table to prove "mapping unchanged". */
#ifndef MMRIG_VMTEST_H
#define MMRIG_VMTEST_H

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errno-base.h"
#include "ktest.h"
#include "mm/mm.h"
#include "mm/vm.h"
#include "mmu.h"

#define SZ_2M ((uintptr_t)SUPERPGSIZE)
#define SZ_1G ((uintptr_t)1 << 30)
/* A physical range outside the arena: mappings of it hold no references
 * and the MMU never dereferences it. */
/* A fault handler that resolves nothing would loop forever. */
#define EAGAIN_LOOP 1000
#define FAKE_PA ((phys_addr_t)0x80000000UL)

static struct {
	unsigned long calls;     /* should_fail consultations */
	unsigned long fail_at;   /* 0: never */
	unsigned long fail_mask; /* bit k: fail call fail_at + k */
	bool injected;
	long live_blocks; /* traced page allocations minus frees */
} fi;

static bool vt_should_fail(void *ctx, gfp_t gfp, size_t size)
{
	(void)ctx;
	(void)gfp;
	(void)size;
	fi.calls++;
	if (fi.fail_at && fi.calls >= fi.fail_at && fi.calls - fi.fail_at < 64 &&
	    (fi.fail_mask >> (fi.calls - fi.fail_at) & 1)) {
		fi.injected = true;
		return true;
	}
	return false;
}

static void vt_alloc(void *ctx, unsigned long pfn, unsigned int order, unsigned int pgc)
{
	(void)ctx;
	(void)pfn;
	(void)order;
	(void)pgc;
	fi.live_blocks++;
}

static void vt_free(void *ctx, unsigned long pfn, unsigned int order, unsigned int pgc)
{
	(void)ctx;
	(void)pfn;
	(void)order;
	(void)pgc;
	fi.live_blocks--;
}

static const struct host_hooks vt_hooks = {
	.should_fail = vt_should_fail,
	.page_alloc = vt_alloc,
	.page_free = vt_free,
};

/* Boot, then the steps a reset does not do yet: empty the TLB and make
 * the VMA cache. "At boot" then includes that cache. */
static inline void vt_boot(void)
{
	ktest_boot(); /* host_mm_reset: also mm_init() and mmu_reset() */
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		ktest_boot_free[o] = nr_free_blocks(o);
	memset(&fi, 0, sizeof(fi));
	host_set_hooks(&vt_hooks);
}

/* Back at boot once empty slabs are given back. */
static inline int vt_at_boot(const char *where)
{
	kmem_cache_shrink_all();
	return ktest_at_boot(where);
}

/* Fail the allocations from now whose bits are set (bit 0: the next). */
static inline void vt_arm_mask(unsigned long mask)
{
	fi.injected = false;
	fi.fail_at = fi.calls + 1;
	fi.fail_mask = mask;
}

/* Fail the nth allocation from now (n >= 1). */
static inline void vt_arm(unsigned long n)
{
	vt_arm_mask(1ul << (n - 1));
}

static inline void vt_disarm(void)
{
	fi.fail_at = 0;
}

/* ---- free-structure snapshots ---- */

struct free_snap {
	unsigned long blocks[NR_PAGE_ORDERS];
};

static inline void free_snap_take(struct free_snap *s)
{
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		s->blocks[o] = nr_free_blocks(o);
}

static inline int free_snap_same(const struct free_snap *s, const char *where)
{
	for (unsigned int o = 0; o <= MAX_ORDER; o++) {
		if (nr_free_blocks(o) != s->blocks[o]) {
			fprintf(stderr, "%s: order %u has %lu free blocks, %lu before\n", where, o,
				nr_free_blocks(o), s->blocks[o]);
			return 0;
		}
	}
	return 1;
}

/* ---- page-table snapshots ---- */

#define SNAP_MAX 4096

struct leaf {
	uintptr_t va;
	pte_t pte;
	int level;
};

struct pt_snap {
	size_t n;
	size_t tables; /* page-table pages, root included */
	struct leaf leaves[SNAP_MAX];
};

static inline void pt_snap_level(pagetable_t t, int level, uintptr_t base, struct pt_snap *s)
{
	s->tables++;
	for (size_t i = 0; i < PTRS_PER_PT; i++) {
		pte_t e = t[i];
		uintptr_t va = base + (i << PXSHIFT(level));

		if (!(e & PTE_V))
			continue;
		if (PTE_LEAF(e) || level == 0) {
			if (s->n < SNAP_MAX)
				s->leaves[s->n] = (struct leaf){ va, e, level };
			s->n++;
		} else {
			pt_snap_level((pagetable_t)PTE2PA(e), level - 1, va, s);
		}
	}
}

static inline void pt_snap_take(pagetable_t pt, struct pt_snap *s)
{
	s->n = 0;
	s->tables = 0;
	pt_snap_level(pt, PT_LEVELS - 1, 0, s);
}

static inline int pt_snap_same(pagetable_t pt, const struct pt_snap *before, const char *where)
{
	static struct pt_snap now;

	pt_snap_take(pt, &now);
	if (now.n != before->n || now.tables != before->tables) {
		fprintf(stderr, "%s: %zu leaves in %zu tables, %zu in %zu before\n", where, now.n,
			now.tables, before->n, before->tables);
		return 0;
	}
	for (size_t i = 0; i < now.n && i < SNAP_MAX; i++) {
		const struct leaf *a = &now.leaves[i], *b = &before->leaves[i];

		if (a->va != b->va || a->pte != b->pte || a->level != b->level) {
			fprintf(stderr,
				"%s: leaf %zu: va %lx pte %lx level %d, was va %lx pte %lx level %d\n",
				where, i, (unsigned long)a->va, (unsigned long)a->pte, a->level,
				(unsigned long)b->va, (unsigned long)b->pte, b->level);
			return 0;
		}
	}
	return 1;
}

/* ---- user pages ---- */

static inline phys_addr_t user_page(void)
{
	struct page *pg = alloc_pages(GFP_CLASS(PGC_USER) | __GFP_ZERO, 0);

	return pg ? (phys_addr_t)page_address(pg) : 0;
}

static inline phys_addr_t user_superpage(void)
{
	struct page *pg = alloc_pages(GFP_CLASS(PGC_USER) | __GFP_ZERO | __GFP_COMP,
				      SUPERPAGE_ORDER);

	return pg ? (phys_addr_t)page_address(pg) : 0;
}

static inline int pa_refs(phys_addr_t pa)
{
	return page_ref_count(compound_head(virt_to_page((void *)pa)));
}

/* fn, run in a forked child on a fresh kernel, must abort with the line
 * `KERNEL PANIC: <check> in <func>: <message>` on stderr, that line
 * holding msg too (NULL: any message): several conditions share a check
 * name, and msg says which one fired. On a mismatch the child's output is
 * shown under name. */
static inline void expect_panic_msg(const char *name, void (*fn)(void), const char *check,
				    const char *msg)
{
	char out[8192], want[128];
	size_t len = 0;
	ssize_t n;
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) != 0)
		exit(2);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		exit(2);
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], 2);
		vt_boot();
		fn();
		fprintf(stderr, "child survived\n");
		_exit(0);
	}
	close(fds[1]);
	while (len + 1 < sizeof(out) && (n = read(fds[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	snprintf(want, sizeof(want), "KERNEL PANIC: %s in ", check);
	const char *line = strstr(out, want);
	const char *end = line ? strchr(line, '\n') : NULL;
	bool aborted = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
	const char *at = line && msg ? strstr(line, msg) : NULL;
	bool said = line && (!msg || (at && (!end || at < end)));

	CHECK(aborted);
	CHECK(said);
	if (!aborted || !said)
		fprintf(stderr, "%s: expected panic %s; child said:\n%s\n", name, check, out);
}

static inline void expect_panic(void (*fn)(void), const char *check)
{
	expect_panic_msg(check, fn, check, NULL);
}

/* ---- user accesses: the MMU, and the fault handler on a fault ---- */

/* One byte at va, read (write == false) into *val or written from it,
 * from U-mode. 0, or what handle_mm_fault said when it could not help. */
static inline int uaccess(struct mm_struct *mm, uintptr_t va, bool write, unsigned char *val)
{
	unsigned int acc = (write ? MMU_WRITE : MMU_READ) | MMU_USER;

	for (int tries = 0; tries < 3; tries++) {
		struct mmu_result r = mmu_translate(mm->pgd, va, acc);
		int err;

		if (r.fault == MMU_OK) {
			if (write)
				*(unsigned char *)r.pa = *val;
			else
				*val = *(unsigned char *)r.pa;
			return 0;
		}
		if (r.fault == MMU_FAULT_BADPTE)
			return -EINVAL;
		err = handle_mm_fault(mm, va, write ? FAULT_WRITE : FAULT_READ);
		if (err)
			return err;
	}
	return -EAGAIN_LOOP;
}

static inline int uget(struct mm_struct *mm, uintptr_t va)
{
	unsigned char v;
	int r = uaccess(mm, va, false, &v);

	return r ? r : v;
}

static inline int uput(struct mm_struct *mm, uintptr_t va, unsigned char v)
{
	return uaccess(mm, va, true, &v);
}

static inline int vma_count(struct mm_struct *mm)
{
	int n = 0;
	struct list_head *pos;

	list_for_each(pos, &mm->mmap)
		n++;
	CHECK_EQ_UL(n, mm->map_count);
	return n;
}

/* The level of the leaf mapping va, or -1. */
static inline int leaf_level(pagetable_t pt, uintptr_t va)
{
	int level;
	pte_t *pte = walk_level(pt, va, 0, 0, &level);

	return pte && (*pte & PTE_V) ? level : -1;
}

static inline pte_t leaf_pte(pagetable_t pt, uintptr_t va)
{
	pte_t *pte = walk(pt, va, 0);

	return pte ? *pte : 0;
}

#endif
