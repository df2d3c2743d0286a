/* CPUs and locks on the riscv kernel: it runs on its boot hart only, so
 * it is CPU 0 of one, and nothing preempts it. The locks are real
 * (an atomic swap) and keep their owner, so a broken lock rule panics
 * here as the hosted build reports it (docs/cpus.md). kernel-replay.elf
 * replaces this file with the hosted arch's simulated CPUs (cpu.c). */
#include "arch.h"

static unsigned int irq_off, locks_held;

unsigned int smp_processor_id(void)
{
	return 0;
}

unsigned int nr_cpu_ids(void)
{
	return 1;
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
	int free = -1;

	if (!__atomic_compare_exchange_n(&lock->owner, &free, (int)smp_processor_id(), false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		panic("spinlock-deadlock", "%s is held by hart %d", lock->name, free);
	locks_held++;
}

void spin_unlock(spinlock_t *lock)
{
	if (__atomic_load_n(&lock->owner, __ATOMIC_RELAXED) != (int)smp_processor_id())
		panic("spinlock-not-owner", "%s is not held by this hart", lock->name);
	locks_held--;
	__atomic_store_n(&lock->owner, -1, __ATOMIC_RELEASE);
}

/* No interrupt source is enabled while kernel/mm runs: the depth is kept
 * for the sleep rule only. */
unsigned long local_irq_save(void)
{
	return irq_off++;
}

void local_irq_restore(unsigned long flags)
{
	irq_off = (unsigned int)flags;
}

void arch_might_sleep(const char *what)
{
	if (locks_held || irq_off)
		panic("spinlock-sleep-in-atomic",
		      "%s may sleep under a lock or with interrupts off", what);
}
