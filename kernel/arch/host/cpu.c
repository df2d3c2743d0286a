/* Simulated CPUs for the hosted build (docs/cpus.md): one thread plays
 * nr_cpu_ids() CPUs. The harness picks the CPU each op runs on; spinlocks
 * record their owner, and every lock boundary is a preemption point where
 * the harness may run another CPU's op to completion (nested, one level)
 * when this CPU holds no lock. A real lock would spin or corrupt where
 * these report: a lock taken twice, released by a CPU that does not hold
 * it, or a sleeping allocation under a lock goes to the harness as a
 * spinlock.* check, and the kernel carries on so the op can finish. */
#include "arch.h"
#include "host_internal.h"
#include "lib.h"

struct sim_cpu {
	unsigned int locks;   /* spinlocks held */
	unsigned int irq_off; /* local_irq_save depth */
};

static struct sim_cpu cpus[NR_CPUS];
static unsigned int nr_cpus = 1, current_cpu;

void host_cpus_setup(unsigned int n)
{
	nr_cpus = n < 1 ? 1 : n > NR_CPUS ? NR_CPUS : n;
	current_cpu = 0;
	memset(cpus, 0, sizeof(cpus));
}

unsigned int host_cpu_switch(unsigned int cpu)
{
	unsigned int was = current_cpu;

	current_cpu = cpu % nr_cpus;
	return was;
}

bool host_cpu_atomic(unsigned int cpu, unsigned int *locks, unsigned int *irq_off)
{
	*locks = cpus[cpu % NR_CPUS].locks;
	*irq_off = cpus[cpu % NR_CPUS].irq_off;
	return *locks || *irq_off;
}

unsigned int smp_processor_id(void)
{
	return current_cpu;
}

unsigned int nr_cpu_ids(void)
{
	return nr_cpus;
}

void spin_lock_init(spinlock_t *lock, const char *name)
{
	lock->owner = -1;
	lock->name = name;
}

void preempt_point(unsigned int id)
{
	if (!cpus[current_cpu].locks)
		host_call_preempt_hook(id);
}

void spin_lock(spinlock_t *lock)
{
	preempt_point(0);
	if (lock->owner >= 0) {
		char msg[96];

		snprintk(msg, sizeof(msg), "CPU %u takes %s, held by CPU %d", current_cpu,
			 lock->name, lock->owner);
		host_lock_error("spinlock.deadlock", msg);
		cpus[lock->owner].locks--;
	}
	lock->owner = (int)current_cpu;
	cpus[current_cpu].locks++;
}

void spin_unlock(spinlock_t *lock)
{
	if (lock->owner != (int)current_cpu) {
		char msg[96];

		snprintk(msg, sizeof(msg), "CPU %u releases %s, held by %s%d", current_cpu,
			 lock->name, lock->owner < 0 ? "nobody " : "CPU ", lock->owner);
		host_lock_error("spinlock.not-owner", msg);
		if (lock->owner < 0)
			return;
		cpus[lock->owner].locks--;
	} else {
		cpus[current_cpu].locks--;
	}
	lock->owner = -1;
	preempt_point(1);
}

unsigned long local_irq_save(void)
{
	return cpus[current_cpu].irq_off++;
}

void local_irq_restore(unsigned long flags)
{
	cpus[current_cpu].irq_off = (unsigned int)flags;
}

void arch_might_sleep(const char *what)
{
	char msg[128];
	const struct sim_cpu *c = &cpus[current_cpu];

	if (!c->locks && !c->irq_off)
		return;
	snprintk(msg, sizeof(msg), "%s may sleep; CPU %u holds %u spinlock(s), interrupts %s", what,
		 current_cpu, c->locks, c->irq_off ? "off" : "on");
	host_lock_error("spinlock.sleep-in-atomic", msg);
}
