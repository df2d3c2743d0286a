/* kmem_cache_*: geometry, constructors, shrink, destroy, leak-freedom. */
#include "ktest.h"

static unsigned long ctor_calls;

static void ctor_stamp(void *obj)
{
	ctor_calls++;
	memset(obj, 0xc7, 24);
}

/* Pages currently handed out to slab caches, from the tracepoints. */
static long slab_pages;

static void on_alloc(void *ctx, unsigned long pfn, unsigned int order, unsigned int pgc)
{
	(void)ctx;
	(void)pfn;
	if (pgc == PGC_SLAB)
		slab_pages += 1L << order;
}

static void on_free(void *ctx, unsigned long pfn, unsigned int order, unsigned int pgc)
{
	(void)ctx;
	(void)pfn;
	if (pgc == PGC_SLAB)
		slab_pages -= 1L << order;
}

static const struct host_hooks slab_hooks = { .page_alloc = on_alloc, .page_free = on_free };

static void boot(void)
{
	ktest_boot();
	slab_pages = 0;
	ctor_calls = 0;
	host_set_hooks(&slab_hooks);
}

static void test_alignment(void)
{
	static const struct {
		size_t size, align;
		unsigned int flags;
		size_t want;
	} cases[] = {
		{ 24, 0, 0, 8 },
		{ 5, 0, 0, 8 },
		{ 24, 32, 0, 32 },
		{ 24, 0, SLAB_HWCACHE_ALIGN, 64 },
		{ 100, 128, SLAB_HWCACHE_ALIGN, 128 },
		{ 100, 4096, 0, 4096 },
		{ 3000, 256, 0, 256 },
		{ 960, 0, 0, 8 },
	};

	boot();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct kmem_cache *c = kmem_cache_create("aligned", cases[i].size, cases[i].align,
							 cases[i].flags, NULL);
		void *o[30];

		CHECK(c != NULL);
		if (!c)
			continue;
		CHECK_EQ_UL(kmem_cache_size(c), cases[i].size);
		for (int k = 0; k < 30; k++) {
			o[k] = kmem_cache_alloc(c, GFP_KERNEL);
			CHECK(o[k] != NULL);
			CHECK_EQ_UL((uintptr_t)o[k] % cases[i].want, 0);
			/* A page of its own cache, found by kfree/ksize too. */
			CHECK(ksize(o[k]) == cases[i].size);
			memset(o[k], 0x3c, cases[i].size);
		}
		for (int k = 0; k < 30; k++) {
			if (k % 2)
				kmem_cache_free(c, o[k]);
			else
				kfree(o[k]);
		}
		kmem_cache_destroy(c);
	}
	kmem_cache_shrink_all();
	CHECK_EQ_UL(slab_pages, 0);
	CHECK(ktest_at_boot("alignment"));
}

static void test_ctor(void)
{
	struct kmem_cache *c;
	void *o[40];

	boot();
	c = kmem_cache_create("ctor", 24, 0, 0, ctor_stamp);
	CHECK(c != NULL);
	o[0] = kmem_cache_alloc(c, GFP_KERNEL);
	/* Constructed when the slab was made: every object of it, once. */
	CHECK(ctor_calls > 8);
	unsigned long per_slab = ctor_calls;
	const unsigned char *b = o[0];
	CHECK(b[0] == 0xc7 && b[23] == 0xc7);
	for (unsigned long k = 1; k < per_slab; k++)
		kmem_cache_alloc(c, GFP_KERNEL);
	CHECK_EQ_UL(ctor_calls, per_slab);
	/* The next one needs a second slab. */
	o[1] = kmem_cache_alloc(c, GFP_KERNEL);
	CHECK_EQ_UL(ctor_calls, 2 * per_slab);
	/* __GFP_ZERO wins over the constructed state. */
	void *z = kmem_cache_alloc(c, __GFP_ZERO);
	CHECK(((unsigned char *)z)[0] == 0 && ((unsigned char *)z)[23] == 0);
	/* Leave it all to a fresh boot: reset must cope with live caches. */
	ktest_boot();
	CHECK_EQ_UL(nr_free_pages(), 4014);
}

static void test_shrink_destroy(void)
{
	struct kmem_cache *c;
	void *o[100];

	boot();
	c = kmem_cache_create("shrinkme", 200, 0, 0, NULL);
	CHECK(kmem_cache_shrink(c) == 0);
	for (int i = 0; i < 100; i++)
		o[i] = kmem_cache_alloc(c, GFP_KERNEL);
	long used = slab_pages;
	CHECK(used > 1);
	/* Nothing is empty yet. */
	CHECK_EQ_UL(kmem_cache_shrink(c), 0);
	for (int i = 0; i < 100; i++)
		kmem_cache_free(c, o[i]);
	/* Empty slabs are kept until shrunk... */
	CHECK_EQ_UL(slab_pages, used);
	int released = kmem_cache_shrink(c);
	CHECK(released > 0);
	CHECK_EQ_UL(kmem_cache_shrink(c), 0);
	/* ...and all of this cache's pages go (the cache of caches keeps one). */
	CHECK(slab_pages <= used - released);
	kmem_cache_destroy(c);
	kmem_cache_destroy(NULL);
	kmem_cache_shrink_all();
	CHECK_EQ_UL(slab_pages, 0);
	CHECK(ktest_at_boot("shrink/destroy"));

	/* Many caches at once, so the cache of caches grows a second slab. */
	struct kmem_cache *caches[64];
	for (int i = 0; i < 64; i++) {
		caches[i] = kmem_cache_create("many", 16 + (size_t)i * 40, 0, 0, NULL);
		CHECK(caches[i] != NULL);
		void *x = kmem_cache_alloc(caches[i], GFP_KERNEL);
		CHECK(x != NULL);
		kmem_cache_free(caches[i], x);
	}
	for (int i = 63; i >= 0; i--)
		kmem_cache_destroy(caches[i]);
	kmem_cache_shrink_all();
	CHECK(ktest_at_boot("many caches"));
}

static void test_invalid_create(void)
{
	boot();
	CHECK(kmem_cache_create("zero", 0, 0, 0, NULL) == NULL);
	CHECK(kmem_cache_create("align3", 16, 3, 0, NULL) == NULL);
	CHECK(kmem_cache_create("huge", KMALLOC_MAX_SIZE + 1, 0, 0, NULL) == NULL);
	CHECK(kmem_cache_create("huge", 16UL << 20, 0, 0, NULL) == NULL);
	CHECK_EQ_UL(slab_pages, 0);
	CHECK(ktest_at_boot("invalid create"));

	/* Big objects still fit: one per slab at worst. */
	struct kmem_cache *c = kmem_cache_create("big", 100000, 0, 0, NULL);
	struct kmem_cache *m = kmem_cache_create("max", KMALLOC_MAX_SIZE, 0, 0, NULL);
	CHECK(c && m);
	void *a = kmem_cache_alloc(c, GFP_KERNEL), *b = kmem_cache_alloc(m, GFP_KERNEL);
	CHECK(a && b);
	memset(a, 1, 100000);
	memset(b, 2, KMALLOC_MAX_SIZE);
	kmem_cache_free(c, a);
	kmem_cache_free(m, b);
	kmem_cache_destroy(c);
	kmem_cache_destroy(m);
	kmem_cache_shrink_all();
	CHECK(ktest_at_boot("big caches"));
}

/* Objects of one slab are handed out LIFO: a freed object is the next. */
static void test_reuse_order(void)
{
	struct kmem_cache *c;

	boot();
	c = kmem_cache_create("lifo", 48, 0, 0, NULL);
	void *a = kmem_cache_alloc(c, GFP_KERNEL);
	void *b = kmem_cache_alloc(c, GFP_KERNEL);
	CHECK(a != b);
	kmem_cache_free(c, a);
	CHECK(kmem_cache_alloc(c, GFP_KERNEL) == a);
	kmem_cache_free(c, a);
	kmem_cache_free(c, b);
	kmem_cache_destroy(c);
	kmem_cache_shrink_all();
	CHECK(ktest_at_boot("reuse"));
}

/* A run that releases everything returns to the boot free structure, with
 * every kind of cache involved (on/off slab, kmalloc, user, cache of
 * caches). */
static void test_leak_free_run(void)
{
	static void *objs[300];
	struct kmem_cache *c1, *c2;

	boot();
	c1 = kmem_cache_create("run-small", 40, 0, SLAB_HWCACHE_ALIGN, ctor_stamp);
	c2 = kmem_cache_create("run-big", 1500, 0, 0, NULL);
	for (int i = 0; i < 300; i++) {
		switch (i % 4) {
		case 0:
			objs[i] = kmem_cache_alloc(c1, GFP_KERNEL);
			break;
		case 1:
			objs[i] = kmem_cache_alloc(c2, __GFP_ZERO);
			break;
		case 2:
			objs[i] = kmalloc((size_t)(i * 37) % 8192 + 1, GFP_KERNEL);
			break;
		default:
			objs[i] = kzalloc((size_t)(i * 977) % 70000 + 1, GFP_KERNEL);
			break;
		}
		CHECK(objs[i] != NULL);
	}
	for (int i = 299; i >= 0; i--)
		kfree(objs[i]);
	kmem_cache_destroy(c1);
	kmem_cache_destroy(c2);
	CHECK(slab_pages > 0);
	kmem_cache_shrink_all();
	CHECK_EQ_UL(slab_pages, 0);
	CHECK(ktest_at_boot("leak-free run"));
}

/* A cache keeps at most 31 characters of its name, NUL-terminated, and
 * the fields after the name are untouched by a long one. */
static void test_names(void)
{
	static const char n31[] = "abcdefghijklmnopqrstuvwxyz01234";
	static const char n40[] = "abcdefghijklmnopqrstuvwxyz0123456789ABCD";
	struct kmem_cache *a, *b;

	ktest_boot();
	a = kmem_cache_create(n31, 24, 0, 0, NULL);
	b = kmem_cache_create(n40, 24, 0, 0, NULL);
	CHECK(a && b);
	if (!a || !b)
		return;
	CHECK(strcmp(kmem_cache_name(a), n31) == 0);
	CHECK_EQ_UL(strlen(kmem_cache_name(b)), 31);
	CHECK(strncmp(kmem_cache_name(b), n40, 31) == 0);
	CHECK_EQ_UL(kmem_cache_size(b), 24);
	kmem_cache_destroy(a);
	kmem_cache_destroy(b);
}

int main(void)
{
	test_alignment();
	test_ctor();
	test_shrink_destroy();
	test_invalid_create();
	test_reuse_order();
	test_leak_free_run();
	test_names();
	return check_finish("test_slab");
}
