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
	unsigned int order;  /* a slab is 1 << order pages */
	unsigned int num;    /* objects per slab */
	bool off_slab;       /* index array kmalloc'ed, not at the slab start */
	bool is_static;      /* kmalloc caches and the cache of caches */
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

/* kmalloc.c: (re)build the kmalloc caches; shrink them biggest first. */
void kmalloc_init(void);
void kmalloc_shrink_all(void);

#endif
