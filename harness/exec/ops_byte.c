/* The kmalloc-family ops on a plugged byte allocator (mmrig_byte.h), and
 * the byte model: live blocks are disjoint (as asked and as usable), in
 * memory the allocator drew from its page source, aligned as declared,
 * usable_size >= size, zeroed by calloc, unchanged while live, their
 * prefix kept by realloc, and a failure happens only where the allocator
 * said it may. Every op kind here reads as its libc name: kmalloc is
 * malloc, kzalloc is calloc(1, n), kcalloc is calloc, krealloc realloc,
 * kfree free. */
#include <stdint.h>
#include <string.h>

#include "world.h"

static size_t extent(const struct obj_slot *o)
{
	return o->usable > o->size ? o->usable : o->size;
}

/* Failure is legal when the page source failed during this op (injected,
 * or the rig's memory ran out), above the declared limit, or whenever the
 * allocator promised nothing. */
static bool failure_legal(struct exec *e, size_t size)
{
	const struct mmrig_byte_allocator *b = e->ba;

	return e->injected || e->page_fail_legal || (b->max_size && size > b->max_size) ||
	       !(b->guarantees & MMRIG_BY_NO_SPURIOUS_FAILURE);
}

/* Memory a confined allocator may hand out: a page-source block, or the
 * kernel's own slab and large-kmalloc blocks (the kmalloc allocator). */
static bool source_class(unsigned int cls)
{
	return cls == PGC_SOURCE || cls == PGC_SLAB || cls == PGC_KMALLOC_LARGE;
}

static bool check_confined(struct exec *e, int slot, uintptr_t a, size_t len)
{
	unsigned long head;
	unsigned int order, cls;
	bool in = bm_find_allocated(e->model, pfn_of((const void *)a), &head, &order, &cls);

	if (!e->ba->confined)
		return true;
	if (in && source_class(cls) && a + (len ? len : 1) <= (head + (1ul << order)) << PAGE_SHIFT)
		return true;
	diverge(e, "byte.outside-source", "o%d (%zu bytes) inside one block of its page source",
		slot, len);
	diverge_actual(e, in ? "it starts in a %s block and runs %s" : "the page under it is %s",
		       in ? page_class_name(cls) : "free",
		       in && source_class(cls) ? "past its end" : "there");
	return false;
}

/* Disjoint from every live block as asked, then as usable: the second
 * fails alone when usable_size promises bytes another block has. */
static bool check_disjoint(struct exec *e, int slot, uintptr_t a, size_t size, size_t ext,
			   int *rank)
{
	int at = objs_rank(e, a);

	*rank = at;
	for (int pass = 0; pass < 2; pass++) {
		for (int k = at - 1; k <= at; k++) {
			if (k < 0 || k >= e->nr_by_addr)
				continue;
			int i = e->by_addr[k];
			const struct obj_slot *o = &e->objs[i];
			uintptr_t b = (uintptr_t)o->ptr;
			size_t mine = pass ? ext : size, theirs = pass ? extent(o) : o->size;

			if (i == slot ||
			    !(a < b + (theirs ? theirs : 1) && b < a + (mine ? mine : 1)))
				continue;
			diverge(e, pass ? "byte.usable-overlap" : "byte.overlap",
				"o%d (%zu bytes%s) disjoint from live blocks", slot, mine,
				pass ? " usable" : "");
			diverge_actual(e, "it overlaps o%d (%zu bytes%s) at offset %ld", i, theirs,
				       pass ? " usable" : "", (long)(b - a));
			return false;
		}
	}
	return true;
}

static bool check_zero_size(struct exec *e, void *p, bool *live)
{
	const struct mmrig_byte_allocator *b = e->ba;
	bool ok = true; /* MMRIG_ZERO_ANY, and a value no allocator may declare */

	*live = p != NULL;
	switch (b->zero_size) {
	case MMRIG_ZERO_NULL:
		ok = p == NULL;
		break;
	case MMRIG_ZERO_UNIQUE:
		ok = p != NULL;
		break;
	case MMRIG_ZERO_TOKEN:
		ok = p == b->zero_token;
		*live = false;
		break;
	case MMRIG_ZERO_ANY:
		break;
	}
	if (ok)
		return true;
	diverge(e, "byte.zero-size", "a 0-byte request to give %s",
		b->zero_size == MMRIG_ZERO_NULL     ? "NULL"
		: b->zero_size == MMRIG_ZERO_UNIQUE ? "a unique pointer"
						    : "the zero token");
	diverge_actual(e, "%s", p ? "another pointer" : "NULL");
	return false;
}

/* Judges a fresh block; when it passes, the model takes it and stamps
 * it. align: what this call asked for on top of min_align. */
static void adopt(struct exec *e, int slot, void *p, size_t size, size_t align, bool zero)
{
	const struct mmrig_byte_allocator *b = e->ba;
	struct obj_slot *o = &e->objs[slot];
	uintptr_t a = (uintptr_t)p;
	size_t usable = size;
	int rank = 0;
	bool live = true;
	long off;

	/* A 0-byte request that met a failing page source may fail whatever
	 * the zero-size policy. */
	if (size == 0 && !(p == NULL && (e->injected || e->page_fail_legal)) &&
	    !check_zero_size(e, p, &live))
		return;
	if (size == 0 && p == NULL)
		return;
	if (!p && size) {
		if (!failure_legal(e, size)) {
			diverge(e, "byte.spurious-failure",
				"a %zu-byte block: the page source did not fail and %s", size,
				b->max_size ? "it is within max_size"
					    : "the allocator declares no limit");
			diverge_actual(e, "NULL");
		}
		return;
	}
	if (!live)
		return;
	if (size && b->max_size && size > b->max_size) {
		diverge(e, "byte.over-max-size", "NULL for %zu bytes > max_size %zu", size,
			b->max_size);
		diverge_actual(e, "a block was returned");
		return;
	}
	if (align < b->min_align)
		align = b->min_align;
	if (align > 1 && a % align) {
		diverge(e, "byte.misaligned", "o%d (%zu bytes) aligned to %zu", slot, size, align);
		diverge_actual(e, "address is %zu bytes past an aligned one", (size_t)(a % align));
		return;
	}
	if (b->usable_size) {
		usable = b->usable_size(p);
		if (diverged(e))
			return;
		if (usable < size) {
			diverge(e, "byte.usable-size", "usable_size(o%d) >= %zu", slot, size);
			diverge_actual(e, "%zu", usable);
			return;
		}
	}
	if (!check_confined(e, slot, a, usable > size ? usable : size) ||
	    !check_disjoint(e, slot, a, size, usable, &rank))
		return;
	if (zero && (off = first_nonzero(p, size)) >= 0) {
		diverge(e, "byte.not-zeroed", "o%d (%zu bytes) zeroed", slot, size);
		diverge_actual(e, "byte %ld is %#x", off, ((unsigned char *)p)[off]);
		return;
	}
	o->live = true;
	o->ptr = p;
	o->size = size;
	o->usable = usable;
	o->cache = -1;
	o->seed = tag_seed(e, (unsigned int)slot + NR_PAGE_SLOTS);
	/* Every usable byte is the program's to write: an allocator that
	 * keeps anything of its own there is caught at the next check. */
	if (usable)
		tag_stamp(p, usable, o->seed);
	objs_insert(e, slot, rank);
}

static bool verify(struct exec *e, int slot)
{
	struct obj_slot *o = &e->objs[slot];
	long off;

	if (!o->usable || (off = tag_verify(o->ptr, o->usable, o->seed, o->usable)) < 0)
		return true;
	diverge(e, "byte.corrupted",
		"o%d (%zu bytes, %zu usable) to keep the contents written at allocation", slot,
		o->size, o->usable);
	diverge_actual(e, "byte %ld changed while it was live", off);
	return false;
}

bool bytes_verify_all(struct exec *e)
{
	for (int i = 0; i < NR_OBJ_SLOTS; i++)
		if (e->objs[i].live && !verify(e, i))
			return false;
	return true;
}

static void forget(struct exec *e, int slot)
{
	objs_remove(e, slot);
	e->objs[slot].live = false;
}

void byte_slot_release(struct exec *e, int slot)
{
	struct obj_slot *o = &e->objs[slot];

	if (!o->live || !verify(e, slot))
		return;
	forget(e, slot);
	e->ba->free(o->ptr);
}

static void do_realloc(struct exec *e, const struct op *op)
{
	const struct mmrig_byte_allocator *b = e->ba;
	struct obj_slot *src = &e->objs[op->src], old;
	size_t keep;
	void *p;
	long off;

	if (op->dst != op->src)
		byte_slot_release(e, op->dst);
	if (diverged(e))
		return;
	if (!src->live) {
		adopt(e, op->dst, b->realloc(NULL, op->size), op->size, 0, false);
		return;
	}
	if (!verify(e, op->src))
		return;
	old = *src;
	p = b->realloc(old.ptr, op->size);
	if (diverged(e))
		return;
	if (!p && op->size) {
		/* The old block stays live and whole, in its slot. */
		if (!failure_legal(e, op->size)) {
			diverge(e, "byte.spurious-failure", "realloc to %u bytes to succeed",
				op->size);
			diverge_actual(e, "NULL");
		}
		return;
	}
	forget(e, op->src);
	if (op->size == 0) {
		adopt(e, op->dst, p, 0, 0, false);
		return;
	}
	if (p != old.ptr && (((b->guarantees & MMRIG_BY_SHRINK_IN_PLACE) && op->size <= old.size) ||
			     ((b->guarantees & MMRIG_BY_GROW_IN_USABLE) && op->size > old.size &&
			      op->size <= old.usable))) {
		diverge(e, "byte.realloc-moved",
			"realloc from %zu (%zu usable) to %u bytes in place", old.size, old.usable,
			op->size);
		diverge_actual(e, "the block moved by %ld bytes",
			       (long)((uintptr_t)p - (uintptr_t)old.ptr));
		return;
	}
	keep = old.size < op->size ? old.size : op->size;
	off = tag_verify(p, old.usable, old.seed, keep);
	if (off >= 0) {
		diverge(e, "byte.realloc-prefix", "realloc to keep the first %zu bytes", keep);
		diverge_actual(e, "byte %ld differs", off);
		return;
	}
	adopt(e, op->dst, p, op->size, 0, false);
}

/* count * size wraps to n * size: a calloc that multiplies without
 * checking hands out a small block for a huge request. */
static void do_calloc_wrap(struct exec *e, const struct op *op)
{
	size_t size, count = op_wrap_count(op->size, op->n, &size);
	void *p = e->ba->calloc(count, size);

	if (!p || diverged(e))
		return;
	diverge(e, "byte.calloc-overflow", "NULL for calloc(%zu, %zu): the product overflows",
		count, size);
	diverge_actual(e, "a block was returned");
	/* Nothing the program can own; given back so no leak follows. */
	e->ba->free(p);
}

/* An allocating op first empties its destination slot. */
static bool slot_emptied(struct exec *e, int slot)
{
	byte_slot_release(e, slot);
	return !diverged(e);
}

void op_byte(struct exec *e, const struct op *op)
{
	const struct mmrig_byte_allocator *b = e->ba;
	size_t align;
	void *p;

	switch ((enum op_kind)op->kind) {
	case OP_KFREE:
		byte_slot_release(e, op->dst);
		return;
	case OP_KREALLOC:
		do_realloc(e, op);
		return;
	case OP_KCALLOC_WRAP:
		do_calloc_wrap(e, op);
		return;
	case OP_KMALLOC:
		if (!slot_emptied(e, op->dst))
			return;
		p = b->malloc(op->size);
		if (!diverged(e))
			adopt(e, op->dst, p, op->size, 0, false);
		return;
	case OP_KZALLOC:
		if (!slot_emptied(e, op->dst))
			return;
		p = b->calloc(1, op->size);
		if (!diverged(e))
			adopt(e, op->dst, p, op->size, 0, true);
		return;
	case OP_KCALLOC:
		if (!slot_emptied(e, op->dst))
			return;
		p = b->calloc(op->n, op->size);
		if (!diverged(e))
			adopt(e, op->dst, p, (size_t)op->n * op->size, 0, true);
		return;
	case OP_ALIGNED_ALLOC:
		if (!slot_emptied(e, op->dst))
			return;
		align = op_align_values[op->align] ? op_align_values[op->align] : 1;
		p = b->aligned_alloc(align, op->size);
		if (!diverged(e))
			adopt(e, op->dst, p, op->size, align, false);
		return;
	case OP_CASES_PAGE:
	case OP_CASES_MM:
	case OP_CASES_CONTROL:
	case OP_KVMMAKE:
	case OP_CACHE_CREATE:
	case OP_CACHE_ALLOC:
	case OP_CACHE_FREE:
	case OP_CACHE_SHRINK:
	case OP_CACHE_DESTROY:
	case OP_CASES_VMALLOC:
	case NR_OPS:
		break;
	}
	/* another family's kind, or none at all */
	exec_bad_op(e, op, "op_byte");
}
