/* The VMA set of one mm in the address-space model: a sorted array kept in
 * canonical (fully merged) form. Every change goes through vma_edit, which
 * builds the new array before touching anything, so an out-of-memory on the
 * host leaves the model as it was. */
#include "as_internal.h"

#include <stdlib.h>

long as_vma_find(const struct as_mm *mm, uint64_t addr)
{
	size_t lo = 0, hi = mm->n;

	/* First area with end > addr; it contains addr iff start <= addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (mm->v[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < mm->n && mm->v[lo].start <= addr)
		return (long)lo;
	return -1;
}

bool as_vma_overlaps(const struct as_mm *mm, uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < mm->n; i++)
		if (mm->v[i].start < hi && mm->v[i].end > lo)
			return true;
	return false;
}

bool as_vma_covers(const struct as_mm *mm, uint64_t lo, uint64_t hi)
{
	uint64_t at = lo;

	/* Areas are sorted and disjoint: walk them, the next one must start
	 * exactly where coverage has reached so far. */
	for (size_t i = 0; i < mm->n && at < hi; i++) {
		if (mm->v[i].end <= at)
			continue;
		if (mm->v[i].start > at)
			return false;
		at = mm->v[i].end;
	}
	return at >= hi;
}

bool as_vma_mergeable(const struct as_area *a, const struct as_area *b)
{
	if (a->end != b->start || a->prot != b->prot || a->flags != b->flags)
		return false;
	/* Shared pieces are one mapping only if they are consecutive parts of
	 * the same object: a different object is a different mmap call. */
	if (a->obj || b->obj)
		return a->obj == b->obj && b->off == a->off + (a->end - a->start);
	return true;
}

void as_obj_put(struct as_model *m, struct as_obj *o)
{
	if (--o->refs)
		return;
	as_store_free(&o->bytes);
	free(o);
	m->nr_objs--;
}

/* Does any live mapping of o, in any mm, reach object offset key? */
bool as_obj_mapped(const struct as_model *m, const struct as_obj *o, uint64_t key)
{
	for (int id = 0; id < AS_MAX_MM; id++) {
		const struct as_mm *mm = &m->mm[id];

		if (!mm->alive)
			continue;
		for (size_t i = 0; i < mm->n; i++) {
			const struct as_area *a = &mm->v[i];

			if (a->obj == o && key >= a->off && key - a->off < a->end - a->start)
				return true;
		}
	}
	return false;
}

/* Forget o's bytes in [lo, hi) that no mapping reaches any more: nobody can
 * read them again, and keeping them would let stale data grow without end. */
void as_obj_prune(struct as_model *m, struct as_obj *o, uint64_t lo, uint64_t hi)
{
	struct as_store *s = &o->bytes;
	size_t a = as_store_lower(s, lo), b = as_store_lower(s, hi), w = a;

	for (size_t r = a; r < b; r++)
		if (as_obj_mapped(m, o, s->e[r].key))
			s->e[w++] = s->e[r];
	for (size_t r = b; r < s->n; r++)
		s->e[w++] = s->e[r];
	s->n = w;
}

static struct as_area piece(const struct as_area *a, uint64_t s, uint64_t e)
{
	struct as_area p = *a;

	p.start = s;
	p.end = e;
	if (p.obj)
		p.off = a->off + (s - a->start);
	return p;
}

bool as_vma_edit(struct as_model *m, struct as_mm *mm, uint64_t lo, uint64_t hi, enum as_edit kind,
		 int prot, const struct as_area *ins)
{
	/* One area can split into three, plus the inserted one. */
	struct as_area *nv = malloc((mm->n + 3) * sizeof(*nv));
	struct as_area *old = mm->v;
	size_t n = 0, oldn = mm->n;

	if (!nv)
		return false;
	for (size_t i = 0; i < oldn; i++) {
		const struct as_area *a = &old[i];

		if (a->end <= lo || a->start >= hi) {
			nv[n++] = *a;
			continue;
		}
		if (a->start < lo)
			nv[n++] = piece(a, a->start, lo);
		if (kind == AS_EDIT_PROTECT) {
			nv[n] = piece(a, a->start > lo ? a->start : lo, a->end < hi ? a->end : hi);
			nv[n++].prot = prot;
		}
		if (a->end > hi)
			nv[n++] = piece(a, hi, a->end);
	}
	if (ins) {
		size_t at = n;

		while (at > 0 && nv[at - 1].start > ins->start) {
			nv[at] = nv[at - 1];
			at--;
		}
		nv[at] = *ins;
		n++;
	}

	/* Canonical form: fold every area into its predecessor when the two
	 * are one mapping. One pass suffices, folding is transitive. */
	size_t w = 0;
	for (size_t r = 0; r < n; r++) {
		if (w > 0 && as_vma_mergeable(&nv[w - 1], &nv[r]))
			nv[w - 1].end = nv[r].end;
		else
			nv[w++] = nv[r];
	}

	/* Commit. New references first, so no object shared by old and new
	 * drops to zero in between. */
	for (size_t i = 0; i < w; i++)
		if (nv[i].obj)
			nv[i].obj->refs++;
	mm->v = nv;
	mm->n = w;
	for (size_t i = 0; i < oldn; i++) {
		const struct as_area *a = &old[i];
		bool dropped = kind == AS_EDIT_UNMAP && a->start < hi && a->end > lo;
		uint64_t s = a->start > lo ? a->start : lo, e = a->end < hi ? a->end : hi;

		if (dropped && !a->obj)
			as_store_del_range(&mm->priv, s, e);
		if (!a->obj)
			continue;
		if (dropped && a->obj->refs > 1)
			as_obj_prune(m, a->obj, a->off + (s - a->start), a->off + (e - a->start));
		as_obj_put(m, a->obj);
	}
	free(old);
	return true;
}
