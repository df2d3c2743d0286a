/* CPUs and locks on the riscv kernel. The boot hart is CPU 0; the smp
 * self-test starts one more hart as CPU 1 (selftest_smp.c), and from
 * then on two CPUs are online. tp holds the CPU number (entry.S). The
 * locks are real (an atomic compare-and-swap) and keep their owner, so a
 * broken lock rule panics here as the hosted build reports it
 * (docs/cpus.md). Nothing preempts a hart. kernel-replay.elf replaces
 * this file with the hosted arch's simulated CPUs (cpu.c). */
#include "arch.h"
#include "riscv.h"

static unsigned int online = 1;
static unsigned int irq_off[NR_CPUS], locks_held[NR_CPUS];

unsigned int smp_processor_id(void)
{
	unsigned long id;

	__asm__ volatile("mv %0, tp" : "=r"(id));
	return (unsigned int)id;
}

unsigned int nr_cpu_ids(void)
{
	return __atomic_load_n(&online, __ATOMIC_ACQUIRE);
}

void smp_set_online(unsigned int n)
{
	__atomic_store_n(&online, n, __ATOMIC_RELEASE);
}

void spin_lock_init(spinlock_t *lock, const char *name)
{
	lock->owner = -1;
	lock->name = name;
}

void preempt_point(unsigned int id)
{
	(void)id;
}

void spin_lock(spinlock_t *lock)
{
	int me = (int)smp_processor_id(), free;

	for (;;) {
		free = -1;
		if (__atomic_compare_exchange_n(&lock->owner, &free, me, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			break;
		if (free == me)
			panic("spinlock-deadlock", "%s is already held by this hart", lock->name);
	}
	locks_held[me]++;
}

void spin_unlock(spinlock_t *lock)
{
	unsigned int me = smp_processor_id();

	if (__atomic_load_n(&lock->owner, __ATOMIC_RELAXED) != (int)me)
		panic("spinlock-not-owner", "%s is not held by this hart", lock->name);
	locks_held[me]--;
	__atomic_store_n(&lock->owner, -1, __ATOMIC_RELEASE);
}

/* No interrupt source is enabled while kernel/mm runs: the depth is kept
 * for the sleep rule only. */
unsigned long local_irq_save(void)
{
	return irq_off[smp_processor_id()]++;
}

void local_irq_restore(unsigned long flags)
{
	irq_off[smp_processor_id()] = (unsigned int)flags;
}

void arch_might_sleep(const char *what)
{
	unsigned int me = smp_processor_id();

	if (locks_held[me] || irq_off[me])
		panic("spinlock-sleep-in-atomic",
		      "%s may sleep under a lock or with interrupts off", what);
}
