/* Sparse byte store of the address-space model: a sorted array. */
#include "as_internal.h"

#include <stdlib.h>
#include <string.h>

size_t as_store_lower(const struct as_store *s, uint64_t k)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->e[mid].key < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint8_t as_store_get(const struct as_store *s, uint64_t key)
{
	size_t i = as_store_lower(s, key);

	return i < s->n && s->e[i].key == key ? s->e[i].val : 0;
}

bool as_store_set(struct as_store *s, uint64_t key, uint8_t val)
{
	size_t i = as_store_lower(s, key);

	if (i < s->n && s->e[i].key == key) {
		if (val) {
			s->e[i].val = val;
		} else {
			memmove(&s->e[i], &s->e[i + 1], (s->n - i - 1) * sizeof(*s->e));
			s->n--;
		}
		return true;
	}
	if (!val)
		return true;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct as_byte *e = realloc(s->e, cap * sizeof(*e));

		if (!e)
			return false;
		s->e = e;
		s->cap = cap;
	}
	memmove(&s->e[i + 1], &s->e[i], (s->n - i) * sizeof(*s->e));
	s->e[i] = (struct as_byte){ key, val };
	s->n++;
	return true;
}

void as_store_del_range(struct as_store *s, uint64_t lo, uint64_t hi)
{
	size_t a = as_store_lower(s, lo), b = as_store_lower(s, hi);

	if (a >= b)
		return;
	memmove(&s->e[a], &s->e[b], (s->n - b) * sizeof(*s->e));
	s->n -= b - a;
}

bool as_store_copy(struct as_store *dst, const struct as_store *src)
{
	if (!src->n)
		return true;
	dst->e = malloc(src->n * sizeof(*dst->e));
	if (!dst->e)
		return false;
	memcpy(dst->e, src->e, src->n * sizeof(*dst->e));
	dst->n = dst->cap = src->n;
	return true;
}

void as_store_free(struct as_store *s)
{
	free(s->e);
	s->e = NULL;
	s->n = s->cap = 0;
}
