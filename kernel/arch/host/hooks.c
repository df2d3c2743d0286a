/* The kernel's hook points, forwarded to whatever the harness registered.
 * With no hooks the kernel runs plain: traces vanish, nothing fails. */
#include "arch.h"
#include "host_internal.h"
#include "lib.h"

static struct host_hooks hooks;

void host_set_hooks(const struct host_hooks *h)
{
	if (h)
		hooks = *h;
	else
		memset(&hooks, 0, sizeof(hooks));
}

void trace_page_alloc(struct page *page, unsigned int order, unsigned int pgc)
{
	unsigned long pfn = page_to_pfn(page);

	/* Recorded even without hooks: the next reset must scrub it. */
	host_mark_dirty(pfn, order);
	if (hooks.page_alloc)
		hooks.page_alloc(hooks.ctx, pfn, order, pgc);
}

void trace_page_free(struct page *page, unsigned int order, unsigned int pgc)
{
	if (hooks.page_free)
		hooks.page_free(hooks.ctx, page_to_pfn(page), order, pgc);
}

void trace_page_alloc_fail(unsigned int order, gfp_t gfp)
{
	if (hooks.page_alloc_fail)
		hooks.page_alloc_fail(hooks.ctx, order, gfp);
}

void trace_page_alloc_warn(unsigned int order, gfp_t gfp)
{
	if (hooks.page_alloc_warn)
		hooks.page_alloc_warn(hooks.ctx, order, gfp);
}

void trace_pcp_add(struct page *page, unsigned int order, unsigned int cpu, bool refill)
{
	if (hooks.pcp_add)
		hooks.pcp_add(hooks.ctx, page_to_pfn(page), order, cpu, refill);
}

void trace_pcp_drain(struct page *page, unsigned int order, unsigned int cpu)
{
	if (hooks.pcp_drain)
		hooks.pcp_drain(hooks.ctx, page_to_pfn(page), order, cpu);
}

bool should_fail_alloc(gfp_t gfp, size_t size)
{
	return hooks.should_fail && hooks.should_fail(hooks.ctx, gfp, size);
}

void trace_slab_grow(const struct kmem_cache *c, struct page *slab, unsigned int num)
{
	if (hooks.slab_grow)
		hooks.slab_grow(hooks.ctx, c, page_to_pfn(slab), slab->order, num);
}

void trace_slab_destroy(const struct kmem_cache *c, struct page *slab, unsigned int num)
{
	if (hooks.slab_destroy)
		hooks.slab_destroy(hooks.ctx, c, page_to_pfn(slab), num);
}

void trace_slab_obj(const struct kmem_cache *c, const void *obj, bool alloc)
{
	if (hooks.slab_obj)
		hooks.slab_obj(hooks.ctx, c, obj, alloc);
}

void host_call_panic_hook(const char *check, const char *func, const char *msg)
{
	if (hooks.panic)
		(hooks.panic)(hooks.ctx, check, func, msg); /* panic() is a macro */
}

void host_call_preempt_hook(unsigned int id)
{
	if (hooks.preempt)
		hooks.preempt(hooks.ctx, id);
}

void host_lock_error(const char *check, const char *msg)
{
	if (!hooks.lock_error)
		panic("spinlock", "%s: %s", check, msg);
	hooks.lock_error(hooks.ctx, check, msg);
}
