/* Everything kernel/mm needs from an architecture, in one place.
 * An arch provides: its console, panic, and - when CONFIG_MM_HOOKS is set -
 * the poison hooks, page-block tracepoints and the fault-injection hook.
 * With CONFIG_MM_HOOKS 0 the hooks compile to nothing. */
#ifndef MMRIG_ARCH_H
#define MMRIG_ARCH_H

#include "config.h"
#include "types.h"

struct page;
struct kmem_cache;

void arch_console_write(const char *s, size_t n);

/* Never returns. check is a short stable name ("double-free"); func the
 * kernel function that found it; msg free text for the report. */
void arch_panic(const char *check, const char *func, const char *msg) __attribute__((noreturn));

#define panic(check, ...) __panic((check), __func__, __VA_ARGS__)
void __panic(const char *check, const char *func, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

/* TLB maintenance. kernel/mm calls sfence_vma(va) after it changes or
 * removes a valid leaf PTE for va (every address space), and
 * sfence_vma_all() after it removes a non-leaf PTE or retires a page
 * table, before the table page is freed. Not a hook: every arch provides
 * both, always. The host's software MMU invalidates its TLB only here; the
 * riscv arch runs sfence.vma. Declared, not inlined as asm, because the
 * hosted build also runs on riscv64 Linux (qemu-user), in U-mode. */
void sfence_vma(uintptr_t va);
void sfence_vma_all(void);

/* CPUs, locks and preemption (docs/cpus.md). The host simulates
 * nr_cpu_ids() CPUs on one thread: the harness sets the current one per
 * op, and at a preemption point may run another CPU's op to completion
 * before this one goes on, but only where this CPU holds no spinlock.
 * The riscv kernel runs on its boot hart. Either way a lock taken twice,
 * released by a CPU that does not hold it, or held across a sleeping
 * allocation is reported (the host: spinlock.* checks; riscv: a panic). */
#define NR_CPUS 8
unsigned int smp_processor_id(void);
unsigned int nr_cpu_ids(void);

typedef struct {
	int owner; /* the CPU holding it, or -1 */
	const char *name;
} spinlock_t;
#define SPINLOCK_INIT(n) \
	{                \
		-1, (n)  \
	}
void spin_lock_init(spinlock_t *lock, const char *name);
/* A preemption point comes before taking the lock and after dropping it. */
void spin_lock(spinlock_t *lock);
void spin_unlock(spinlock_t *lock);
/* Interrupts off on this CPU (nestable); flags restore the previous state. */
unsigned long local_irq_save(void);
void local_irq_restore(unsigned long flags);
/* Where another CPU may run, in a long path outside any lock. id names the
 * point for reports. */
void preempt_point(unsigned int id);
/* Called by every allocation that may sleep: wrong under a spinlock or
 * with interrupts off. */
void arch_might_sleep(const char *what);

#if CONFIG_MM_HOOKS
/* Free memory is poisoned so any access to it traps (ASan on the host). */
void arch_poison(const void *addr, size_t len);
void arch_unpoison(const void *addr, size_t len);
/* Every buddy block handed out or taken back, with its caller class. */
void trace_page_alloc(struct page *page, unsigned int order, unsigned int pgc);
void trace_page_free(struct page *page, unsigned int order, unsigned int pgc);
/* The buddy allocator had no block of this order (no injection involved). */
void trace_page_alloc_fail(unsigned int order, gfp_t gfp);
/* warn_alloc(): a failure the caller did not mark __GFP_NOWARN. */
void trace_page_alloc_warn(unsigned int order, gfp_t gfp);
/* A block parked on a CPU's per-CPU list: taken from the buddy by a refill,
 * or given back by a caller (refill false). Drained: from a CPU's list
 * back to the buddy. A block handed out from a list is traced only by
 * trace_page_alloc. */
void trace_pcp_add(struct page *page, unsigned int order, unsigned int cpu, bool refill);
void trace_pcp_drain(struct page *page, unsigned int order, unsigned int cpu);
/* Consulted once by every page and slab allocation before it does anything. */
bool should_fail_alloc(gfp_t gfp, size_t size);
/* A slab of num objects joined its cache (grow) or left it (destroy), and
 * an object of it was handed out or taken back: enough for a model to
 * know how many free objects each cache holds and which slab is whose. */
void trace_slab_grow(const struct kmem_cache *c, struct page *slab, unsigned int num);
void trace_slab_destroy(const struct kmem_cache *c, struct page *slab, unsigned int num);
void trace_slab_obj(const struct kmem_cache *c, const void *obj, bool alloc);
#else
/* Empty stubs, one per hook. */
/* clang-format off */
static inline void arch_poison(const void *a, size_t n) { (void)a; (void)n; }
static inline void arch_unpoison(const void *a, size_t n) { (void)a; (void)n; }
static inline void trace_page_alloc(struct page *p, unsigned int o, unsigned int c)
{ (void)p; (void)o; (void)c; }
static inline void trace_page_free(struct page *p, unsigned int o, unsigned int c)
{ (void)p; (void)o; (void)c; }
static inline void trace_page_alloc_fail(unsigned int o, gfp_t g) { (void)o; (void)g; }
static inline void trace_page_alloc_warn(unsigned int o, gfp_t g) { (void)o; (void)g; }
static inline void trace_pcp_add(struct page *p, unsigned int o, unsigned int c, bool r)
{ (void)p; (void)o; (void)c; (void)r; }
static inline void trace_pcp_drain(struct page *p, unsigned int o, unsigned int c)
{ (void)p; (void)o; (void)c; }
static inline bool should_fail_alloc(gfp_t g, size_t s) { (void)g; (void)s; return false; }
static inline void trace_slab_grow(const struct kmem_cache *c, struct page *p, unsigned int n)
{ (void)c; (void)p; (void)n; }
static inline void trace_slab_destroy(const struct kmem_cache *c, struct page *p, unsigned int n)
{ (void)c; (void)p; (void)n; }
static inline void trace_slab_obj(const struct kmem_cache *c, const void *o, bool a)
{ (void)c; (void)o; (void)a; }
/* clang-format on */
#endif

#endif
