/* Reference address-space model: lifecycle, the ops' legality rules and
 * the oracle queries. The VMA machinery is in as_vma.c, the byte store in
 * as_store.c. Written without looking at kernel/mm's implementation and
 * without any kernel header, so one misunderstanding cannot hide in both.
 *
 * Each op first works out the one result a correct kernel returns (want),
 * then judges the kernel's ret against it, and changes the model only when
 * the kernel's op took effect. */
#include "as_internal.h"

#include <stdlib.h>
#include <string.h>

static const struct as_layout default_layout = {
	.user_base = AS_USER_BASE,
	.user_top = AS_USER_TOP,
	.heap_base = AS_HEAP_BASE,
	.mmap_base = AS_MMAP_BASE,
};

static bool aligned(uint64_t x)
{
	return !(x & (AS_PAGE_SIZE - 1));
}

struct as_model *asm_create(const struct as_layout *layout)
{
	const struct as_layout *l = layout ? layout : &default_layout;
	struct as_model *m;

	/* user_top <= 2^62 keeps every address and page_up() result a
	 * positive int64_t, the type results travel in. */
	if (!aligned(l->user_base) || !aligned(l->user_top) || !aligned(l->heap_base) ||
	    !aligned(l->mmap_base) || l->user_top > (1ULL << 62) || l->heap_base < l->user_base ||
	    l->heap_base >= l->user_top || l->mmap_base < l->user_base ||
	    l->mmap_base >= l->user_top)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->l = *l;
	return m;
}

const struct as_layout *asm_layout(const struct as_model *m)
{
	return &m->l;
}

static void mm_release(struct as_model *m, struct as_mm *mm)
{
	/* Dead first, so pruning below no longer counts this mm's mappings:
	 * shared bytes only it could reach are forgotten. */
	mm->alive = false;
	for (size_t i = 0; i < mm->n; i++) {
		struct as_area *a = &mm->v[i];

		if (!a->obj)
			continue;
		if (a->obj->refs > 1)
			as_obj_prune(m, a->obj, a->off, a->off + (a->end - a->start));
		as_obj_put(m, a->obj);
	}
	free(mm->v);
	mm->v = NULL;
	mm->n = 0;
	as_store_free(&mm->priv);
	mm->start_brk = mm->brk = 0;
}

void asm_destroy(struct as_model *m)
{
	if (!m)
		return;
	for (int id = 0; id < AS_MAX_MM; id++)
		if (m->mm[id].alive)
			mm_release(m, &m->mm[id]);
	free(m);
}

static struct as_mm *live_mm(struct as_model *m, int id)
{
	if (id < 0 || id >= AS_MAX_MM || !m->mm[id].alive)
		return NULL;
	return &m->mm[id];
}

static const struct as_mm *live_mm_c(const struct as_model *m, int id)
{
	if (id < 0 || id >= AS_MAX_MM || !m->mm[id].alive)
		return NULL;
	return &m->mm[id];
}

/* Verdicts, internally: legal and took effect, legal and did not (an
 * expected error, or an allowed -ENOMEM), or a divergence. */
enum judged { J_APPLY, J_KEEP, J_BAD };

/* want >= 0: success expected; want < 0: exactly that error expected. */
static enum judged judge(int64_t want, int64_t ret, bool alloc_failed, int64_t *expect,
			 enum as_status *st)
{
	if (expect)
		*expect = want;
	*st = AS_OK;
	if (ret == want)
		return want >= 0 ? J_APPLY : J_KEEP;
	if (want >= 0 && ret == -AS_ENOMEM) {
		if (alloc_failed)
			return J_KEEP;
		*st = AS_SPURIOUS_NOMEM;
		return J_BAD;
	}
	*st = AS_MISMATCH;
	return J_BAD;
}

enum as_status asm_new(struct as_model *m, int id, int64_t ret, bool alloc_failed)
{
	enum as_status st;
	struct as_mm *mm;

	if (id < 0 || id >= AS_MAX_MM || m->mm[id].alive)
		return AS_BAD_HANDLE;
	if (judge(0, ret, alloc_failed, NULL, &st) != J_APPLY)
		return st;
	mm = &m->mm[id];
	memset(mm, 0, sizeof(*mm));
	mm->alive = true;
	mm->start_brk = mm->brk = m->l.heap_base;
	return AS_OK;
}

enum as_status asm_fork(struct as_model *m, int parent, int child, int64_t ret, bool alloc_failed)
{
	struct as_mm *p = live_mm(m, parent), *c;
	struct as_area *v = NULL;
	struct as_store priv = { 0 };
	enum as_status st;

	if (!p || child < 0 || child >= AS_MAX_MM || m->mm[child].alive)
		return AS_BAD_HANDLE;
	if (judge(0, ret, alloc_failed, NULL, &st) != J_APPLY)
		return st;
	/* Everything allocated before anything changes. Private bytes are
	 * copied now (fork semantics: later writes stay on their side). */
	if (p->n) {
		v = malloc(p->n * sizeof(*v));
		if (!v)
			return AS_MODEL_NOMEM;
		memcpy(v, p->v, p->n * sizeof(*v));
	}
	if (!as_store_copy(&priv, &p->priv)) {
		free(v);
		return AS_MODEL_NOMEM;
	}
	for (size_t i = 0; i < p->n; i++)
		if (v[i].obj)
			v[i].obj->refs++;
	c = &m->mm[child];
	c->alive = true;
	c->v = v;
	c->n = p->n;
	c->start_brk = p->start_brk;
	c->brk = p->brk;
	c->priv = priv;
	return AS_OK;
}

enum as_status asm_exit(struct as_model *m, int id)
{
	struct as_mm *mm = live_mm(m, id);

	if (!mm)
		return AS_BAD_HANDLE;
	mm_release(m, mm);
	return AS_OK;
}

/* Valid range: aligned start, len > 0, [addr, addr + page_up(len)) inside
 * [user_base, user_top). Checked without overflow for any 64-bit input. */
static bool range_ok(const struct as_layout *l, uint64_t addr, uint64_t len, uint64_t *plen)
{
	if (!aligned(addr) || !len || len > l->user_top - l->user_base)
		return false;
	*plen = as_page_up(len);
	return addr >= l->user_base && addr <= l->user_top && *plen <= l->user_top - addr;
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return a ? (x + a - 1) / a * a : x;
}

/* Where a non-fixed mmap of plen bytes goes (see asm_mmap), or -ENOMEM. */
static int64_t place(const struct as_model *m, const struct as_mm *mm, uint64_t hint, uint64_t plen)
{
	uint64_t align = m->l.big_align && plen >= m->l.big_align ? m->l.big_align : 0;
	uint64_t cand = align_up(m->l.mmap_base, align);

	hint = as_page_up(hint);
	if (hint >= m->l.mmap_base && hint <= m->l.user_top && plen <= m->l.user_top - hint &&
	    !as_vma_overlaps(mm, hint, hint + plen))
		return (int64_t)hint;
	for (size_t i = 0; i < mm->n; i++) {
		const struct as_area *a = &mm->v[i];

		if (a->end <= cand)
			continue;
		if (a->start >= cand && a->start - cand >= plen)
			break;
		cand = align_up(a->end, align);
	}
	if (cand <= m->l.user_top && plen <= m->l.user_top - cand)
		return (int64_t)cand;
	return -AS_ENOMEM;
}

/* Where a non-fixed mmap may put plen bytes. */
static bool placement_ok(const struct as_model *m, const struct as_mm *mm, int64_t ret,
			 uint64_t plen)
{
	uint64_t a = (uint64_t)ret;

	return ret >= 0 && aligned(a) && a >= m->l.mmap_base && a <= m->l.user_top &&
	       plen <= m->l.user_top - a && !as_vma_overlaps(mm, a, a + plen);
}

static bool prot_ok(int prot)
{
	return !(prot & ~AS_PROT_ALL);
}

enum as_status asm_mmap(struct as_model *m, int id, uint64_t addr, uint64_t len, int prot,
			int flags, bool fixed, int64_t ret, bool alloc_failed, int64_t *expect)
{
	struct as_mm *mm = live_mm(m, id);
	const struct as_layout *l = &m->l;
	struct as_area ins = { 0 };
	enum as_status st;
	uint64_t plen = 0;
	int64_t want;
	enum judged j;

	if (!mm)
		return AS_BAD_HANDLE;
	if (!prot_ok(prot) || (flags != AS_MAP_SHARED && flags != AS_MAP_PRIVATE) || !len ||
	    len > l->user_top - l->user_base)
		want = -AS_EINVAL;
	else if (fixed)
		want = range_ok(l, addr, len, &plen) ? (int64_t)addr : -AS_EINVAL;
	else
		want = place(m, mm, addr, plen = as_page_up(len));

	if (!fixed && want >= 0) {
		if (expect)
			*expect = want;
		if (ret == -AS_ENOMEM)
			return alloc_failed ? AS_OK : AS_SPURIOUS_NOMEM;
		if (ret < 0)
			return AS_MISMATCH;
		if (!placement_ok(m, mm, ret, plen))
			return AS_BAD_PLACEMENT;
		if (ret != want)
			return AS_PLACEMENT_RULE;
		j = J_APPLY;
	} else {
		j = judge(want, ret, alloc_failed, expect, &st);
		if (j != J_APPLY) {
			/* A non-fixed address where there is no room. */
			if (j == J_BAD && !fixed && want == -AS_ENOMEM && ret >= 0)
				return AS_BAD_PLACEMENT;
			return st;
		}
	}

	ins.start = (uint64_t)ret;
	ins.end = ins.start + plen;
	ins.prot = prot;
	ins.flags = flags;
	if (flags == AS_MAP_SHARED) {
		ins.obj = calloc(1, sizeof(*ins.obj));
		if (!ins.obj)
			return AS_MODEL_NOMEM;
		ins.obj->id = ++m->next_obj_id;
		m->nr_objs++;
	}
	/* MAP_FIXED: whatever was there goes first; otherwise the range is
	 * known to be free and the unmap part is empty. */
	if (!as_vma_edit(m, mm, ins.start, fixed ? ins.end : ins.start, AS_EDIT_UNMAP, 0, &ins)) {
		if (ins.obj) {
			free(ins.obj);
			m->nr_objs--;
		}
		return AS_MODEL_NOMEM;
	}
	return AS_OK;
}

enum as_status asm_munmap(struct as_model *m, int id, uint64_t addr, uint64_t len, int64_t ret,
			  bool alloc_failed, int64_t *expect)
{
	struct as_mm *mm = live_mm(m, id);
	enum as_status st;
	uint64_t plen;
	bool ok;

	if (!mm)
		return AS_BAD_HANDLE;
	ok = range_ok(&m->l, addr, len, &plen);
	if (judge(ok ? 0 : -AS_EINVAL, ret, alloc_failed, expect, &st) != J_APPLY)
		return st;
	if (!as_vma_edit(m, mm, addr, addr + plen, AS_EDIT_UNMAP, 0, NULL))
		return AS_MODEL_NOMEM;
	return AS_OK;
}

enum as_status asm_mprotect(struct as_model *m, int id, uint64_t addr, uint64_t len, int prot,
			    int64_t ret, bool alloc_failed, int64_t *expect)
{
	struct as_mm *mm = live_mm(m, id);
	enum as_status st;
	uint64_t plen = 0;
	int64_t want;

	if (!mm)
		return AS_BAD_HANDLE;
	if (!prot_ok(prot) || !aligned(addr))
		want = -AS_EINVAL;
	else if (!len)
		want = 0;
	else if (!range_ok(&m->l, addr, len, &plen))
		want = -AS_EINVAL;
	else if (!as_vma_covers(mm, addr, addr + plen))
		want = -AS_ENOMEM;
	else
		want = 0;
	if (judge(want, ret, alloc_failed, expect, &st) != J_APPLY || !plen)
		return st;
	if (!as_vma_edit(m, mm, addr, addr + plen, AS_EDIT_PROTECT, prot, NULL))
		return AS_MODEL_NOMEM;
	return AS_OK;
}

enum as_status asm_brk(struct as_model *m, int id, uint64_t new_brk, int64_t ret, bool alloc_failed,
		       int64_t *expect)
{
	struct as_mm *mm = live_mm(m, id);
	uint64_t old_end, new_end;
	struct as_area heap;
	bool ok;

	if (!mm)
		return AS_BAD_HANDLE;
	old_end = as_page_up(mm->brk);
	ok = new_brk >= mm->start_brk && new_brk <= m->l.user_top;
	if (ok) {
		new_end = as_page_up(new_brk);
		/* Growing must not swallow a mapping the program made. */
		if (new_end > old_end && as_vma_overlaps(mm, old_end, new_end))
			ok = false;
	}
	if (expect)
		*expect = (int64_t)(ok ? new_brk : mm->brk);
	if (!ok || new_brk == mm->brk)
		return ret == (int64_t)mm->brk ? AS_OK : AS_MISMATCH;
	if (ret == (int64_t)mm->brk)
		return alloc_failed ? AS_OK : AS_SPURIOUS_NOMEM;
	if (ret != (int64_t)new_brk)
		return AS_MISMATCH;

	if (new_end > old_end) {
		heap = (struct as_area){ .start = old_end,
					 .end = new_end,
					 .prot = AS_PROT_READ | AS_PROT_WRITE,
					 .flags = AS_MAP_PRIVATE };
		if (!as_vma_edit(m, mm, old_end, old_end, AS_EDIT_UNMAP, 0, &heap))
			return AS_MODEL_NOMEM;
	} else if (new_end < old_end) {
		if (!as_vma_edit(m, mm, new_end, old_end, AS_EDIT_UNMAP, 0, NULL))
			return AS_MODEL_NOMEM;
	}
	mm->brk = new_brk;
	return AS_OK;
}

/* The store and key holding the byte at addr of area a. */
static struct as_store *byte_home(struct as_mm *mm, struct as_area *a, uint64_t addr, uint64_t *key)
{
	if (a->obj) {
		*key = a->off + (addr - a->start);
		return &a->obj->bytes;
	}
	*key = addr;
	return &mm->priv;
}

/* One byte accessed: need is the prot bits any one of which allows it. */
static enum as_status access_byte(struct as_model *m, int id, uint64_t addr, int need, bool write,
				  uint8_t value, int64_t ret, bool alloc_failed, int64_t *expect)
{
	struct as_mm *mm = live_mm(m, id);
	struct as_store *s = NULL;
	enum as_status st;
	uint64_t key = 0;
	int64_t want;
	long i;

	if (!mm)
		return AS_BAD_HANDLE;
	i = as_vma_find(mm, addr);
	if (i < 0) {
		want = -AS_EFAULT;
	} else {
		struct as_area *a = &mm->v[i];

		s = byte_home(mm, a, addr, &key);
		if (!(a->prot & need))
			want = -AS_EFAULT;
		else
			want = write ? 0 : as_store_get(s, key);
	}
	if (judge(want, ret, alloc_failed, expect, &st) != J_APPLY || !write)
		return st;
	if (!as_store_set(s, key, value))
		return AS_MODEL_NOMEM;
	return AS_OK;
}

enum as_status asm_touch(struct as_model *m, int id, uint64_t addr, bool write, uint8_t value,
			 int64_t ret, bool alloc_failed, int64_t *expect)
{
	/* W implies R; X alone does not allow loads. */
	int need = write ? AS_PROT_WRITE : AS_PROT_READ | AS_PROT_WRITE;

	return access_byte(m, id, addr, need, write, value, ret, alloc_failed, expect);
}

enum as_status asm_fetch(struct as_model *m, int id, uint64_t addr, int64_t ret, bool alloc_failed,
			 int64_t *expect)
{
	return access_byte(m, id, addr, AS_PROT_EXEC, false, 0, ret, alloc_failed, expect);
}

bool asm_alive(const struct as_model *m, int id)
{
	return live_mm_c(m, id) != NULL;
}

uint64_t asm_start_brk(const struct as_model *m, int id)
{
	const struct as_mm *mm = live_mm_c(m, id);

	return mm ? mm->start_brk : 0;
}

uint64_t asm_get_brk(const struct as_model *m, int id)
{
	const struct as_mm *mm = live_mm_c(m, id);

	return mm ? mm->brk : 0;
}

size_t asm_nr_vmas(const struct as_model *m, int id)
{
	const struct as_mm *mm = live_mm_c(m, id);

	return mm ? mm->n : 0;
}

static void to_vma(const struct as_area *a, struct as_vma *out)
{
	out->start = a->start;
	out->end = a->end;
	out->prot = a->prot;
	out->flags = a->flags;
	out->backing = a->obj ? a->obj->id : 0;
	out->offset = a->obj ? a->off : 0;
}

bool asm_get_vma(const struct as_model *m, int id, size_t i, struct as_vma *out)
{
	const struct as_mm *mm = live_mm_c(m, id);

	if (!mm || i >= mm->n)
		return false;
	to_vma(&mm->v[i], out);
	return true;
}

bool asm_find_vma(const struct as_model *m, int id, uint64_t addr, struct as_vma *out)
{
	const struct as_mm *mm = live_mm_c(m, id);
	long i = mm ? as_vma_find(mm, addr) : -1;

	if (i < 0)
		return false;
	to_vma(&mm->v[i], out);
	return true;
}

int asm_peek(const struct as_model *m, int id, uint64_t addr)
{
	const struct as_mm *mm = live_mm_c(m, id);
	long i = mm ? as_vma_find(mm, addr) : -1;
	const struct as_area *a;

	if (i < 0)
		return -AS_EFAULT;
	a = &mm->v[i];
	if (a->obj)
		return as_store_get(&a->obj->bytes, a->off + (addr - a->start));
	return as_store_get(&mm->priv, addr);
}

void asm_for_each_byte(const struct as_model *m, int id,
		       void (*fn)(void *arg, uint64_t addr, uint8_t val), void *arg)
{
	asm_for_each_byte_in(m, id, 0, UINT64_MAX, fn, arg);
}

void asm_for_each_byte_in(const struct as_model *m, int id, uint64_t lo, uint64_t hi,
			  void (*fn)(void *arg, uint64_t addr, uint8_t val), void *arg)
{
	const struct as_mm *mm = live_mm_c(m, id);
	size_t i = 0, n = mm ? mm->n : 0;

	/* The first area ending above lo, by bisection: a per-leaf query must
	 * not cost a scan of every VMA. */
	for (size_t top = n; i < top;) {
		size_t mid = i + (top - i) / 2;

		if (mm->v[mid].end <= lo)
			i = mid + 1;
		else
			top = mid;
	}
	/* Areas are sorted and each store is sorted by key, and a key maps to
	 * addresses monotonically inside one area: ascending overall. */
	for (; i < n && mm->v[i].start < hi; i++) {
		const struct as_area *a = &mm->v[i];
		const struct as_store *s = a->obj ? &a->obj->bytes : &mm->priv;
		uint64_t from = lo > a->start ? lo : a->start;
		uint64_t to = hi < a->end ? hi : a->end;
		uint64_t klo = a->obj ? a->off + (from - a->start) : from;
		uint64_t khi = klo + (to - from);

		for (size_t k = as_store_lower(s, klo); k < s->n && s->e[k].key < khi; k++)
			fn(arg, from + (s->e[k].key - klo), s->e[k].val);
	}
}

size_t asm_nr_objects(const struct as_model *m)
{
	return m->nr_objs;
}

/* Each object's bytes are counted once, at its first reference. */
static bool first_ref(const struct as_model *m, int id, size_t idx)
{
	const struct as_obj *o = m->mm[id].v[idx].obj;

	for (int j = 0; j <= id; j++) {
		const struct as_mm *mm = &m->mm[j];

		if (!mm->alive)
			continue;
		for (size_t k = 0; k < mm->n && (j < id || k < idx); k++)
			if (mm->v[k].obj == o)
				return false;
	}
	return true;
}

static size_t obj_refs(const struct as_model *m, const struct as_obj *o)
{
	size_t refs = 0;

	for (int j = 0; j < AS_MAX_MM; j++)
		for (size_t k = 0; m->mm[j].alive && k < m->mm[j].n; k++)
			refs += m->mm[j].v[k].obj == o;
	return refs;
}

size_t asm_nr_bytes(const struct as_model *m)
{
	size_t n = 0;

	for (int id = 0; id < AS_MAX_MM; id++) {
		const struct as_mm *mm = &m->mm[id];

		if (!mm->alive)
			continue;
		n += mm->priv.n;
		for (size_t i = 0; i < mm->n; i++)
			if (mm->v[i].obj && first_ref(m, id, i))
				n += mm->v[i].obj->bytes.n;
	}
	return n;
}

static bool store_sane(const struct as_store *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (!s->e[i].val || (i && s->e[i - 1].key >= s->e[i].key))
			return false;
	return true;
}

static bool area_sane(const struct as_layout *l, const struct as_area *a)
{
	if (a->start >= a->end || !aligned(a->start) || !aligned(a->end) ||
	    a->start < l->user_base || a->end > l->user_top || !prot_ok(a->prot))
		return false;
	if (a->flags == AS_MAP_PRIVATE)
		return !a->obj;
	return a->flags == AS_MAP_SHARED && a->obj;
}

static bool mm_sane(const struct as_model *m, const struct as_mm *mm)
{
	if (!mm->alive)
		return !mm->n && !mm->priv.n;
	if (mm->start_brk != m->l.heap_base || mm->brk < mm->start_brk || !store_sane(&mm->priv))
		return false;
	for (size_t i = 0; i < mm->n; i++) {
		const struct as_area *a = &mm->v[i];

		if (!area_sane(&m->l, a))
			return false;
		if (i + 1 < mm->n &&
		    (a->end > mm->v[i + 1].start || as_vma_mergeable(a, &mm->v[i + 1])))
			return false;
		if (a->obj && (a->obj->refs != obj_refs(m, a->obj) || !store_sane(&a->obj->bytes)))
			return false;
		for (size_t k = 0; a->obj && k < a->obj->bytes.n; k++)
			if (!as_obj_mapped(m, a->obj, a->obj->bytes.e[k].key))
				return false;
	}
	/* Private bytes only where this mm has a private mapping. */
	for (size_t k = 0; k < mm->priv.n; k++) {
		long i = as_vma_find(mm, mm->priv.e[k].key);

		if (i < 0 || mm->v[i].obj)
			return false;
	}
	return true;
}

bool asm_selfcheck(const struct as_model *m)
{
	size_t objs = 0;

	for (int id = 0; id < AS_MAX_MM; id++) {
		if (!mm_sane(m, &m->mm[id]))
			return false;
		for (size_t i = 0; m->mm[id].alive && i < m->mm[id].n; i++)
			objs += m->mm[id].v[i].obj && first_ref(m, id, i);
	}
	return objs == m->nr_objs;
}

const char *asm_status_name(enum as_status s)
{
	switch (s) {
	case AS_OK:
		return "OK";
	case AS_MISMATCH:
		return "MISMATCH";
	case AS_SPURIOUS_NOMEM:
		return "SPURIOUS_NOMEM";
	case AS_BAD_PLACEMENT:
		return "BAD_PLACEMENT";
	case AS_PLACEMENT_RULE:
		return "PLACEMENT_RULE";
	case AS_BAD_HANDLE:
		return "BAD_HANDLE";
	case AS_MODEL_NOMEM:
		return "MODEL_NOMEM";
	}
	return "UNKNOWN";
}
