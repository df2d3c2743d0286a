/* A second hart (docs/cpus.md): started through SBI's HSM extension at
 * secondary_start (entry.S), it runs as CPU 1 while the boot hart waits
 * for it, so the two never run kernel/mm at once (the buddy has no lock
 * yet). With two CPUs online the slab caches' per-CPU arrays are on: the
 * second hart's objects park in its own array and flush to the shared
 * pool under the cache's real lock, and the boot hart then checks what
 * it left. */
#include "arch.h"
#include "lib.h"
#include "mm/slab.h"
#include "riscv.h"
#include "selftest.h"

#define SBI_EXT_HSM 0x48534dUL
#define SBI_HSM_HART_START 0
#define SBI_HSM_HART_STOP 1
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
	sbi_hsm(SBI_HSM_HART_STOP, 0, 0, 0);
}

void selftest_smp(unsigned long boot_hartid, const struct fdt_info *fi)
{
	unsigned long other = boot_hartid ^ 1, limit = fi->timebase_hz ? fi->timebase_hz : 10000000;
	uint64_t start;
	long err;

	smp_set_online(2);
	err = sbi_hsm(SBI_HSM_HART_START, other, (uintptr_t)secondary_start,
		      (uintptr_t)(secondary_stack + sizeof(secondary_stack)));
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
	st_end();
}
