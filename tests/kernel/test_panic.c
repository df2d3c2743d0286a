/* Death tests: every defensive check of the allocators really fires. Each
 * misuse runs in a fork()ed child whose stderr is captured; the child must
 * abort and print the harness hook's line and then `KERNEL PANIC: <check>`.
 * Under ASan, touching poisoned (free) memory must be reported too. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch.h"
#include "ktest.h"

static void hook_panic(void *ctx, const char *check, const char *func, const char *msg)
{
	(void)ctx;
	(void)msg;
	fprintf(stderr, "HOOK-PANIC %s from %s\n", check, func);
}

static const struct host_hooks panic_hooks = { .panic = hook_panic };

struct outcome {
	int status;
	char out[8192];
};

/* Run fn in a child with a freshly reset kernel; collect stderr. */
static void run_child(void (*fn)(void), struct outcome *o)
{
	int fds[2];
	pid_t pid;
	size_t len = 0;
	ssize_t n;

	memset(o, 0, sizeof(*o));
	if (pipe(fds) != 0) {
		perror("pipe");
		exit(2);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], 2);
		ktest_boot();
		host_set_hooks(&panic_hooks);
		fn();
		fprintf(stderr, "child survived\n");
		_exit(0);
	}
	close(fds[1]);
	while (len + 1 < sizeof(o->out) &&
	       (n = read(fds[0], o->out + len, sizeof(o->out) - 1 - len)) > 0)
		len += (size_t)n;
	close(fds[0]);
	waitpid(pid, &o->status, 0);
}

/* The child must abort with the hook's line, then `KERNEL PANIC: <check>
 * in <func>: <message>`, the message holding msg (NULL: any): one check
 * name covers several conditions, msg says which one fired. */
static void expect_panic_msg(const char *name, void (*fn)(void), const char *check, const char *msg)
{
	struct outcome o;
	char line[128], hook[128];

	run_child(fn, &o);
	snprintf(line, sizeof(line), "KERNEL PANIC: %s in ", check);
	snprintf(hook, sizeof(hook), "HOOK-PANIC %s from ", check);
	bool aborted = WIFSIGNALED(o.status) && WTERMSIG(o.status) == SIGABRT;
	const char *l = strstr(o.out, line), *h = strstr(o.out, hook);
	const char *end = l ? strchr(l, '\n') : NULL, *m = l && msg ? strstr(l, msg) : NULL;
	bool said = !msg || (m && (!end || m < end));

	CHECK(aborted);
	CHECK(l != NULL);
	CHECK(h != NULL && (!l || h < l));
	CHECK(said);
	if (!aborted || !l || !h || !said)
		fprintf(stderr, "%s: expected %s%s%s; child said:\n%s\n", name, check,
			msg ? ": " : "", msg ? msg : "", o.out);
}

static void expect_panic(const char *name, void (*fn)(void), const char *check)
{
	expect_panic_msg(name, fn, check, NULL);
}

/* ---- buddy misuse ---- */

static void double_free(void)
{
	struct page *p = alloc_pages(GFP_KERNEL, 0);
	__free_pages(p, 0);
	__free_pages(p, 0);
}

/* The first free merges the block into a bigger one: p is no longer a
 * free head, but freeing it again is still a double free. */
static void double_free_merged(void)
{
	struct page *p = alloc_pages(GFP_KERNEL, 1);
	struct page *q = alloc_pages(GFP_KERNEL, 1);
	__free_pages(p, 1);
	__free_pages(q, 1);
	__free_pages(q, 1);
}

static void put_after_free(void)
{
	struct page *p = alloc_pages(GFP_KERNEL, 2);
	put_page(p);
	put_page(p);
}

static void get_after_free(void)
{
	struct page *p = alloc_pages(GFP_KERNEL, 0);
	__free_pages(p, 0);
	get_page(p);
}

static void free_reserved(void)
{
	__free_pages(pfn_to_page(buddy_base_pfn()), 0);
}

static void free_tail(void)
{
	struct page *p = alloc_pages(__GFP_COMP, 2);
	__free_pages(p + 1, 0);
}

static void free_inner(void)
{
	struct page *p = alloc_pages(GFP_KERNEL, 2);
	__free_pages(p + 2, 1);
}

static void free_foreign_page(void)
{
	static struct page not_ours;
	__free_pages(&not_ours, 0);
}

static void free_pages_outside(void)
{
	static char buf[64];
	free_pages((unsigned long)buf, 0);
}

static void free_wrong_order(void)
{
	struct page *p = alloc_pages(GFP_KERNEL, 2);
	__free_pages(p, 1);
}

static void free_order_too_big(void)
{
	struct page *p = alloc_pages(GFP_KERNEL, 2);
	__free_pages(p, 3);
}

/* Pointers that are not elements of mem_map, at its edges. */
static void free_misaligned_page_pointer(void)
{
	struct page *p = alloc_pages(GFP_KERNEL, 0);
	__free_pages((struct page *)((char *)p + 1), 0);
}

static void free_one_past_map(void)
{
	__free_pages(pfn_to_page(buddy_base_pfn() + buddy_nr_pfns() - 1) + 1, 0);
}

static void free_one_before_map(void)
{
	__free_pages(pfn_to_page(buddy_base_pfn()) - 1, 0);
}

/* The last element of mem_map is one (a free page at boot): the checks
 * after page_in_map judge it. */
static void free_last_in_map(void)
{
	__free_pages(pfn_to_page(buddy_base_pfn() + buddy_nr_pfns() - 1), 0);
}

/* A block head whose count was lost (a put without the free). */
static void free_head_refcount_zero(void)
{
	struct page *p = alloc_pages(GFP_KERNEL, 0);
	p->_refcount = 0;
	__free_pages(p, 0);
}

/* A page inside a free block that is not the block's head. */
static void free_inside_free_block(void)
{
	struct page *p = alloc_pages(GFP_KERNEL, 3);
	__free_pages(p, 3);
	__free_pages(p + 5, 0);
}

static void get_foreign_page(void)
{
	static struct page not_ours;
	get_page(&not_ours);
}

static void put_misaligned_page_pointer(void)
{
	struct page *p = alloc_pages(GFP_KERNEL, 0);
	put_page((struct page *)((char *)p + 8));
}

/* A tail page's reference goes to its head, gone with the last put. */
static void put_tail_after_free(void)
{
	struct page *p = alloc_pages(__GFP_COMP, 2);
	put_page(p + 1);
	put_page(p + 3);
}

/* ---- slab misuse ---- */

static void kfree_twice(void)
{
	void *p = kmalloc(40, GFP_KERNEL);
	kfree(p);
	kfree(p);
}

static void cache_free_twice(void)
{
	struct kmem_cache *c = kmem_cache_create("dbl", 700, 0, 0, NULL);
	void *p = kmem_cache_alloc(c, GFP_KERNEL);
	void *q = kmem_cache_alloc(c, GFP_KERNEL);
	kmem_cache_free(c, p);
	kmem_cache_free(c, q);
	kmem_cache_free(c, p);
}

static void kfree_inside_object(void)
{
	char *p = kmalloc(64, GFP_KERNEL);
	kfree(p + 8);
}

static void kfree_stack(void)
{
	int x = 0;
	kfree(&x);
}

static void kfree_page(void)
{
	kfree((void *)__get_free_pages(GFP_KERNEL, 1));
}

static void kfree_large_middle(void)
{
	char *p = kmalloc(5 * PAGE_SIZE, GFP_KERNEL);
	kfree(p + PAGE_SIZE);
}

static void kfree_slab_header(void)
{
	/* The on-slab index array sits before the first object. */
	char *p = kmalloc(16, GFP_KERNEL);
	kfree((void *)((uintptr_t)p & PAGE_MASK));
}

/* One stride past the last object of a slab, still inside the slab's
 * pages: not an object. */
static void kfree_past_last_object(void)
{
	struct kmem_cache *c = kmem_cache_create("edge", 40, 0, 0, NULL);
	char *first = kmem_cache_alloc(c, GFP_KERNEL), *last = first, *p;
	struct page *slab = compound_head(virt_to_page(first));

	while ((p = kmem_cache_alloc(c, GFP_KERNEL)) && compound_head(virt_to_page(p)) == slab)
		last = p > last ? p : last;
	p = last + (last - first) / (slab->active - 1);
	if (compound_head(virt_to_page(p)) != slab) {
		fprintf(stderr, "set-up: no room after the last object\n");
		_exit(3);
	}
	kmem_cache_free(c, p);
}

static void cache_free_other_cache(void)
{
	struct kmem_cache *a = kmem_cache_create("a", 64, 0, 0, NULL);
	struct kmem_cache *b = kmem_cache_create("b", 64, 0, 0, NULL);
	void *p = kmem_cache_alloc(a, GFP_KERNEL);
	kmem_cache_free(b, p);
}

static void destroy_live(void)
{
	struct kmem_cache *c = kmem_cache_create("live", 128, 0, 0, NULL);
	kmem_cache_alloc(c, GFP_KERNEL);
	kmem_cache_destroy(c);
}

/* Without a misuse nothing fires: the harness of this test can fail. */
static void no_misuse(void)
{
	void *p = kmalloc(40, GFP_KERNEL);
	kfree(p);
}

/* __GFP_NOFAIL with nothing left at all: the documented panic. */
static void nofail_exhausted(void)
{
	while (nr_free_pages())
		alloc_pages(GFP_KERNEL | __GFP_NOFAIL, 0);
	alloc_pages(GFP_KERNEL | __GFP_NOFAIL, 0);
}

static void test_panics(void)
{
	struct outcome o;

	expect_panic("double free", double_free, "double-free");
	expect_panic_msg("nofail, nothing left", nofail_exhausted, "nofail-oom",
			 "no block left and nothing to reclaim");
	expect_panic("double free after merge", double_free_merged, "double-free");
	expect_panic("put after free", put_after_free, "refcount-underflow");
	expect_panic("get after free", get_after_free, "refcount-underflow");
	expect_panic("free reserved", free_reserved, "bad-free");
	expect_panic("free tail", free_tail, "bad-free");
	expect_panic("free inner", free_inner, "bad-free");
	expect_panic("free foreign", free_foreign_page, "bad-free");
	expect_panic("free_pages outside", free_pages_outside, "bad-free");
	expect_panic("wrong order", free_wrong_order, "free-wrong-order");
	expect_panic("order one too big", free_order_too_big, "free-wrong-order");
	expect_panic_msg("misaligned struct page", free_misaligned_page_pointer, "bad-free",
			 "not in mem_map");
	expect_panic_msg("one past mem_map", free_one_past_map, "bad-free", "not in mem_map");
	expect_panic_msg("one before mem_map", free_one_before_map, "bad-free", "not in mem_map");
	expect_panic_msg("last page of mem_map", free_last_in_map, "double-free",
			 "is already free");
	expect_panic_msg("head with refcount 0", free_head_refcount_zero, "double-free",
			 "has refcount 0");
	expect_panic_msg("inside a free block", free_inside_free_block, "double-free",
			 "is already free");
	expect_panic_msg("get foreign", get_foreign_page, "bad-page", "not in mem_map");
	expect_panic_msg("put misaligned", put_misaligned_page_pointer, "bad-page",
			 "not in mem_map");
	expect_panic_msg("put tail after free", put_tail_after_free, "refcount-underflow",
			 "put_page: pfn");
	expect_panic("kfree twice", kfree_twice, "slab-double-free");
	expect_panic("cache free twice", cache_free_twice, "slab-double-free");
	expect_panic("kfree inside", kfree_inside_object, "slab-bad-free");
	expect_panic("kfree stack", kfree_stack, "slab-bad-free");
	expect_panic("kfree page", kfree_page, "slab-bad-free");
	expect_panic("kfree large middle", kfree_large_middle, "slab-bad-free");
	expect_panic("kfree slab header", kfree_slab_header, "slab-bad-free");
	expect_panic_msg("past the last object", kfree_past_last_object, "slab-bad-free",
			 "not at an object boundary");
	expect_panic("other cache", cache_free_other_cache, "slab-bad-free");
	expect_panic("destroy live", destroy_live, "cache-destroy-live-objects");

	run_child(no_misuse, &o);
	CHECK(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0);
	CHECK(strstr(o.out, "KERNEL PANIC") == NULL);
}

/* The message is formatted by __panic through vsnprintk. */
static void panic_message(void)
{
	panic("test-check", "value %d of %s", 42, "things");
}

static void test_panic_format(void)
{
	struct outcome o;

	run_child(panic_message, &o);
	CHECK(strstr(o.out, "KERNEL PANIC: test-check in panic_message: value 42 of things\n") !=
	      NULL);
	CHECK(strstr(o.out, "HOOK-PANIC test-check from panic_message") != NULL);
}

/* ---- poisoning (ASan builds only) ---- */

#ifdef HOST_ASAN
static volatile unsigned char sink;

static void touch_freed_page(void)
{
	struct page *p = alloc_pages(GFP_KERNEL, 0);
	unsigned char *b = page_address(p);
	__free_pages(p, 0);
	sink = b[100];
}

static void touch_never_allocated(void)
{
	/* Any usable page at boot is free, hence poisoned. */
	sink = *(unsigned char *)((ktest_arena.usable[1].end_pfn - 1) << PAGE_SHIFT);
}

static void touch_freed_object(void)
{
	unsigned char *p = kmalloc(64, GFP_KERNEL);
	kfree(p);
	sink = p[0];
}

static void touch_past_object(void)
{
	/* 40 bytes in a 40-byte cache of stride 48: the padding is poisoned. */
	struct kmem_cache *c = kmem_cache_create("pad", 40, 0, 0, NULL);
	unsigned char *p = kmem_cache_alloc(c, GFP_KERNEL);
	p[39] = 1;
	sink = p[40];
}

/* Memory dirtied and freed in a previous run is poisoned again by the
 * (filtered) reset, and untouched memory stayed poisoned. */
static unsigned char *dirty_page;

static void touch_after_reset(void)
{
	host_mm_reset(&ktest_arena);
	sink = dirty_page[0];
}

static void use_after_reset_allocated(void)
{
	/* Allocated, left allocated, then reset: the page is free again. */
	unsigned char *p = page_address(alloc_pages(GFP_KERNEL, 3));
	p[5] = 1;
	host_mm_reset(&ktest_arena);
	sink = p[PAGE_SIZE * 7 + 5];
}

static void expect_asan(const char *name, void (*fn)(void))
{
	struct outcome o;

	run_child(fn, &o);
	bool died = !(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0);
	const char *r = strstr(o.out, "use-after-poison");

	CHECK(died);
	CHECK(r != NULL);
	if (!died || !r)
		fprintf(stderr, "%s: expected an ASan report; child said:\n%s\n", name, o.out);
}

static void test_poison(void)
{
	expect_asan("freed page", touch_freed_page);
	expect_asan("never allocated", touch_never_allocated);
	expect_asan("freed object", touch_freed_object);
	expect_asan("object padding", touch_past_object);
	expect_asan("allocated then reset", use_after_reset_allocated);

	/* Dirty a page in this process, free it, then check in a child that
	 * a reset leaves it poisoned. */
	ktest_boot();
	struct page *p = alloc_pages(GFP_KERNEL, 0);
	dirty_page = page_address(p);
	memset(dirty_page, 0x42, PAGE_SIZE);
	__free_pages(p, 0);
	expect_asan("dirty then reset", touch_after_reset);
}
#endif

int main(void)
{
	test_panics();
	test_panic_format();
#ifdef HOST_ASAN
	test_poison();
#endif
	return check_finish("test_panic");
}
