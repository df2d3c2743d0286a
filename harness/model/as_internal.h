/* Private to the address-space model (as_*.c). */
#ifndef MMRIG_AS_INTERNAL_H
#define MMRIG_AS_INTERNAL_H

#include "as_model.h"

/* Sparse bytes: entries sorted by key, only non-zero values stored (a 0 is
 * what an untouched byte reads anyway, so storing it would only make two
 * equal states look different). A sorted array keeps range deletion and
 * fork's copy to one memmove / memcpy each. */
struct as_byte {
	uint64_t key;
	uint8_t val;
};

struct as_store {
	struct as_byte *e;
	size_t n, cap;
};

uint8_t as_store_get(const struct as_store *s, uint64_t key);
/* false only when the host is out of memory; s is then unchanged. */
bool as_store_set(struct as_store *s, uint64_t key, uint8_t val);
void as_store_del_range(struct as_store *s, uint64_t lo, uint64_t hi);
/* dst must be empty. false on out of memory, dst still empty. */
bool as_store_copy(struct as_store *dst, const struct as_store *src);
void as_store_free(struct as_store *s);
/* Index of the first entry with key >= k. */
size_t as_store_lower(const struct as_store *s, uint64_t k);

/* Backing object of one shared mmap: its bytes are keyed by offset. refs
 * counts the VMA entries, in all mms, that point at it. */
struct as_obj {
	uint64_t id;
	unsigned long refs;
	struct as_store bytes;
};

struct as_area {
	uint64_t start, end;
	int prot, flags;
	struct as_obj *obj; /* shared only */
	uint64_t off;       /* shared: object offset of start */
};

struct as_mm {
	bool alive;
	struct as_area *v; /* sorted, disjoint, canonical */
	size_t n;
	uint64_t start_brk, brk;
	struct as_store priv; /* private bytes keyed by virtual address */
};

struct as_model {
	struct as_layout l;
	struct as_mm mm[AS_MAX_MM];
	uint64_t next_obj_id; /* ids, never host addresses, name objects */
	size_t nr_objs;
};

static inline uint64_t as_page_up(uint64_t x)
{
	return (x + AS_PAGE_SIZE - 1) & ~(AS_PAGE_SIZE - 1);
}

/* as_vma.c: the VMA set of one mm. */
enum as_edit { AS_EDIT_UNMAP, AS_EDIT_PROTECT };

/* Index of the area containing addr, or -1. */
long as_vma_find(const struct as_mm *mm, uint64_t addr);
/* true when some area overlaps [lo, hi). */
bool as_vma_overlaps(const struct as_mm *mm, uint64_t lo, uint64_t hi);
/* true when areas cover [lo, hi) without a hole. */
bool as_vma_covers(const struct as_mm *mm, uint64_t lo, uint64_t hi);
/* Unmap or re-protect [lo, hi), then (if ins) add ins, which must not
 * overlap what is left. Splits at lo and hi, merges to canonical form,
 * keeps reference counts and forgets unmapped bytes. false on out of
 * memory, with nothing changed (ins->obj is then not referenced). */
bool as_vma_edit(struct as_model *m, struct as_mm *mm, uint64_t lo, uint64_t hi, enum as_edit kind,
		 int prot, const struct as_area *ins);
bool as_vma_mergeable(const struct as_area *a, const struct as_area *b);
void as_obj_put(struct as_model *m, struct as_obj *o);
/* Does any mapping in a live mm reach object offset key of o? */
bool as_obj_mapped(const struct as_model *m, const struct as_obj *o, uint64_t key);
/* Forget o's bytes in [lo, hi) that no mapping reaches. */
void as_obj_prune(struct as_model *m, struct as_obj *o, uint64_t lo, uint64_t hi);

#endif
