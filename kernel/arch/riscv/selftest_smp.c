/* A second hart (docs/cpus.md): started through SBI's HSM extension at
 * secondary_start (entry.S), it runs as CPU 1. First alone, while the boot
 * hart waits: with two CPUs online the slab caches' per-CPU arrays are
 * on, the second hart's objects park in its own array and flush to the
 * shared pool under the cache's real lock, and the boot hart then checks
 * what it left (the smp test). Then both harts run the page allocator at
 * the same time, through their per-CPU page lists and the zone lock (the
 * pcp test, selftest_pcp.c). */
#include "arch.h"
#include "lib.h"
#include "mm/mmzone.h"
#include "mm/slab.h"
#include "riscv.h"
#include "selftest.h"

#define SBI_EXT_HSM 0x48534dUL
#define SBI_HSM_HART_START 0
#define SBI_HSM_HART_STOP 1
#define SBI_ERR_INVALID_PARAM (-3)
#define SECONDARY_STACK 16384
#define NR_OBJS 20

void secondary_start(void);
void secondary_main(unsigned long hartid);

static unsigned char secondary_stack[SECONDARY_STACK] __attribute__((aligned(16)));

/* What CPU 1 saw, for the boot hart to judge. */
static struct {
	int done;
	unsigned long hartid;
	unsigned int cpu, nr_cpus;
	bool created, all_allocated;
	struct array_cache_info local, shared, local0;
	bool reaped;
	int go, storm_done; /* the pcp test: the boot hart's start, CPU 1's end */
	struct pcp_storm storm;
} seen;

static long sbi_hsm(unsigned long fid, unsigned long a0, unsigned long a1, unsigned long a2)
{
	register unsigned long r0 __asm__("a0") = a0;
	register unsigned long r1 __asm__("a1") = a1;
	register unsigned long r2 __asm__("a2") = a2;
	register unsigned long r6 __asm__("a6") = fid;
	register unsigned long r7 __asm__("a7") = SBI_EXT_HSM;

	__asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
	return (long)r0;
}

void secondary_main(unsigned long hartid)
{
	struct kmem_cache *c = kmem_cache_create("smp-test", 64, 0, 0, NULL);
	void *objs[NR_OBJS];
	struct array_cache_info ac;

	seen.hartid = hartid;
	seen.cpu = smp_processor_id();
	seen.nr_cpus = nr_cpu_ids();
	seen.created = c != NULL;
	seen.all_allocated = c != NULL;
	for (int i = 0; c && i < NR_OBJS; i++)
		seen.all_allocated &= (objs[i] = kmem_cache_alloc(c, GFP_KERNEL)) != NULL;
	for (int i = 0; seen.all_allocated && i < NR_OBJS; i++)
		kmem_cache_free(c, objs[i]);
	if (c) {
		kmem_cache_array(c, 1, &seen.local);
		kmem_cache_array(c, -1, &seen.shared);
		kmem_cache_array(c, 0, &seen.local0);
		cache_reap();
		seen.reaped = kmem_cache_array(c, 1, &ac) && ac.avail < seen.local.avail;
		kmem_cache_destroy(c);
	}
	__atomic_store_n(&seen.done, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&seen.go, __ATOMIC_ACQUIRE))
		;
	pcp_storm(1, &seen.storm);
	__atomic_store_n(&seen.storm_done, 1, __ATOMIC_RELEASE);
	sbi_hsm(SBI_HSM_HART_STOP, 0, 0, 0);
}

static void selftest_pcp_both(unsigned long limit);

void selftest_smp(unsigned long boot_hartid, const struct fdt_info *fi)
{
	unsigned long other = boot_hartid ^ 1, limit = fi->timebase_hz ? fi->timebase_hz : 10000000;
	uint64_t start;
	long err;

	smp_set_online(2);
	/* When OpenSBI's lottery made the other hart wait, it may not have
	 * reached its stopped state yet: its start is refused until then
	 * (seen once in a few hundred boots). Only a hart that does not
	 * exist ends the wait at once. */
	start = r_time();
	do
		err = sbi_hsm(SBI_HSM_HART_START, other, (uintptr_t)secondary_start,
			      (uintptr_t)(secondary_stack + sizeof(secondary_stack)));
	while (err && err != SBI_ERR_INVALID_PARAM && r_time() - start < limit / 10);
	if (err) {
		smp_set_online(1);
		st_skip("smp", "no second hart to start (qemu -smp 1?)");
		return;
	}
	start = r_time();
	while (!__atomic_load_n(&seen.done, __ATOMIC_ACQUIRE) && r_time() - start < limit)
		;
	st_begin("smp");
	if (st_check(__atomic_load_n(&seen.done, __ATOMIC_ACQUIRE),
		     "hart %lu started and finished its test within a second", other)) {
		st_check(seen.hartid == other && seen.cpu == 1 && seen.nr_cpus == 2,
			 "hart %lu ran as CPU %u of %u, want CPU 1 of 2", seen.hartid, seen.cpu,
			 seen.nr_cpus);
		st_check(seen.created && seen.all_allocated,
			 "CPU 1 created a cache and allocated %d objects", NR_OBJS);
		/* The allocations leave 1 object in CPU 1's array; 20 frees into
		 * an array of 6 flush 3 at a time 5 times: 12 objects to the pool
		 * (then full), 3 back to their slabs, 6 left parked. */
		st_check(
			seen.local.avail == 6 && seen.shared.avail == 12 && seen.local0.avail == 0,
			"after the frees: CPU 1's array %u (want 6), the pool %u (want 12), CPU 0's %u "
			"(want 0)",
			seen.local.avail, seen.shared.avail, seen.local0.avail);
		st_check(seen.reaped, "cache_reap on CPU 1 took objects from its array");
	}
	if (st_end())
		selftest_pcp_both(limit);
}

/* Both harts at once: the boot hart's storm and CPU 1's, then a drain of
 * every list must give back the free structure from before. */
static void selftest_pcp_both(unsigned long limit)
{
	unsigned long before[NR_PAGE_ORDERS];
	struct pcp_storm mine = { 0 };
	uint64_t start;

	st_begin("pcp");
	drain_all_pages();
	st_free_blocks(before);
	__atomic_store_n(&seen.go, 1, __ATOMIC_RELEASE);
	pcp_storm(0, &mine);
	start = r_time();
	while (!__atomic_load_n(&seen.storm_done, __ATOMIC_ACQUIRE) &&
	       r_time() - start < 10 * limit)
		;
	if (st_check(__atomic_load_n(&seen.storm_done, __ATOMIC_ACQUIRE),
		     "CPU 1 finished its storm within ten seconds of CPU 0's")) {
		st_check(mine.failed == 0 && seen.storm.failed == 0,
			 "no allocation failed (CPU 0: %lu, CPU 1: %lu)", mine.failed,
			 seen.storm.failed);
		st_check(
			mine.clobbered == 0 && seen.storm.clobbered == 0,
			"no block held by one hart was written by the other (clobbered: CPU 0 %lu, "
			"CPU 1 %lu)",
			mine.clobbered, seen.storm.clobbered);
		st_check(mine.allocated > 1000 && seen.storm.allocated > 1000,
			 "both harts allocated (CPU 0: %lu blocks, CPU 1: %lu)", mine.allocated,
			 seen.storm.allocated);
		drain_all_pages();
		st_check(!pcp_has_pages(), "every per-CPU list empty after drain_all_pages");
		st_check_free_blocks(before, "after both storms and a drain");
	}
	st_end();
}
