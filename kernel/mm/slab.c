/* Object caches in the SLAB style.
 *
 * A slab is a compound block of 1 << order pages cut into num objects of
 * stride bytes. Its descriptor lives in the head struct page (PG_slab,
 * slab_cache, s_mem, freelist, active). The free objects are tracked by an
 * array of object indices, freelist[active..num) holding the free ones,
 * followed by a bitmap of allocated objects that makes a double free a
 * one-bit test. Neither ever lives inside an object, so free objects can be
 * poisoned: the array sits at the start of the slab for small objects and
 * in a kmalloc'ed block ("off slab") for big ones.
 *
 * A slab is on exactly one of its cache's lists: full, partial or free.
 * Empty slabs are kept until kmem_cache_shrink(), like SLAB's free lists.
 *
 * With more than one CPU, objects also park in per-CPU arrays and a shared
 * pool in front of the lists (slab_cpu.c, docs/cpus.md); the lists are
 * then under the cache's lock.
 */
#include "arch.h"
#include "lib.h"
#include "mm/might_sleep.h"
#include "mm/slab.h"
#include "slab_internal.h"

/* Every cache, for kmem_cache_shrink_all() and cache_reap(), under
 * cache_chain_lock. */
static struct list_head cache_chain;
static spinlock_t cache_chain_lock;

/* User caches' descriptors are objects of this cache, so creating a cache
 * is an allocation like any other (and can fail under fault injection). */
static struct kmem_cache cache_cache;

/* ---- layout ---- */

/* Index array plus allocation bitmap for n objects. */
static size_t mgmt_bytes(unsigned int n)
{
	return n * sizeof(unsigned short) + (n + 7) / 8;
}

/* How many objects fit in a slab of this order. On-slab management data
 * comes first, padded so the first object is aligned. */
static unsigned int objs_per_slab(const struct kmem_cache *c, unsigned int order)
{
	size_t bytes = PAGE_SIZE << order;
	size_t n = bytes / c->stride;

	/* Indices are unsigned short. */
	if (n > 0xffff)
		n = 0xffff;
	if (!c->off_slab) {
		while (n && ALIGN_UP(mgmt_bytes((unsigned int)n), c->align) + n * c->stride > bytes)
			n--;
	}
	return (unsigned int)n;
}

/* The smallest order (up to 3) holding at least 8 objects keeps slab
 * overhead low without hoarding pages; objects too big for that take
 * order 3, or the smallest order that holds one at all. */
static bool choose_order(struct kmem_cache *c)
{
	for (unsigned int o = 0; o <= 3 && o <= MAX_ORDER; o++) {
		if (objs_per_slab(c, o) >= 8) {
			c->order = o;
			return true;
		}
	}
	if (MAX_ORDER >= 3 && objs_per_slab(c, 3) >= 1) {
		c->order = 3;
		return true;
	}
	for (unsigned int o = 0; o <= MAX_ORDER; o++) {
		if (objs_per_slab(c, o) >= 1) {
			c->order = o;
			return true;
		}
	}
	return false;
}

static void copy_name(char *dst, const char *src)
{
	size_t i = 0;

	for (; src && src[i] && i < KMEM_NAME_MAX - 1; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

bool kmem_cache_setup(struct kmem_cache *c, const char *name, size_t size, size_t align,
		      unsigned int flags, void (*ctor)(void *), bool is_static)
{
	if (size == 0 || size > KMALLOC_MAX_SIZE)
		return false;
	if ((align & (align - 1)) != 0 || align > KMALLOC_MAX_SIZE)
		return false;

	memset(c, 0, sizeof(*c));
	copy_name(c->name, name);
	if (align < 8)
		align = 8;
	if ((flags & SLAB_HWCACHE_ALIGN) && align < CACHE_LINE_SIZE)
		align = CACHE_LINE_SIZE;
	c->object_size = size;
	c->align = align;
	c->stride = ALIGN_UP(size, align);
	c->flags = flags;
	c->ctor = ctor;
	c->is_static = is_static;
	c->off_slab = c->stride >= OFF_SLAB_MIN_SIZE;
	if (!choose_order(c))
		return false;
	c->num = objs_per_slab(c, c->order);
	c->mgmt_size = mgmt_bytes(c->num);
	c->s_mem_offset = c->off_slab ? 0 : ALIGN_UP(c->mgmt_size, c->align);
	return true;
}

void kmem_cache_link(struct kmem_cache *c)
{
	INIT_LIST_HEAD(&c->slabs_full);
	INIT_LIST_HEAD(&c->slabs_partial);
	INIT_LIST_HEAD(&c->slabs_free);
	c->nr_slabs = 0;
	c->nr_active = 0;
	cpu_cache_attach(c);
	spin_lock(&cache_chain_lock);
	list_add_tail(&c->next, &cache_chain);
	spin_unlock(&cache_chain_lock);
}

/* ---- slabs ---- */

static unsigned char *slab_bitmap(const struct kmem_cache *c, const struct page *slab)
{
	return (unsigned char *)(slab->freelist + c->num);
}

static void *index_to_obj(const struct kmem_cache *c, const struct page *slab, unsigned int idx)
{
	return (char *)slab->s_mem + (size_t)idx * c->stride;
}

static void slab_move(struct page *slab, struct list_head *list)
{
	list_del(&slab->lru);
	list_add(&slab->lru, list);
}

/* Slab pages never inherit the caller's class or zeroing: objects are
 * zeroed one by one, and every slab page is accounted to PGC_SLAB. */
static gfp_t slab_page_gfp(gfp_t gfp)
{
	return (gfp & ~(__GFP_ZERO | GFP_CLASS_MASK)) | __GFP_COMP | GFP_CLASS(PGC_SLAB);
}

/* Where the index array goes; NULL if an off-slab array could not be had. */
static unsigned short *alloc_mgmt(struct kmem_cache *c, void *base, gfp_t gfp)
{
	if (!c->off_slab)
		return base;
	return kmalloc(c->mgmt_size, gfp & ~(__GFP_ZERO | GFP_CLASS_MASK));
}

/* Add one empty slab to the cache. On failure nothing taken is kept. */
struct page *cache_grow(struct kmem_cache *c, gfp_t gfp)
{
	struct page *slab;
	char *base;

	might_sleep(gfp);
	slab = alloc_pages(slab_page_gfp(gfp), c->order);
	if (!slab)
		return NULL;
	base = page_address(slab);
	slab->freelist = alloc_mgmt(c, base, gfp);
	if (!slab->freelist) {
		__free_pages(slab, c->order);
		return NULL;
	}
	slab->flags |= PG_slab;
	slab->slab_cache = c;
	slab->s_mem = base + c->s_mem_offset;
	slab->active = 0;
	for (unsigned int i = 0; i < c->num; i++)
		slab->freelist[i] = (unsigned short)i;
	memset(slab_bitmap(c, slab), 0, (c->num + 7) / 8);

	/* Constructed once per slab lifetime; objects keep that state
	 * across free and reuse. */
	if (c->ctor) {
		for (unsigned int i = 0; i < c->num; i++)
			c->ctor(index_to_obj(c, slab, i));
	}
	/* Objects and the padding after them stay poisoned until handed out. */
	arch_poison(slab->s_mem, (size_t)(base + (PAGE_SIZE << c->order) - (char *)slab->s_mem));

	cache_lock(c);
	list_add(&slab->lru, &c->slabs_free);
	c->nr_slabs++;
	cpu_cache_count(c, c->num);
	trace_slab_grow(c, slab, c->num);
	cache_unlock(c);
	return slab;
}

static void slab_destroy(struct kmem_cache *c, struct page *slab)
{
	trace_slab_destroy(c, slab, c->num);
	list_del(&slab->lru);
	if (c->off_slab)
		kfree(slab->freelist);
	slab->flags &= ~PG_slab;
	slab->slab_cache = NULL;
	slab->freelist = NULL;
	slab->s_mem = NULL;
	c->nr_slabs--;
	cpu_cache_count(c, -(long)c->num);
	__free_pages(slab, c->order);
}

/* Partially used slabs first, so empty ones can be given back. */
struct page *slab_pick(struct kmem_cache *c)
{
	if (!list_empty(&c->slabs_partial))
		return list_first_entry(&c->slabs_partial, struct page, lru);
	if (!list_empty(&c->slabs_free))
		return list_first_entry(&c->slabs_free, struct page, lru);
	return NULL;
}

/* ---- objects ---- */

void *slab_get_obj(struct kmem_cache *c, struct page *slab)
{
	unsigned char *bitmap;
	unsigned int idx;

	idx = slab->freelist[slab->active++];
	bitmap = slab_bitmap(c, slab);
	if (idx >= c->num || (bitmap[idx / 8] & (1u << (idx % 8))))
		panic("slab-freelist-corrupt", "%s: free index %u is not free", c->name, idx);
	bitmap[idx / 8] |= (unsigned char)(1u << (idx % 8));
	if (slab->active == c->num)
		slab_move(slab, &c->slabs_full);
	else if (slab->active == 1)
		slab_move(slab, &c->slabs_partial);
	c->nr_active++;
	return index_to_obj(c, slab, idx);
}

void *kmem_cache_alloc(struct kmem_cache *c, gfp_t gfp)
{
	struct page *slab;
	void *obj;

	might_sleep(gfp);
	if (should_fail_alloc(gfp, c->object_size))
		return NULL;
	if (cpu_cache_active(c)) {
		obj = cpu_cache_alloc(c, gfp);
		if (!obj)
			return NULL;
	} else {
		slab = slab_pick(c);
		if (!slab)
			slab = cache_grow(c, gfp);
		if (!slab)
			return NULL;
		obj = slab_get_obj(c, slab);
	}
	trace_slab_obj(c, obj, true);
	arch_unpoison(obj, c->object_size);
	if (gfp & __GFP_ZERO)
		memset(obj, 0, c->object_size);
	return obj;
}

struct page *virt_to_slab(const void *obj)
{
	struct page *page = virt_to_page(obj);

	if (!page)
		return NULL;
	page = compound_head(page);
	return (page->flags & PG_slab) ? page : NULL;
}

/* The object's index, if obj really is the start of an object of slab. */
static unsigned int obj_to_index(const struct kmem_cache *c, const struct page *slab,
				 const void *obj)
{
	uintptr_t p = (uintptr_t)obj, first = (uintptr_t)slab->s_mem;

	if (p < first || (p - first) % c->stride != 0 || (p - first) / c->stride >= c->num)
		panic("slab-bad-free", "%s: pointer is not at an object boundary", c->name);
	return (unsigned int)((p - first) / c->stride);
}

void slab_free(struct kmem_cache *c, struct page *slab, void *obj)
{
	unsigned int idx = obj_to_index(c, slab, obj);
	unsigned char *bitmap = slab_bitmap(c, slab);

	if (!(bitmap[idx / 8] & (1u << (idx % 8))))
		panic("slab-double-free", "%s: object %u is already free", c->name, idx);
	bitmap[idx / 8] &= (unsigned char)~(1u << (idx % 8));
	arch_poison(obj, c->object_size);
	slab->freelist[--slab->active] = (unsigned short)idx;
	if (slab->active == 0)
		slab_move(slab, &c->slabs_free);
	else if (slab->active == c->num - 1)
		slab_move(slab, &c->slabs_partial);
	c->nr_active--;
}

void slab_release(struct kmem_cache *c, struct page *slab, void *obj)
{
	if (cpu_cache_active(c))
		cpu_cache_free(c, slab, obj);
	else
		slab_free(c, slab, obj);
	trace_slab_obj(c, obj, false);
}

void kmem_cache_free(struct kmem_cache *c, void *obj)
{
	struct page *slab;

	if (!obj)
		return;
	slab = virt_to_slab(obj);
	if (!slab)
		panic("slab-bad-free", "%s: pointer is not in a slab page", c->name);
	if (slab->slab_cache != c)
		panic("slab-bad-free", "%s: object belongs to cache %s", c->name,
		      slab->slab_cache->name);
	slab_release(c, slab, obj);
}

unsigned long kmem_cache_in_use(const struct kmem_cache *c)
{
	return c->nr_active - cpu_cache_parked(c);
}

size_t kmem_cache_size(const struct kmem_cache *c)
{
	return c->object_size;
}

const char *kmem_cache_name(const struct kmem_cache *c)
{
	return c->name;
}

/* ---- caches ---- */

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align,
				     unsigned int flags, void (*ctor)(void *))
{
	struct kmem_cache layout, *c;

	/* Validate before allocating, so a refused cache costs nothing. */
	if (!kmem_cache_setup(&layout, name, size, align, flags, ctor, false))
		return NULL;
	c = kmem_cache_alloc(&cache_cache, GFP_KERNEL);
	if (!c)
		return NULL;
	*c = layout;
	kmem_cache_link(c);
	return c;
}

int kmem_cache_shrink(struct kmem_cache *c)
{
	int pages = 0;

	cpu_cache_drain(c);
	cache_lock(c);
	while (!list_empty(&c->slabs_free)) {
		slab_destroy(c, list_first_entry(&c->slabs_free, struct page, lru));
		pages += 1 << c->order;
	}
	cache_unlock(c);
	return pages;
}

void kmem_cache_destroy(struct kmem_cache *c)
{
	if (!c)
		return;
	if (c->is_static)
		panic("bad-cache", "%s: a boot cache cannot be destroyed", c->name);
	/* Parked objects are free, but their slabs count them as taken. */
	cpu_cache_drain(c);
	if (!list_empty(&c->slabs_full) || !list_empty(&c->slabs_partial))
		panic("cache-destroy-live-objects", "%s: %lu objects still allocated", c->name,
		      c->nr_active);
	spin_lock(&cache_chain_lock);
	kmem_cache_shrink(c);
	list_del(&c->next);
	spin_unlock(&cache_chain_lock);
	cpu_cache_detach(c);
	kmem_cache_free(&cache_cache, c);
}

/* Other caches first: their off-slab index arrays live in kmalloc caches,
 * whose slabs may only become empty once those are freed (so the kmalloc
 * caches get a second pass). The cache of caches goes last for the same
 * reason. */
void kmem_cache_shrink_all(void)
{
	struct list_head *pos;

	spin_lock(&cache_chain_lock);
	list_for_each(pos, &cache_chain) {
		struct kmem_cache *c = list_entry(pos, struct kmem_cache, next);

		if (c != &cache_cache)
			kmem_cache_shrink(c);
	}
	kmalloc_shrink_all();
	kmem_cache_shrink(&cache_cache);
	spin_unlock(&cache_chain_lock);
}

/* The periodic reaper, run on one CPU: every cache gives back part of
 * that CPU's array and of its shared pool. The chain lock keeps caches
 * from going away under the walk, so nothing preempts a reap. */
void cache_reap(void)
{
	struct list_head *pos;

	spin_lock(&cache_chain_lock);
	list_for_each(pos, &cache_chain)
		cpu_cache_reap(list_entry(pos, struct kmem_cache, next));
	spin_unlock(&cache_chain_lock);
}

static void walk_list(struct kmem_cache *c, struct list_head *head, enum slab_list list,
		      void (*fn)(void *, const struct kmem_cache *, struct page *, enum slab_list,
				 unsigned int),
		      void *ctx)
{
	struct list_head *pos;

	list_for_each(pos, head) {
		struct page *slab = list_entry(pos, struct page, lru);

		fn(ctx, c, slab, list, slab->active);
	}
}

void kmem_cache_walk(void (*fn)(void *ctx, const struct kmem_cache *c, struct page *slab,
				enum slab_list list, unsigned int active),
		     void *ctx)
{
	struct list_head *pos;

	list_for_each(pos, &cache_chain) {
		struct kmem_cache *c = list_entry(pos, struct kmem_cache, next);

		walk_list(c, &c->slabs_full, SLAB_LIST_FULL, fn, ctx);
		walk_list(c, &c->slabs_partial, SLAB_LIST_PARTIAL, fn, ctx);
		walk_list(c, &c->slabs_free, SLAB_LIST_FREE, fn, ctx);
	}
}

/* Boot state: no slabs anywhere. Slab pages of a previous run are simply
 * forgotten; buddy_init() has already taken the memory back. */
void kmem_cache_init(void)
{
	INIT_LIST_HEAD(&cache_chain);
	spin_lock_init(&cache_chain_lock, "cache_chain");
	slab_cpu_init();
	kmem_cache_setup(&cache_cache, "kmem_cache", sizeof(struct kmem_cache), 0, 0, NULL, true);
	kmem_cache_link(&cache_cache);
	kmalloc_init();
}
