/* The slab model: which slab belongs to which cache, how many objects of
 * each slab are live, and so how many free objects each cache holds. The
 * slab tracepoints feed it, and it judges the slab layer's policy: a cache
 * grows only when it has no free object, a slab is destroyed only when
 * empty, and an object comes from a slab of the cache it was asked of.
 * The object ops then judge a failed allocation against it. */
#include <stdlib.h>
#include <string.h>

#include "world.h"

/* kmalloc's classes and the kernel's internal caches fit with room for
 * user caches destroyed and recreated at new addresses. */
#define MAX_SLAB_CACHES 64

struct cache_rec {
	const struct kmem_cache *c;
	long free; /* free objects in its slabs */
	long slabs;
};

struct slab_model {
	struct cache_rec recs[MAX_SLAB_CACHES];
	int nr;
	unsigned long cap_pfns, nr_pfns; /* the largest arena, this one */
	/* per pfn offset, for every page of a slab: its head's offset + 1 */
	uint32_t *head;
	/* per head pfn offset: the cache record + 1, live objects, capacity */
	uint8_t *owner;
	uint16_t *live, *num;
};

struct slab_model *slab_model_create(unsigned long nr_pfns)
{
	struct slab_model *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cap_pfns = s->nr_pfns = nr_pfns;
	s->head = calloc(nr_pfns, sizeof(*s->head));
	s->owner = calloc(nr_pfns, sizeof(*s->owner));
	s->live = calloc(nr_pfns, sizeof(*s->live));
	s->num = calloc(nr_pfns, sizeof(*s->num));
	if (!s->head || !s->owner || !s->live || !s->num) {
		slab_model_destroy(s);
		return NULL;
	}
	return s;
}

void slab_model_destroy(struct slab_model *s)
{
	if (!s)
		return;
	free(s->head);
	free(s->owner);
	free(s->live);
	free(s->num);
	free(s);
}

/* Boot: the kernel forgets its slabs, and so does the model. Only the
 * arena's pages are cleared: lookups never go past them. */
void slab_model_reset(struct slab_model *s, unsigned long nr_pfns)
{
	memset(s->recs, 0, sizeof(s->recs));
	s->nr = 0;
	s->nr_pfns = nr_pfns < s->cap_pfns ? nr_pfns : s->cap_pfns;
	memset(s->head, 0, s->nr_pfns * sizeof(*s->head));
	memset(s->owner, 0, s->nr_pfns * sizeof(*s->owner));
}

static struct cache_rec *rec_of(struct slab_model *s, const struct kmem_cache *c, bool add)
{
	int spare = -1;

	for (int i = 0; i < s->nr; i++) {
		if (s->recs[i].c == c)
			return &s->recs[i];
		if (spare < 0 && !s->recs[i].slabs && !s->recs[i].free)
			spare = i;
	}
	if (!add)
		return NULL;
	/* A cache with no slab left is forgotten: its address may come
	 * back as another cache. */
	if (spare < 0 && s->nr < MAX_SLAB_CACHES)
		spare = s->nr++;
	if (spare < 0)
		return NULL;
	s->recs[spare] = (struct cache_rec){ .c = c };
	return &s->recs[spare];
}

/* Free objects a CPU could take: not those parked in other CPUs' arrays
 * (docs/cpus.md); none is promised to an op another op ran inside. */
static long reachable(struct exec *e, const struct cache_rec *r)
{
	if (race_interleaved(e))
		return 0;
	return r->free - percpu_parked_local(r->c);
}

long slab_model_free_objects(struct exec *e, const struct kmem_cache *c)
{
	struct cache_rec *r = rec_of(e->slabs, c, false);

	return r ? reachable(e, r) : 0;
}

int slab_model_caches(struct exec *e, const struct kmem_cache **out, long *free, int max)
{
	struct slab_model *s = e->slabs;
	int n = 0;

	for (int i = 0; i < s->nr && n < max; i++) {
		if (!s->recs[i].slabs && !s->recs[i].free)
			continue;
		out[n] = s->recs[i].c;
		free[n++] = s->recs[i].free;
	}
	return n;
}

long slab_model_slab(struct exec *e, const void *p, unsigned int *live, unsigned int *num)
{
	struct slab_model *s = e->slabs;
	unsigned long off = pfn_of(p) - e->arena.base_pfn, head;

	if (off >= s->nr_pfns || !s->head[off])
		return -1;
	head = s->head[off] - 1;
	*live = s->live[head];
	*num = s->num[head];
	return (long)head;
}

/* The cache whose slab holds p, or NULL when p is in no slab. */
const struct kmem_cache *slab_model_owner(struct exec *e, const void *p)
{
	struct slab_model *s = e->slabs;
	unsigned long off = pfn_of(p) - e->arena.base_pfn;

	if (off >= s->nr_pfns || !s->head[off])
		return NULL;
	return s->recs[s->owner[s->head[off] - 1] - 1].c;
}

static void on_slab_grow(void *ctx, const struct kmem_cache *c, unsigned long pfn,
			 unsigned int order, unsigned int num)
{
	struct exec *e = ctx;
	struct slab_model *s = e->slabs;
	unsigned long off = pfn - e->arena.base_pfn;
	struct cache_rec *r = rec_of(s, c, true);

	if (!r || off + (1ul << order) > s->nr_pfns)
		return; /* the buddy oracles report a block outside the arena */
	if (reachable(e, r) > 0) {
		diverge(e, "slab.grow-with-free",
			"%s to use one of its %ld free objects before growing", kmem_cache_name(c),
			reachable(e, r));
		diverge_actual(e, "a new slab of order %u", order);
	}
	r->free += num;
	r->slabs++;
	for (unsigned long i = 0; i < (1ul << order); i++)
		s->head[off + i] = (uint32_t)off + 1;
	s->owner[off] = (uint8_t)(r - s->recs + 1);
	s->live[off] = 0;
	s->num[off] = (uint16_t)num;
}

static void on_slab_destroy(void *ctx, const struct kmem_cache *c, unsigned long pfn,
			    unsigned int num)
{
	struct exec *e = ctx;
	struct slab_model *s = e->slabs;
	unsigned long off = pfn - e->arena.base_pfn;
	struct cache_rec *r = rec_of(s, c, false);

	(void)num;
	if (off >= s->nr_pfns || s->head[off] != off + 1 || !r ||
	    s->owner[off] != (uint8_t)(r - s->recs + 1))
		return; /* not a slab the model saw grow: the buddy oracles judge the free */
	if (s->live[off]) {
		diverge(e, "slab.destroy-live", "an empty slab of %s destroyed",
			kmem_cache_name(c));
		diverge_actual(e, "it held %u live objects", s->live[off]);
	}
	r->free -= s->num[off] - s->live[off];
	r->slabs--;
	for (unsigned long i = off; i < s->nr_pfns && s->head[i] == off + 1; i++)
		s->head[i] = 0;
	s->owner[off] = 0;
}

static void on_slab_obj(void *ctx, const struct kmem_cache *c, const void *obj, bool alloc)
{
	struct exec *e = ctx;
	struct slab_model *s = e->slabs;
	unsigned long off = pfn_of(obj) - e->arena.base_pfn;
	struct cache_rec *r = rec_of(s, c, false);
	unsigned long head;

	if (off >= s->nr_pfns || !s->head[off] || !r ||
	    s->owner[head = s->head[off] - 1] != (uint8_t)(r - s->recs + 1)) {
		diverge(e, "slab.outside-slab", "an object of %s inside one of its slabs",
			kmem_cache_name(c));
		diverge_actual(e, "%s",
			       off < s->nr_pfns && s->head[off] ? "it is in another cache's slab"
								: "it is in no slab");
		return;
	}
	if (alloc) {
		r->free--;
		s->live[head]++;
	} else {
		r->free++;
		s->live[head]--;
	}
}

/* At check: the kernel's slab lists against the model. */
struct list_walk {
	struct exec *e;
	long walked;
	bool bad;
	char why[DIV_TEXT];
};

static void walk_slab(void *ctx, const struct kmem_cache *c, struct page *slab, enum slab_list list,
		      unsigned int active)
{
	static const char *const names[] = { "full", "partial", "free" };
	struct list_walk *w = ctx;
	struct slab_model *s = w->e->slabs;
	unsigned long off = page_to_pfn(slab) - w->e->arena.base_pfn;
	struct cache_rec *r = rec_of(s, c, false);
	enum slab_list want;
	unsigned int taken;

	if (w->bad)
		return;
	w->walked++;
	if (off >= s->nr_pfns || s->head[off] != off + 1 || !r ||
	    s->owner[off] != (uint8_t)(r - s->recs + 1)) {
		w->bad = true;
		snprintf(w->why, sizeof(w->why),
			 "%s lists a slab at pfn offset %lu it never grew (or twice)",
			 kmem_cache_name(c), off);
		return;
	}
	s->owner[off] |= 0x80; /* walked: a second listing is a duplicate */
	/* Parked objects are free to the model, taken to their slab. */
	taken = s->live[off] + percpu_parked_in(w->e, off);
	want = taken == 0             ? SLAB_LIST_FREE
	       : taken == s->num[off] ? SLAB_LIST_FULL
				      : SLAB_LIST_PARTIAL;
	if (active != taken || list != want) {
		w->bad = true;
		snprintf(w->why, sizeof(w->why),
			 "%s: the slab at pfn offset %lu is on the %s "
			 "list with %u active; it has %u of %u objects live or parked",
			 kmem_cache_name(c), off, (unsigned int)list < 3 ? names[list] : "?",
			 active, taken, s->num[off]);
	}
}

void oracle_slabs(struct exec *e)
{
	struct slab_model *s = e->slabs;
	struct list_walk w = { .e = e };
	long slabs = 0;

	percpu_tally(e);
	kmem_cache_walk(walk_slab, &w);
	for (unsigned long off = 0; off < s->nr_pfns; off++)
		if (s->head[off] == off + 1)
			s->owner[off] &= 0x7f;
	for (int i = 0; i < s->nr; i++)
		slabs += s->recs[i].slabs;
	if (!w.bad && w.walked != slabs) {
		w.bad = true;
		snprintf(w.why, sizeof(w.why),
			 "the caches list %ld slabs; %ld were grown and not destroyed", w.walked,
			 slabs);
	}
	if (w.bad) {
		diverge(e, "slab.lists",
			"each slab on the list its live objects say, with "
			"them as its active count");
		diverge_actual(e, "%s", w.why);
	}
}

void slab_model_hooks(struct host_hooks *h)
{
	h->slab_grow = on_slab_grow;
	h->slab_destroy = on_slab_destroy;
	h->slab_obj = on_slab_obj;
}

long slab_model_free_named(struct exec *e, const char *name)
{
	struct slab_model *s = e->slabs;

	for (int i = 0; i < s->nr; i++)
		if ((s->recs[i].slabs || s->recs[i].free) &&
		    !strcmp(kmem_cache_name(s->recs[i].c), name))
			return reachable(e, &s->recs[i]);
	return 0;
}
