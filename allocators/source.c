/* The adapters' calls into the rig. The page source is the kernel's own
 * buddy, so a plugged byte allocator gets what kernel code gets: fault
 * injection (should_fail_alloc), poisoning of free pages, and a
 * tracepoint per block that lets the leak oracle name what it kept. */
#include <stdarg.h>
#include <stdio.h>

#include "allocator.h"
#include "mm/page.h"

static struct adapter_sink sink;

void adapter_sink_set(const struct adapter_sink *s)
{
	if (s)
		sink = *s;
	else
		sink = (struct adapter_sink){ 0 };
}

static unsigned int order_of(size_t len)
{
	unsigned int order = 0;

	while (((size_t)PAGE_SIZE << order) < len && order <= MAX_ORDER)
		order++;
	return order;
}

void *mmrig_source_alloc(size_t len, bool zero)
{
	gfp_t gfp = GFP_KERNEL | GFP_CLASS(PGC_SOURCE) | __GFP_NOWARN;
	unsigned int order = order_of(len ? len : 1);
	struct page *page;

	/* Too large a request still goes to the buddy, which fails it the
	 * way the model expects (a legal failure the oracles can see). */
	page = alloc_pages(gfp | (zero ? __GFP_ZERO : 0), order);
	return page ? page_address(page) : NULL;
}

void mmrig_source_free(void *block, size_t len)
{
	if (block)
		__free_pages(virt_to_page(block), order_of(len ? len : 1));
}

int mmrig_claim(uintptr_t start, size_t len)
{
	return sink.claim ? sink.claim(sink.ctx, start, len) : -1;
}

void mmrig_alloc_error(const char *func, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sink.error)
		sink.error(sink.ctx, func, msg);
	else
		fprintf(stderr, "mmrig: allocator error outside a run in %s: %s\n", func, msg);
}
