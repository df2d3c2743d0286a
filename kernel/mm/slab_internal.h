/* What slab.c and kmalloc.c share: the cache descriptor and the few entry
 * points one needs from the other. Not part of the public mm API. */
#ifndef MMRIG_MM_SLAB_INTERNAL_H
#define MMRIG_MM_SLAB_INTERNAL_H

#include "mm/slab.h"

/* Objects at or above this stride keep their index array off the slab, so
 * a slab of big (naturally aligned) objects is not cut short by it. */
#define OFF_SLAB_MIN_SIZE 512

struct kmem_cache {
	char name[KMEM_NAME_MAX];
	size_t object_size; /* bytes handed out, and unpoisoned, per object */
	size_t stride;      /* object_size rounded up to align */
	size_t align;
	unsigned int flags;
	void (*ctor)(void *);
	unsigned int order; /* a slab is 1 << order pages */
	unsigned int num;   /* objects per slab */
	bool off_slab;      /* index array kmalloc'ed, not at the slab start */
	bool is_static;     /* kmalloc caches and the cache of caches */
	/* 1 + the index of its array caches in slab_cpu.c's table, 0: none.
	 * Kept in the padding here, so the descriptor's size (and with it
	 * every cache-of-caches slab) is what it was before CPUs. */
	unsigned char cpu_slot;
	size_t mgmt_size;    /* index array + allocation bitmap, in bytes */
	size_t s_mem_offset; /* first object's offset inside the slab */
	struct list_head slabs_full;
	struct list_head slabs_partial;
	struct list_head slabs_free;
	unsigned long nr_slabs;  /* slabs owned by the cache */
	unsigned long nr_active; /* objects handed out */
	struct list_head next;   /* on cache_chain */
};

/* Fill c (from scratch) for objects of this geometry; false if the
 * arguments are invalid or no slab layout fits. */
bool kmem_cache_setup(struct kmem_cache *c, const char *name, size_t size, size_t align,
		      unsigned int flags, void (*ctor)(void *), bool is_static);
/* Empty slab lists, then onto the cache chain: c is live from here on. */
void kmem_cache_link(struct kmem_cache *c);

/* The slab head page holding obj, or NULL if obj is not in a slab page. */
struct page *virt_to_slab(const void *obj);
/* Return obj to its slab; panics on a double or misplaced free. */
void slab_free(struct kmem_cache *c, struct page *slab, void *obj);
/* A caller's free: parked in this CPU's array when c has one, else
 * slab_free(); then traced. */
void slab_release(struct kmem_cache *c, struct page *slab, void *obj);
/* A slab of c with a free object (partial first), or NULL; never grows. */
struct page *slab_pick(struct kmem_cache *c);
/* Take one free object off slab (which may change lists). */
void *slab_get_obj(struct kmem_cache *c, struct page *slab);
/* One new empty slab on c's free list, or NULL. May sleep. */
struct page *cache_grow(struct kmem_cache *c, gfp_t gfp);

/* slab_cpu.c: the per-CPU array caches and shared pool of each cache
 * (docs/cpus.md). Active only with more than one CPU; with one, every
 * cache behaves as before CPUs existed. */
void slab_cpu_init(void);
void cpu_cache_attach(struct kmem_cache *c);
void cpu_cache_detach(struct kmem_cache *c);
bool cpu_cache_active(const struct kmem_cache *c);
/* No set free (more than CPU_CACHE_SETS caches): the cache runs without
 * arrays, as with one CPU. */
void *cpu_cache_alloc(struct kmem_cache *c, gfp_t gfp);
void cpu_cache_free(struct kmem_cache *c, struct page *slab, void *obj);
/* Every CPU's array and the shared pool back to the slabs. */
void cpu_cache_drain(struct kmem_cache *c);
/* cache_reap's share of c: part of this CPU's array and of the pool. */
void cpu_cache_reap(struct kmem_cache *c);
/* The cache's lock, when it has array caches; it guards the slab lists,
 * the shared pool and the free-object count. */
void cache_lock(struct kmem_cache *c);
void cache_unlock(struct kmem_cache *c);
/* Free objects joined (delta > 0) or left the slab lists; under the lock. */
void cpu_cache_count(struct kmem_cache *c, long delta);
/* Objects parked in c's arrays: taken from their slabs, handed out to no one. */
unsigned long cpu_cache_parked(const struct kmem_cache *c);
/* Objects of c its callers hold. */
unsigned long kmem_cache_in_use(const struct kmem_cache *c);

/* kmalloc.c: (re)build the kmalloc caches; shrink them biggest first. */
void kmalloc_init(void);
void kmalloc_shrink_all(void);

#endif
