/* SLAB's per-CPU array caches and per-cache shared pool (docs/cpus.md).
 *
 * With more than one CPU, a cache's free objects may park in front of its
 * slab lists: in each CPU's array_cache (taken and refilled by that CPU
 * alone, with interrupts off, so its fast paths need no lock), and in one
 * shared array per cache. A CPU whose array is empty refills batchcount
 * objects from the shared pool, else from the slab lists, and grows the
 * cache only when both are empty; a CPU whose array is full flushes its
 * oldest batchcount to the shared pool while it has room, the rest to
 * their slabs. The slab lists, the shared pool and the count of free
 * objects in the slabs are under the cache's lock.
 *
 * Other CPUs reach an array only to drain it (shrink, destroy): each
 * CPU's array is consistent at every point where another CPU may run
 * (every lock boundary), which a drain from elsewhere relies on.
 *
 * The arrays live in a static table rather than in kmalloc'ed blocks, so
 * turning CPUs on allocates nothing and a program's page-level history
 * is the same with one CPU or eight.
 */
#include "arch.h"
#include "lib.h"
#include "slab_internal.h"

/* Room for the largest array: the shared pool of a small-object cache. */
#define AC_ENTRIES 12
/* kmalloc's classes, the cache of caches, mm's caches and a program's
 * eight, with room to spare; a cache beyond them (only the kernel's unit
 * tests make so many) has no arrays. */
#define CPU_CACHE_SETS 32

struct array_cache {
	unsigned int avail; /* entry[0..avail) are parked objects, oldest first */
	unsigned int limit;
	unsigned int batchcount; /* moved at once by a refill or a flush */
	void *entry[AC_ENTRIES];
};

struct cpu_cache_set {
	bool used;
	spinlock_t lock;
	unsigned long free_objects; /* free objects on the slab lists */
	struct array_cache local[NR_CPUS];
	struct array_cache shared;
};

static struct cpu_cache_set sets[CPU_CACHE_SETS];

static struct cpu_cache_set *set_of(const struct kmem_cache *c)
{
	return c->cpu_slot ? &sets[c->cpu_slot - 1] : NULL;
}

bool cpu_cache_active(const struct kmem_cache *c)
{
	return c->cpu_slot && nr_cpu_ids() > 1;
}

void slab_cpu_init(void)
{
	memset(sets, 0, sizeof(sets));
}

/* Small objects park more of themselves (Linux's 120 / 54 / 24 / 8,
 * scaled to the rig's arenas): limits a short program reaches. */
static unsigned int array_limit(size_t stride)
{
	if (stride <= 256)
		return 6;
	if (stride <= 1024)
		return 4;
	return stride <= PAGE_SIZE ? 2 : 1;
}

void cpu_cache_attach(struct kmem_cache *c)
{
	for (unsigned int i = 0; i < CPU_CACHE_SETS; i++) {
		struct cpu_cache_set *s = &sets[i];
		unsigned int limit = array_limit(c->stride), batch = (limit + 1) / 2;

		if (s->used)
			continue;
		memset(s, 0, sizeof(*s));
		s->used = true;
		spin_lock_init(&s->lock, c->name);
		for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
			s->local[cpu] = (struct array_cache){ .limit = limit, .batchcount = batch };
		s->shared = (struct array_cache){ .limit = 4 * batch, .batchcount = batch };
		c->cpu_slot = (unsigned char)(i + 1);
		return;
	}
	c->cpu_slot = 0;
}

void cpu_cache_detach(struct kmem_cache *c)
{
	struct cpu_cache_set *s = set_of(c);

	if (s)
		s->used = false;
	c->cpu_slot = 0;
}

void cache_lock(struct kmem_cache *c)
{
	struct cpu_cache_set *s = set_of(c);

	if (s)
		spin_lock(&s->lock);
}

void cache_unlock(struct kmem_cache *c)
{
	struct cpu_cache_set *s = set_of(c);

	if (s)
		spin_unlock(&s->lock);
}

unsigned long cpu_cache_parked(const struct kmem_cache *c)
{
	const struct cpu_cache_set *s = set_of(c);
	unsigned long n;

	if (!cpu_cache_active(c))
		return 0;
	n = s->shared.avail;
	for (unsigned int cpu = 0; cpu < nr_cpu_ids(); cpu++)
		n += s->local[cpu].avail;
	return n;
}

void cpu_cache_count(struct kmem_cache *c, long delta)
{
	if (cpu_cache_active(c))
		set_of(c)->free_objects += (unsigned long)delta;
}

/* The n objects back to their slabs; returns n. Under the lock. */
static unsigned int free_block(struct kmem_cache *c, void *const *objs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		slab_free(c, virt_to_slab(objs[i]), objs[i]);
	return n;
}

/* The oldest n objects of ac back to their slabs. Under the lock. */
static void drain_array(struct kmem_cache *c, struct cpu_cache_set *s, struct array_cache *ac,
			unsigned int n)
{
	s->free_objects += free_block(c, ac->entry, n);
	ac->avail -= n;
	memmove(ac->entry, ac->entry + n, ac->avail * sizeof(void *));
}

/* The newest of up to batchcount objects of the shared pool into the
 * empty array ac; how many came. Under the lock. */
static unsigned int transfer_from_shared(struct cpu_cache_set *s, struct array_cache *ac)
{
	struct array_cache *sh = &s->shared;
	unsigned int n = sh->avail < ac->batchcount ? sh->avail : ac->batchcount;

	sh->avail -= n;
	memcpy(ac->entry + ac->avail, sh->entry + sh->avail, n * sizeof(void *));
	ac->avail += n;
	return n;
}

static void fill_from_slabs(struct kmem_cache *c, struct cpu_cache_set *s, struct array_cache *ac)
{
	struct page *slab;

	while (ac->avail < ac->batchcount && (slab = slab_pick(c))) {
		ac->entry[ac->avail++] = slab_get_obj(c, slab);
		s->free_objects--;
	}
}

/* This CPU's array is empty: refill it and take one, growing the cache
 * (with interrupts on and no lock: growing may sleep) only when the
 * shared pool and the slabs have nothing. Another CPU may run at every
 * lock boundary, so each round starts from what the array holds then. */
static void *cache_alloc_refill(struct kmem_cache *c, struct cpu_cache_set *s, gfp_t gfp,
				unsigned long *flags)
{
	struct array_cache *ac = &s->local[smp_processor_id()];
	struct page *slab;

	for (;;) {
		if (ac->avail)
			return ac->entry[--ac->avail];
		spin_lock(&s->lock);
		if (!transfer_from_shared(s, ac))
			fill_from_slabs(c, s, ac);
		spin_unlock(&s->lock);
		if (ac->avail)
			continue;
		local_irq_restore(*flags);
		slab = cache_grow(c, gfp);
		*flags = local_irq_save();
		if (!slab)
			return NULL;
	}
}

void *cpu_cache_alloc(struct kmem_cache *c, gfp_t gfp)
{
	struct cpu_cache_set *s = set_of(c);
	struct array_cache *ac = &s->local[smp_processor_id()];
	unsigned long flags = local_irq_save();
	void *obj = ac->avail ? ac->entry[--ac->avail] : cache_alloc_refill(c, s, gfp, &flags);

	local_irq_restore(flags);
	return obj;
}

/* This CPU's array is full: its oldest batchcount objects go to the
 * shared pool while it has room, the rest back to their slabs. */
static void cache_flusharray(struct kmem_cache *c, struct cpu_cache_set *s, struct array_cache *ac)
{
	struct array_cache *sh = &s->shared;
	unsigned int n = ac->batchcount, to_shared, at;
	unsigned long free;

	spin_lock(&s->lock);
	to_shared = sh->limit - sh->avail < n ? sh->limit - sh->avail : n;
	at = sh->avail;
	memcpy(sh->entry + at, ac->entry, to_shared * sizeof(void *));
	sh->avail = at + to_shared;
	free = s->free_objects + free_block(c, ac->entry + to_shared, n - to_shared);
	s->free_objects = free;
	ac->avail -= n;
	memmove(ac->entry, ac->entry + n, ac->avail * sizeof(void *));
	spin_unlock(&s->lock);
}

/* A caller's free: the object parks in this CPU's array (poisoned, as a
 * free object is), after a flush if the array is full. */
void cpu_cache_free(struct kmem_cache *c, struct page *slab, void *obj)
{
	struct cpu_cache_set *s = set_of(c);
	struct array_cache *ac = &s->local[smp_processor_id()];
	unsigned long flags;

	(void)slab;
	arch_poison(obj, c->object_size);
	flags = local_irq_save();
	while (ac->avail >= ac->limit)
		cache_flusharray(c, s, ac);
	ac->entry[ac->avail++] = obj;
	local_irq_restore(flags);
}

void cpu_cache_drain(struct kmem_cache *c)
{
	struct cpu_cache_set *s = set_of(c);

	if (!cpu_cache_active(c))
		return;
	spin_lock(&s->lock);
	for (unsigned int cpu = 0; cpu < nr_cpu_ids(); cpu++)
		drain_array(c, s, &s->local[cpu], s->local[cpu].avail);
	drain_array(c, s, &s->shared, s->shared.avail);
	spin_unlock(&s->lock);
}

/* What a reap takes from an array: a fifth of its limit, rounded up, as
 * far as it holds them. */
static unsigned int reap_count(const struct array_cache *ac)
{
	unsigned int n = (ac->limit + 4) / 5;

	return ac->avail < n ? ac->avail : n;
}

void cpu_cache_reap(struct kmem_cache *c)
{
	struct cpu_cache_set *s = set_of(c);
	struct array_cache *ac;
	unsigned long flags;

	if (!cpu_cache_active(c))
		return;
	flags = local_irq_save();
	ac = &s->local[smp_processor_id()];
	spin_lock(&s->lock);
	drain_array(c, s, ac, reap_count(ac));
	drain_array(c, s, &s->shared, reap_count(&s->shared));
	spin_unlock(&s->lock);
	local_irq_restore(flags);
}

bool kmem_cache_array(const struct kmem_cache *c, int cpu, struct array_cache_info *out)
{
	const struct cpu_cache_set *s = set_of(c);
	const struct array_cache *ac;

	if (!cpu_cache_active(c) || cpu >= (int)nr_cpu_ids())
		return false;
	ac = cpu < 0 ? &s->shared : &s->local[cpu];
	out->avail = ac->avail;
	out->limit = ac->limit;
	out->batchcount = ac->batchcount;
	out->entry = ac->entry;
	return true;
}

long kmem_cache_free_count(const struct kmem_cache *c)
{
	return cpu_cache_active(c) ? (long)set_of(c)->free_objects : -1;
}
