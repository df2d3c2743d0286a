/* Object ops (kmalloc family, kmem_cache) and the object model: live
 * objects are disjoint, inside slab pages, aligned, ksize >= size, zeroed
 * when asked, constructed when the cache has a ctor, and keep their
 * contents until freed. */
#include <string.h>

#include "world.h"

#define CTOR_BYTE 0xc7
#define KMALLOC_MIN_ALIGN 8

static const char *const cache_names[NR_CACHE_SLOTS] = {
	"mmrig-c0",
	"mmrig-c1",
	"mmrig-c2",
	"mmrig-c3",
	"mmrig-c4",
	"mmrig-c5",
	/* The longest name a cache keeps whole, and one it must cut. */
	"mmrig-c6-kept-whole-31-bytes-ok",
	"mmrig-c7-cut-at-31-bytes-xxxxxxyz",
};
_Static_assert(sizeof("mmrig-c6-kept-whole-31-bytes-ok") == KMEM_NAME_MAX,
	       "slot 6's name is the longest kept whole");

/* The name the kernel must report for a cache of slot i. */
static bool cache_name_kept(const struct kmem_cache *k, int slot)
{
	const char *want = cache_names[slot], *got = kmem_cache_name(k);
	size_t i = 0;

	for (; i < KMEM_NAME_MAX - 1 && want[i]; i++)
		if (got[i] != want[i])
			return false;
	return got[i] == '\0';
}

/* A ctor only gets the object; each cache slot has its own so it knows
 * how many bytes to construct. */
static size_t ctor_size[NR_CACHE_SLOTS];
/* A table: one ctor per cache slot. */
/* clang-format off */
#define DEFINE_CTOR(n) \
	static void ctor_##n(void *obj) { memset(obj, CTOR_BYTE, ctor_size[n]); }
DEFINE_CTOR(0) DEFINE_CTOR(1) DEFINE_CTOR(2) DEFINE_CTOR(3)
DEFINE_CTOR(4) DEFINE_CTOR(5) DEFINE_CTOR(6) DEFINE_CTOR(7)
static void (*const ctors[NR_CACHE_SLOTS])(void *) = {
	ctor_0, ctor_1, ctor_2, ctor_3, ctor_4, ctor_5, ctor_6, ctor_7,
};
/* clang-format on */

static bool is_pow2(size_t x)
{
	return x && !(x & (x - 1));
}

/* kmalloc's size classes, as the kernel documents them: a request takes
 * the smallest that fits; above the last one it takes a buddy block of
 * the smallest order that fits. */
static const size_t kmalloc_classes[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};

static size_t kmalloc_class(size_t size)
{
	for (size_t i = 0; i < sizeof(kmalloc_classes) / sizeof(kmalloc_classes[0]); i++)
		if (size <= kmalloc_classes[i])
			return kmalloc_classes[i];
	return 0;
}

static unsigned int large_order(size_t size)
{
	unsigned int order = 0;

	while (((size_t)PAGE_SIZE << order) < size)
		order++;
	return order;
}

/* A cache may fail an allocation when the fault was injected into the
 * allocation itself, or when it has no free object and growing it failed
 * (injected, or the buddy allocator legally out of the slab's block). A
 * grow's failure excuses nothing while a free object was there: that
 * grow should not have happened. */
static bool cache_failure_legal(struct exec *e, long free_objects)
{
	if (free_objects)
		return e->injected && !e->injected_grow;
	return e->injected || e->page_fail_legal;
}

/* What a failed kmalloc may blame: a request no block can hold, an
 * injected fault, and otherwise its own class cache or, for a large
 * request, the smallest fitting buddy block being unavailable (not the
 * order the kernel happened to ask for). */
static bool failure_legal(struct exec *e, size_t size)
{
	char name[32];

	if (size > KMALLOC_MAX_SIZE)
		return true;
	if (size > KMALLOC_MAX_CACHE_SIZE)
		return e->injected || zone_alloc_fails(e, large_order(size), caller_gfp(e));
	snprintf(name, sizeof(name), "kmalloc-%zu", kmalloc_class(size));
	return cache_failure_legal(e, slab_model_free_named(e, name));
}

/* The largest order a kmalloc class's slab takes (choose_order: at most
 * 3), plus one for an off-slab index array from another class. */
#define KMALLOC_GROW_ORDER_BOUND 4

/* A __GFP_NOFAIL kmalloc the kernel would answer with its documented panic
 * (no block its zonelist may take, docs/zones.md) is not run, as for
 * alloc_pages. A slab class with an object at hand grows nothing; one
 * without is judged by the largest block a grow could need. */
static bool nofail_would_panic(struct exec *e, size_t size)
{
	gfp_t gfp = caller_gfp(e);
	char name[32];

	if (!(gfp & __GFP_NOFAIL) || !size || size > KMALLOC_MAX_SIZE)
		return false;
	if (size > KMALLOC_MAX_CACHE_SIZE)
		return zone_nofail_would_panic(e, large_order(size), gfp);
	snprintf(name, sizeof(name), "kmalloc-%zu", kmalloc_class(size));
	return !slab_model_free_named(e, name) &&
	       zone_nofail_would_panic(e, KMALLOC_GROW_ORDER_BOUND, gfp);
}

/* The object kmalloc returned is of its size's class: the smallest
 * class cache that fits, or the smallest buddy block above them. */
static bool check_class(struct exec *e, int slot, const void *p, size_t size)
{
	const struct kmem_cache *owner = slab_model_owner(e, p);
	unsigned long head;
	unsigned int order, cls;
	char want[32];

	if (size > KMALLOC_MAX_CACHE_SIZE) {
		if (bm_find_allocated(e->model, pfn_of(p), &head, &order, &cls) &&
		    order == large_order(size))
			return true;
		diverge(e, "slab.large-order", "o%d (%zu bytes) a block of order %u", slot, size,
			large_order(size));
		diverge_actual(e, "order %u", order);
		return false;
	}
	snprintf(want, sizeof(want), "kmalloc-%zu", kmalloc_class(size));
	if (owner && !strcmp(kmem_cache_name(owner), want))
		return true;
	diverge(e, "slab.size-class", "o%d (%zu bytes) from %s", slot, size, want);
	diverge_actual(e, "%s", owner ? kmem_cache_name(owner) : "no slab");
	return false;
}

/* kmalloc promises natural alignment for power-of-two sizes; krealloc
 * does not (a shrink or a grow within ksize keeps the old object), so
 * REALLOC_CACHE asks only for the minimum. */
#define REALLOC_CACHE (-2)

static size_t required_align(struct exec *e, int cache, size_t size)
{
	if (cache == REALLOC_CACHE)
		return KMALLOC_MIN_ALIGN;
	if (cache < 0)
		return is_pow2(size) ? size : KMALLOC_MIN_ALIGN;
	struct cache_slot *c = &e->caches[cache];
	size_t a = c->align > KMALLOC_MIN_ALIGN ? c->align : KMALLOC_MIN_ALIGN;
	if (c->hwalign && a < CACHE_LINE_SIZE)
		a = CACHE_LINE_SIZE;
	return a;
}

static bool check_placement(struct exec *e, int slot, void *p, size_t size, int cache, int *rank)
{
	uintptr_t a = (uintptr_t)p;
	size_t align = required_align(e, cache, size);
	unsigned long head;
	unsigned int order, cls;

	if (a % align) {
		diverge(e, "slab.misaligned", "o%d (%zu bytes) aligned to %zu", slot, size, align);
		diverge_actual(e, "address is %zu bytes past an aligned one", (size_t)(a % align));
		return false;
	}
	if (!bm_find_allocated(e->model, pfn_of(p), &head, &order, &cls) ||
	    !(cls == PGC_SLAB ||
	      (cls == PGC_KMALLOC_LARGE && cache < 0 && (head << PAGE_SHIFT) == a)) ||
	    a + size > (head + (1ul << order)) << PAGE_SHIFT) {
		diverge(e, "slab.outside-slab",
			"o%d (%zu bytes) inside a slab page or a large kmalloc block", slot, size);
		diverge_actual(e, "the page under it is %s",
			       bm_find_allocated(e->model, pfn_of(p), &head, &order, &cls)
				       ? page_class_name(cls)
				       : "free");
		return false;
	}
	int at = objs_rank(e, a);

	*rank = at;
	for (int k = at - 1; k <= at; k++) {
		if (k < 0 || k >= e->nr_by_addr)
			continue;
		int i = e->by_addr[k];
		struct obj_slot *o = &e->objs[i];
		uintptr_t b = (uintptr_t)o->ptr;

		if (i != slot && a < b + o->size && b < a + size) {
			diverge(e, "slab.overlap", "o%d (%zu bytes) disjoint from live objects",
				slot, size);
			diverge_actual(e, "it overlaps o%d (%zu bytes) at offset %ld", i, o->size,
				       (long)(b - a));
			return false;
		}
	}
	return true;
}

static bool check_contents(struct exec *e, int slot, void *p, size_t size, bool zero, int cache)
{
	long off;

	if (zero && (off = first_nonzero(p, size)) >= 0) {
		diverge(e, "slab.not-zeroed", "o%d (%zu bytes) zeroed", slot, size);
		diverge_actual(e, "byte %ld is %#x", off, ((unsigned char *)p)[off]);
		return false;
	}
	if (!zero && cache >= 0 && e->caches[cache].ctor) {
		for (size_t i = 0; i < size; i++) {
			if (((unsigned char *)p)[i] != CTOR_BYTE) {
				diverge(e, "slab.ctor", "o%d in its constructed state", slot);
				diverge_actual(e, "byte %zu is %#x", i, ((unsigned char *)p)[i]);
				return false;
			}
		}
	}
	return true;
}

/* Oracles for a fresh object, then the object model takes it. */
static void adopt(struct exec *e, int slot, void *p, size_t size, bool zero, int cache)
{
	struct obj_slot *o = &e->objs[slot];
	int rank = 0;

	if (!p) {
		if (cache < 0 && size <= KMALLOC_MAX_SIZE && (caller_gfp(e) & __GFP_NOFAIL)) {
			diverge(e, "gfp.nofail", "a __GFP_NOFAIL kmalloc of %zu bytes to succeed",
				size);
			diverge_actual(e, "NULL");
			return;
		}
		bool legal = cache < 0 ? failure_legal(e, size)
				       : cache_failure_legal(e, slab_model_free_objects(
									e, e->caches[cache].cache));

		if (!legal) {
			diverge(e, "slab.spurious-failure",
				"a %zu-byte object: no fault was "
				"injected, and a free object or block that fits was there",
				size);
			diverge_actual(e, "NULL");
		}
		return;
	}
	if (size == 0 && cache < 0) {
		if (p != ZERO_SIZE_PTR) {
			diverge(e, "slab.zero-size", "ZERO_SIZE_PTR for a 0-byte request");
			diverge_actual(e, "a real pointer");
			return;
		}
	} else {
		if (p == ZERO_SIZE_PTR || size > KMALLOC_MAX_SIZE) {
			diverge(e, "slab.bad-result", "a real object of %zu bytes", size);
			diverge_actual(e, p == ZERO_SIZE_PTR ? "ZERO_SIZE_PTR"
							     : "an object above KMALLOC_MAX_SIZE");
			return;
		}
		size_t usable = cache < 0 ? ksize(p) : kmem_cache_size(e->caches[cache].cache);
		if (usable < size) {
			diverge(e, "slab.ksize", "ksize(o%d) >= %zu", slot, size);
			diverge_actual(e, "%zu", usable);
			return;
		}
		if (!check_placement(e, slot, p, size, cache, &rank) ||
		    (cache == -1 && !check_class(e, slot, p, size)) ||
		    !check_contents(e, slot, p, size, zero, cache))
			return;
	}
	o->live = true;
	o->ptr = p;
	o->size = size;
	o->cache = cache < 0 ? -1 : cache;
	o->seed = tag_seed(e, (unsigned int)slot + NR_PAGE_SLOTS);
	if (size) {
		tag_stamp(p, size, o->seed);
		objs_insert(e, slot, rank);
	}
}

static bool verify_object(struct exec *e, int slot)
{
	struct obj_slot *o = &e->objs[slot];
	long off;

	if (!o->size || (off = tag_verify(o->ptr, o->size, o->seed, o->size)) < 0)
		return true;
	diverge(e, "slab.corrupted", "o%d (%zu bytes) to keep the contents written at allocation",
		slot, o->size);
	diverge_actual(e, "byte %ld changed while it was live", off);
	return false;
}

bool objects_verify_all(struct exec *e)
{
	for (int i = 0; i < NR_OBJ_SLOTS; i++)
		if (e->objs[i].live && !verify_object(e, i))
			return false;
	return true;
}

/* A large kmalloc is a buddy block of its own: freeing the object must
 * give the block back at once. */
static bool large_block(struct exec *e, const void *p)
{
	unsigned long head;
	unsigned int order, cls;

	return bm_find_allocated(e->model, pfn_of(p), &head, &order, &cls) &&
	       cls == PGC_KMALLOC_LARGE && (head << PAGE_SHIFT) == (uintptr_t)p;
}

static void free_object(struct exec *e, int slot, bool via_cache)
{
	struct obj_slot *o = &e->objs[slot];

	if (!verify_object(e, slot))
		return;
	if (o->cache >= 0 && e->caches[o->cache].ctor)
		memset(o->ptr, CTOR_BYTE, o->size); /* the caller's side of the ctor contract */
	/* A block is at least a page: smaller objects skip the model lookup
	 * here (the leak oracle at the end still sees any block kept). */
	bool large = o->size >= PAGE_SIZE && large_block(e, o->ptr);
	if (via_cache && o->cache >= 0)
		kmem_cache_free(e->caches[o->cache].cache, o->ptr);
	else
		kfree(o->ptr);
	o->live = false;
	if (o->size)
		objs_remove(e, slot);
	if (large && large_block(e, o->ptr)) {
		diverge(e, "leak.kmalloc-large-not-freed", "the block under o%d freed by kfree",
			slot);
		diverge_actual(e, "it is still allocated");
	}
}

void obj_slot_release(struct exec *e, int slot)
{
	if (e->objs[slot].live)
		free_object(e, slot, true);
	else
		vm_slot_release(e, slot); /* the handle held an area, or nothing */
}

/* Objects of a cache die with it: free them first, as a caller must. */
void cache_slot_release(struct exec *e, int slot)
{
	struct cache_slot *c = &e->caches[slot];

	if (!c->live)
		return;
	for (int i = 0; i < NR_OBJ_SLOTS && !diverged(e); i++)
		if (e->objs[i].live && e->objs[i].cache == slot)
			free_object(e, i, true);
	if (diverged(e))
		return;
	kmem_cache_destroy(c->cache);
	c->live = false;
}

/* With __GFP_ZERO the moved object is a zeroed kmalloc with the old
 * object's usable bytes copied in: past those it must read 0. */
static bool check_realloc_zeroed(struct exec *e, int slot, const unsigned char *p, size_t from,
				 size_t size)
{
	long off = from < size ? first_nonzero(p + from, size - from) : -1;

	if (off < 0)
		return true;
	diverge(e, "slab.not-zeroed", "o%d (%zu bytes) zeroed past the old object's %zu", slot,
		size, from);
	diverge_actual(e, "byte %ld is %#x", (long)from + off, p[from + (size_t)off]);
	return false;
}

static void do_krealloc(struct exec *e, const struct op *op)
{
	struct obj_slot *src = &e->objs[op->src];
	bool zero = op->gfp & OPG_ZERO;
	size_t keep;

	if (op->dst != op->src)
		obj_slot_release(e, op->dst);
	if (diverged(e))
		return;
	if (!src->live || src->cache >= 0) {
		/* krealloc of nothing is kmalloc; a cache object cannot be
		 * krealloc'ed, so it is left alone (or, being the destination,
		 * released) and kmalloc used instead. */
		obj_slot_release(e, op->dst);
		if (diverged(e) || nofail_would_panic(e, op->size))
			return;
		adopt(e, op->dst, krealloc(NULL, op->size, caller_gfp(e)), op->size, zero, -1);
		return;
	}
	if (!verify_object(e, op->src))
		return;
	struct obj_slot old = *src;
	size_t old_usable = ksize(old.ptr);

	if (op->size > old_usable && nofail_would_panic(e, op->size))
		return;
	void *p = krealloc(old.ptr, op->size, caller_gfp(e));

	if (!p && op->size) {
		if (op->size <= ksize(old.ptr)) {
			diverge(e, "slab.realloc-moved",
				"krealloc to %u bytes in place: the object has room", op->size);
			diverge_actual(e, "NULL");
		} else if ((caller_gfp(e) & __GFP_NOFAIL) && op->size <= KMALLOC_MAX_SIZE) {
			diverge(e, "gfp.nofail", "a __GFP_NOFAIL krealloc to %u bytes to succeed",
				op->size);
			diverge_actual(e, "NULL");
		} else if (!failure_legal(e, op->size)) {
			diverge(e, "slab.spurious-failure", "krealloc to %u bytes to succeed",
				op->size);
			diverge_actual(e, "NULL");
		}
		return; /* the old object stays live, in its slot */
	}
	src->live = false;
	if (old.size)
		objs_remove(e, op->src);
	if (op->size == 0) {
		if (p != ZERO_SIZE_PTR) {
			diverge(e, "slab.zero-size", "krealloc(p, 0) to return ZERO_SIZE_PTR");
			diverge_actual(e, "another pointer");
		}
		return;
	}
	if (p != old.ptr && op->size <= old_usable) {
		diverge(e, "slab.realloc-moved",
			"krealloc to %u bytes in place: the object has %zu usable bytes", op->size,
			old_usable);
		diverge_actual(e, "it moved");
		return;
	}
	keep = old.size < op->size ? old.size : op->size;
	long off = tag_verify(p, old.size, old.seed, keep);
	if (off >= 0) {
		diverge(e, "slab.realloc-prefix", "krealloc to keep the first %zu bytes", keep);
		diverge_actual(e, "byte %ld differs", off);
		return;
	}
	if (zero && p != old.ptr && !check_realloc_zeroed(e, op->dst, p, old_usable, op->size))
		return;
	/* A moved object is a new kmalloc of the new size, class and all. */
	adopt(e, op->dst, p, op->size, false, p == old.ptr ? REALLOC_CACHE : -1);
}

/* The kernel's argument rule for a cache: 1 byte to KMALLOC_MAX_SIZE
 * (the largest slab holds one such object), aligned to 0 or a power of
 * two up to KMALLOC_MAX_SIZE. Exactly these are created. */
static bool cache_args_ok(size_t size, size_t align)
{
	return size && size <= KMALLOC_MAX_SIZE && !(align & (align - 1)) &&
	       align <= KMALLOC_MAX_SIZE;
}

static void do_cache_create(struct exec *e, const struct op *op)
{
	struct cache_slot *c = &e->caches[op->dst];
	bool ctor = op->flags & OPC_CTOR, hw = op->flags & OPC_HWALIGN;
	size_t align = op_align(op);

	cache_slot_release(e, op->dst);
	if (diverged(e))
		return;
	ctor_size[op->dst] = op->size;
	struct kmem_cache *k = kmem_cache_create(cache_names[op->dst], op->size, align,
						 hw ? SLAB_HWCACHE_ALIGN : 0,
						 ctor ? ctors[op->dst] : NULL);
	if (!k) {
		/* A valid cache only fails as an allocation from the cache of
		 * cache descriptors may. */
		if (cache_args_ok(op->size, align) &&
		    !cache_failure_legal(e, slab_model_free_named(e, "kmem_cache"))) {
			diverge(e, "slab.spurious-failure",
				"kmem_cache_create(%u bytes, align %zu) to succeed", op->size,
				align);
			diverge_actual(e, "NULL");
		}
		return;
	}
	if (!cache_args_ok(op->size, align)) {
		diverge(e, "slab.bad-result",
			"kmem_cache_create(%u bytes, align %zu) to fail: "
			"0 bytes, over %lu, or an alignment that is no power of two or over it",
			op->size, align, (unsigned long)KMALLOC_MAX_SIZE);
		diverge_actual(e, "a cache was created");
		kmem_cache_destroy(k);
		return;
	}
	if (!cache_name_kept(k, op->dst)) {
		diverge(e, "slab.cache-name", "the cache's name \"%.*s\"", KMEM_NAME_MAX - 1,
			cache_names[op->dst]);
		diverge_actual(e, "\"%.*s\"", KMEM_NAME_MAX, kmem_cache_name(k));
	}
	c->live = true;
	c->cache = k;
	c->size = op->size;
	c->align = (unsigned int)align;
	c->hwalign = hw;
	c->ctor = ctor;
}

void op_slab(struct exec *e, const struct op *op)
{
	struct obj_slot *o = &e->objs[op->dst];
	size_t total;

	switch ((enum op_kind)op->kind) {
	case OP_KMALLOC:
	case OP_KZALLOC:
		e->caller_opg = op->gfp;
		obj_slot_release(e, op->dst);
		if (!diverged(e) && !nofail_would_panic(e, op->size))
			adopt(e, op->dst,
			      op->kind == OP_KZALLOC ? kzalloc(op->size, caller_gfp(e))
						     : kmalloc(op->size, caller_gfp(e)),
			      op->size, op->kind == OP_KZALLOC || (op->gfp & OPG_ZERO), -1);
		return;
	case OP_KCALLOC:
		e->caller_opg = op->gfp;
		obj_slot_release(e, op->dst);
		total = (size_t)op->n * op->size;
		if (!diverged(e) && !nofail_would_panic(e, total))
			adopt(e, op->dst, kcalloc(op->n, op->size, caller_gfp(e)), total, true, -1);
		return;
	case OP_KREALLOC:
		e->caller_opg = op->gfp;
		do_krealloc(e, op);
		return;
	case OP_KCALLOC_WRAP: {
		size_t each, count = op_wrap_count(op->size, op->n, &each);
		void *p = kcalloc(count, each, GFP_KERNEL);

		if (p) {
			diverge(e, "slab.calloc-overflow",
				"NULL for kcalloc(%zu, %zu): the product overflows", count, each);
			diverge_actual(e, "an object was returned");
			kfree(p);
		}
		return;
	}
	case OP_KFREE:
		if (o->live)
			free_object(e, op->dst, false);
		return;
	case OP_CACHE_FREE:
		if (o->live)
			free_object(e, op->dst, true);
		return;
	case OP_CACHE_CREATE:
		do_cache_create(e, op);
		return;
	case OP_CACHE_ALLOC: {
		struct cache_slot *c = &e->caches[op->src];
		bool zero = op->gfp & OPG_ZERO;

		if (!c->live)
			return;
		e->caller_opg = op->gfp;
		obj_slot_release(e, op->dst);
		if (!diverged(e))
			adopt(e, op->dst, kmem_cache_alloc(c->cache, caller_gfp(e)), c->size, zero,
			      op->src);
		return;
	}
	case OP_CACHE_SHRINK:
		if (e->caches[op->dst].live) {
			kmem_cache_shrink(e->caches[op->dst].cache);
			percpu_check_drained(e, e->caches[op->dst].cache);
		}
		return;
	case OP_CACHE_DESTROY:
		cache_slot_release(e, op->dst);
		return;
	case OP_CASES_PAGE:
	case OP_CASES_MM:
	case OP_CASES_CONTROL:
	case OP_KVMMAKE:
	case OP_ALIGNED_ALLOC:
	case OP_CASES_VMALLOC:
	case NR_OPS:
		break;
	}
	/* another family's kind, or none at all */
	exec_bad_op(e, op, "op_slab");
}
