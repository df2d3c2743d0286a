/* mmrig-bench: what the oracles cost. The same op pattern runs three ways
 * in one process - raw kernel calls, the full harness with every oracle,
 * and libc-style allocators - so the ratios hold on a noisy machine.
 * Figures, not a test: nothing here passes or fails on time. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "host.h"
#include "errno-base.h"
#include "mm/mm.h"
#include "mm/slab.h"
#include "mmu.h"

#define RING 64
#define REPEATS 5
static const size_t sizes[] = { 8, 24, 64, 96, 200, 512, 1000, 2048, 4096, 8192 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median seconds of REPEATS runs of fn. */
static double median_run(void (*fn)(void *), void *arg)
{
	double t[REPEATS];

	for (int i = 0; i < REPEATS; i++) {
		double t0 = now();
		fn(arg);
		t[i] = now() - t0;
	}
	qsort(t, REPEATS, sizeof(t[0]), cmp_double);
	return t[REPEATS / 2];
}

struct loop {
	long ops;
	struct host_arena *arena;
	struct exec *exec;
	struct program *prog;
	long programs;
	void *(*malloc_fn)(size_t);
	void (*free_fn)(void *);
};

static unsigned int order_of(long i)
{
	return (unsigned int)((i * 7) % 4);
}

__attribute__((noinline)) static void raw_pages(void *arg)
{
	struct loop *l = arg;
	struct page *ring[RING] = { 0 };
	unsigned int ord[RING];

	host_mm_reset(l->arena);
	for (long i = 0; i < l->ops; i++) {
		int s = (int)(i % RING);
		if (ring[s])
			__free_pages(ring[s], ord[s]);
		ord[s] = order_of(i);
		ring[s] = alloc_pages(GFP_KERNEL, ord[s]);
	}
	for (int s = 0; s < RING; s++)
		if (ring[s])
			__free_pages(ring[s], ord[s]);
}

__attribute__((noinline)) static void raw_kmalloc(void *arg)
{
	struct loop *l = arg;
	void *ring[RING] = { 0 };

	host_mm_reset(l->arena);
	for (long i = 0; i < l->ops; i++) {
		int s = (int)(i % RING);
		kfree(ring[s]);
		ring[s] = kmalloc(sizes[i % NSIZES], GFP_KERNEL);
	}
	for (int s = 0; s < RING; s++)
		kfree(ring[s]);
}

static void libc_style(void *arg)
{
	struct loop *l = arg;
	void *ring[RING] = { 0 };

	for (long i = 0; i < l->ops; i++) {
		int s = (int)(i % RING);
		l->free_fn(ring[s]);
		ring[s] = l->malloc_fn(sizes[i % NSIZES]);
		/* Touch it, as kmalloc's callers do: keeps the compiler honest. */
		*(volatile char *)ring[s] = 1;
	}
	for (int s = 0; s < RING; s++)
		l->free_fn(ring[s]);
}

static void harness(struct loop *l)
{
	struct divergence d;

	for (long i = 0; i < l->programs; i++) {
		if (exec_run(l->exec, l->prog, &d)) {
			exec_report(l->prog, &d, stderr);
			exit(1);
		}
	}
}

/* Separate functions so an instruction profile (callgrind) can tell the
 * loops apart: scripts/bench-callgrind.sh divides their inclusive costs. */
__attribute__((noinline)) static void harness_pages(void *arg)
{
	harness(arg);
}
__attribute__((noinline)) static void harness_kmalloc(void *arg)
{
	harness(arg);
}

static void build_page_program(struct program *p)
{
	p->n = PROG_MAX_OPS;
	for (long i = 0; i < PROG_MAX_OPS; i++) {
		struct op *op = &p->ops[i];
		memset(op, 0, sizeof(*op));
		op->kind = OP_ALLOC_PAGES;
		op->dst = (uint8_t)(i % RING);
		op->order = (uint8_t)order_of(i);
	}
}

static void build_kmalloc_program(struct program *p)
{
	p->n = PROG_MAX_OPS;
	for (long i = 0; i < PROG_MAX_OPS; i++) {
		struct op *op = &p->ops[i];
		memset(op, 0, sizeof(*op));
		op->kind = OP_KMALLOC;
		op->dst = (uint8_t)(i % RING);
		op->size = (uint32_t)sizes[i % NSIZES];
	}
}

#define VM_LEN (64u << 10)
#define VM_ADDR MMAP_MIN_ADDR

/* One user access the way the executor makes it: translate, fault, retry. */
static void raw_touch(struct mm_struct *mm, uintptr_t va, bool write)
{
	unsigned int access = (write ? MMU_WRITE : MMU_READ) | MMU_USER;

	for (int tries = 0; tries < 3; tries++) {
		struct mmu_result t = mmu_translate(mm->pgd, va, access);

		if (t.fault == MMU_OK) {
			if (write)
				*(volatile unsigned char *)t.pa = 1;
			else
				(void)*(volatile unsigned char *)t.pa;
			return;
		}
		if (handle_mm_fault(mm, va, write ? MMU_WRITE : MMU_READ))
			return;
	}
}

static uintptr_t touch_offset(long i)
{
	return (uintptr_t)((i * 4099) % VM_LEN);
}

static struct mm_struct *raw_mm_with_pages(struct loop *l)
{
	host_mm_reset(l->arena);
	struct mm_struct *mm = mm_alloc();

	do_mmap(mm, VM_ADDR, VM_LEN, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
	for (uintptr_t off = 0; off < VM_LEN; off += PAGE_SIZE)
		raw_touch(mm, VM_ADDR + off, true);
	return mm;
}

__attribute__((noinline)) static void raw_touches(void *arg)
{
	struct loop *l = arg;
	struct mm_struct *mm = raw_mm_with_pages(l);

	for (long i = 0; i < l->ops; i++)
		raw_touch(mm, VM_ADDR + touch_offset(i), i & 1);
	mm_exit(mm);
}

/* Each op: the previous child exits, a new one is forked (as the harness's
 * "m1 = fork m0" over a live m1 does). */
__attribute__((noinline)) static void raw_forks(void *arg)
{
	struct loop *l = arg;
	struct mm_struct *mm = raw_mm_with_pages(l), *child = NULL;

	for (long i = 0; i < l->ops; i++) {
		if (child)
			mm_exit(child);
		child = mm_fork(mm);
	}
	if (child)
		mm_exit(child);
	mm_exit(mm);
}

__attribute__((noinline)) static void harness_touches(void *arg)
{
	harness(arg);
}
__attribute__((noinline)) static void harness_forks(void *arg)
{
	harness(arg);
}

/* m0 with 64 KiB mapped and every page touched, then ops from fill(). */
static void build_vm_program(struct program *p, void (*fill)(struct op *op, long i))
{
	memset(p, 0, sizeof(*p));
	p->ops[0].kind = OP_MM_NEW;
	p->ops[1].kind = OP_MMAP;
	p->ops[1].size = VM_LEN;
	p->ops[1].prot = OPP_READ | OPP_WRITE;
	p->ops[1].mflags = OPM_FIXED;
	long n = 2;
	for (uint32_t off = 0; off < VM_LEN; off += PAGE_SIZE, n++) {
		p->ops[n].kind = OP_TOUCH;
		p->ops[n].size = off;
		p->ops[n].gfp = 1;
	}
	for (long i = 0; n < PROG_MAX_OPS; i++, n++)
		fill(&p->ops[n], i);
	p->n = PROG_MAX_OPS;
}

static void fill_touch(struct op *op, long i)
{
	op->kind = OP_TOUCH;
	op->size = (uint32_t)touch_offset(i);
	op->gfp = (uint8_t)(i & 1);
	op->n = op->gfp;
}

static void fill_fork(struct op *op, long i)
{
	(void)i;
	op->kind = OP_MM_FORK;
	op->dst = 1;
}

/* One program's fixed cost: boot (reset, zeroing what the last run
 * dirtied) and the final release + leak check. */
__attribute__((noinline)) static void empty_programs(void *arg)
{
	struct loop *l = arg;
	static struct program empty;
	struct divergence d;

	for (long i = 0; i < l->programs; i++)
		exec_run(l->exec, &empty, &d);
}

static void report(const char *what, long ops, double secs)
{
	printf("%-34s %10.2f Mops/s  %8.1f ns/op\n", what, (double)ops / secs / 1e6,
	       secs * 1e9 / (double)ops);
}

/* Runs this program's malloc loop in a child with lib preloaded. */
static void preloaded(const char *what, const char *lib, long ops)
{
	char exe[512], cmd[1200];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	double ns;

	if (n <= 0 || access(lib, R_OK)) {
		printf("%-34s (%s not installed)\n", what, lib);
		return;
	}
	exe[n] = '\0';
	snprintf(cmd, sizeof(cmd), "LD_PRELOAD=%s '%s' --malloc-loop %ld", lib, exe, ops);
	FILE *f = popen(cmd, "r");
	if (f && fscanf(f, "%lf", &ns) == 1)
		printf("%-34s %10.2f Mops/s  %8.1f ns/op  (child process)\n", what, 1e3 / ns, ns);
	else
		printf("%-34s (could not run)\n", what);
	if (f)
		pclose(f);
}

int main(int argc, char **argv)
{
	static struct program prog;
	struct exec_config cfg = { 0 };

	/* Child mode: plain malloc/free under whatever LD_PRELOAD put in
	 * place (jemalloc will not dlopen: it needs static TLS). */
	if (argc > 2 && !strcmp(argv[1], "--malloc-loop")) {
		struct loop l = { .ops = atol(argv[2]), .malloc_fn = malloc, .free_fn = free };
		printf("%.3f\n", median_run(libc_style, &l) * 1e9 / (double)l.ops);
		return 0;
	}
	long ops = argc > 1 ? atol(argv[1]) : 2000000;
	long programs = ops / PROG_MAX_OPS;
	struct exec *e = exec_create(&cfg);

	if (!e || ops < PROG_MAX_OPS) {
		fprintf(stderr, "usage: mmrig-bench [OPS >= %d]\n", PROG_MAX_OPS);
		return 2;
	}
	/* The raw loops drive the kernel directly, on the executor's arena. */
	struct host_arena *arena = exec_arena(e);
	struct loop l = {
		.ops = ops, .arena = arena, .exec = e, .prog = &prog, .programs = programs
	};
	long hops = programs * PROG_MAX_OPS;

	printf("mmrig-bench: %ld ops per loop, median of %d runs, arena %zu MiB\n", ops, REPEATS,
	       arena->size >> 20);
	double raw_p = median_run(raw_pages, &l);
	report("raw alloc_pages/__free_pages", ops, raw_p);
	build_page_program(&prog);
	double h_p = median_run(harness_pages, &l);
	double fixed = median_run(empty_programs, &l);
	report("harness alloc_pages (all oracles)", hops, h_p);
	printf("  harness / raw cost per op: %.2fx (%.2fx without the per-program reset"
	       " of %.1f us)\n",
	       (h_p / (double)hops) / (raw_p / (double)ops),
	       ((h_p - fixed) / (double)hops) / (raw_p / (double)ops),
	       fixed / (double)programs * 1e6);

	double raw_k = median_run(raw_kmalloc, &l);
	report("raw kmalloc/kfree", ops, raw_k);
	build_kmalloc_program(&prog);
	double h_k = median_run(harness_kmalloc, &l);
	fixed = median_run(empty_programs, &l);
	report("harness kmalloc (all oracles)", hops, h_k);
	printf("  harness / raw cost per op: %.2fx (%.2fx without the per-program reset"
	       " of %.1f us)\n",
	       (h_k / (double)hops) / (raw_k / (double)ops),
	       ((h_k - fixed) / (double)hops) / (raw_k / (double)ops),
	       fixed / (double)programs * 1e6);

	/* Address spaces: touches through the software MMU, fork + exit. */
	long vm_ops = PROG_MAX_OPS - 2 - VM_LEN / PAGE_SIZE;
	long vm_hops = programs * vm_ops;
	double raw_t = median_run(raw_touches, &l);
	report("raw touch (MMU + fault)", ops, raw_t);
	build_vm_program(&prog, fill_touch);
	double h_t = median_run(harness_touches, &l);
	report("harness touch (all oracles)", vm_hops, h_t);
	printf("  harness / raw cost per op: %.2fx\n",
	       (h_t / (double)vm_hops) / (raw_t / (double)ops));
	struct loop lf = l;
	lf.ops = ops / 100;
	double raw_f = median_run(raw_forks, &lf);
	report("raw fork + exit (16 pages)", lf.ops, raw_f);
	build_vm_program(&prog, fill_fork);
	lf.programs = programs / 20 ? programs / 20 : 1;
	double h_f = median_run(harness_forks, &lf);
	report("harness fork + exit (all oracles)", lf.programs * vm_ops, h_f);
	printf("  harness / raw cost per op: %.2fx\n",
	       (h_f / (double)(lf.programs * vm_ops)) / (raw_f / (double)lf.ops));

	printf("kmalloc+kfree pair vs user-space allocators (same size mix):\n");
	report("  kernel kmalloc/kfree", ops, raw_k);
	l.malloc_fn = malloc;
	l.free_fn = free;
	report("  glibc malloc/free", ops, median_run(libc_style, &l));
	void *h = dlopen("libmimalloc.so.2", RTLD_NOW | RTLD_LOCAL);
	l.malloc_fn = h ? (void *(*)(size_t))dlsym(h, "mi_malloc") : NULL;
	l.free_fn = h ? (void (*)(void *))dlsym(h, "mi_free") : NULL;
	if (l.malloc_fn && l.free_fn)
		report("  mimalloc mi_malloc/mi_free", ops, median_run(libc_style, &l));
	else
		printf("%-34s (libmimalloc.so.2 not installed)\n", "  mimalloc");
	preloaded("  jemalloc malloc/free", "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", ops);
	return 0;
}
