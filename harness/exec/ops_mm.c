/* Address-space ops (mm_new, fork, mm_exit, mmap, munmap, mprotect, brk,
 * touch) run on the kernel's VM layer and, in lock-step, on the reference
 * address-space model: the kernel's result must be one the model allows,
 * and afterwards the kernel's VMA list and break must equal the model's.
 * User accesses go through the software MMU, faulting into the kernel. */
#include <string.h>

#include "errno-base.h"
#include "mm/mm.h"
#include "mmu.h"
#include "world.h"

/* A fault the kernel says it resolved must translate on the next try; a
 * missing flush shows as the same fault again. */
#define TOUCH_TRIES 3

static bool alloc_failed(const struct exec *e)
{
	return e->small_fail;
}

static const char *status_check(const struct exec *e, enum as_status s)
{
	switch (s) {
	case AS_SPURIOUS_NOMEM:
		/* Only a superpage attempt failed: its fallback was not taken. */
		return e->injected || e->page_fail_legal ? "vm.skipped-fallback"
							 : "vm.spurious-enomem";
	case AS_BAD_PLACEMENT:
		return "vm.bad-placement";
	case AS_PLACEMENT_RULE:
		return "vm.placement-rule";
	case AS_OK:
	case AS_MISMATCH:
	case AS_BAD_HANDLE:
	case AS_MODEL_NOMEM:
		break;
	}
	return "vm.result";
}

/* The model's verdict on the kernel's result ret. */
static bool judge(struct exec *e, enum as_status s, const char *what, long ret, long expect)
{
	digest_add(e, (uint64_t)ret);
	if (s == AS_OK)
		return true;
	diverge(e, status_check(e, s), "%s: %ld (model)", what, expect);
	diverge_actual(e, "%ld (%s)", ret, asm_status_name(s));
	return false;
}

/* Sv39 has no write-only pages (W without R is reserved), so a kernel may
 * record PROT_WRITE as read-write, and then merges a "w" mapping with an
 * "rw" neighbour: the model is given, and layouts are compared on, the
 * access a prot grants. */
static int effective_prot(int prot)
{
	return (prot & PROT_WRITE) ? prot | PROT_READ : prot;
}

/* Whether VMA i of the kernel's mm matches the model's; fills *want. */
static bool vma_matches(struct exec *e, int id, size_t i, const struct vm_area_struct *v,
			struct as_vma *want)
{
	int prot = (int)(v->vm_flags & (VM_READ | VM_WRITE | VM_EXEC));
	int flags = (v->vm_flags & VM_SHARED) ? AS_MAP_SHARED : AS_MAP_PRIVATE;

	return i < asm_nr_vmas(e->as, id) && asm_get_vma(e->as, id, i, want) &&
	       want->start == v->vm_start && want->end == v->vm_end &&
	       effective_prot(want->prot) == effective_prot(prot) && want->flags == flags;
}

/* The kernel's VMAs and break equal the model's canonical ones; when not
 * and report is set, the first difference is the divergence. */
static bool compare_layout(struct exec *e, int id, bool report)
{
	struct mm_struct *mm = e->mms[id].mm;
	struct list_head *pos;
	size_t i = 0, n = asm_nr_vmas(e->as, id);
	struct as_vma want;

	list_for_each(pos, &mm->mmap) {
		struct vm_area_struct *v = list_entry(pos, struct vm_area_struct, vm_list);

		if (!vma_matches(e, id, i, v, &want)) {
			if (!report)
				return false;
			if (i < n)
				diverge(e, "vm.vma-list", "m%d VMA %zu: [%#llx, %#llx) prot %d %s",
					id, i, (unsigned long long)want.start,
					(unsigned long long)want.end, want.prot,
					want.flags == AS_MAP_SHARED ? "shared" : "private");
			else
				diverge(e, "vm.vma-list", "m%d to have %zu VMAs", id, n);
			diverge_actual(e, "[%#lx, %#lx) flags %#lx", (unsigned long)v->vm_start,
				       (unsigned long)v->vm_end, v->vm_flags);
			return false;
		}
		i++;
	}
	if (i != n) {
		if (report) {
			diverge(e, "vm.vma-list", "m%d to have %zu VMAs", id, n);
			diverge_actual(e, "%zu", i);
		}
		return false;
	}
	if (mm->brk != asm_get_brk(e->as, id)) {
		if (report) {
			diverge(e, "vm.brk", "m%d brk %#llx", id,
				(unsigned long long)asm_get_brk(e->as, id));
			diverge_actual(e, "%#lx", (unsigned long)mm->brk);
		}
		return false;
	}
	return true;
}

static bool same_layout(struct exec *e, int id)
{
	return compare_layout(e, id, true);
}

void mm_slot_release(struct exec *e, int slot)
{
	struct mm_slot *m = &e->mms[slot];

	if (!m->live)
		return;
	mm_exit(m->mm);
	asm_exit(e->as, slot);
	m->live = false;
	m->mm = NULL;
	/* What the mm held must be gone now, while the op that dropped it is
	 * still the one reported (not the end of the program). */
	if (!diverged(e))
		oracle_vm_leaks(e, VM_AT_MM_EXIT);
}

/* Boot: the kernel was reset; the model forgets its address spaces too. */
void mm_world_reset(struct exec *e)
{
	for (int i = 0; i < NR_MM_SLOTS; i++)
		if (asm_alive(e->as, i))
			asm_exit(e->as, i);
	memset(e->mms, 0, sizeof(e->mms));
	memset(e->regions, 0, sizeof(e->regions));
}

static void do_mm_new(struct exec *e, int id)
{
	mm_slot_release(e, id);
	if (diverged(e))
		return;
	struct mm_struct *mm = mm_alloc();

	if (!judge(e, asm_new(e->as, id, mm ? 0 : -ENOMEM, alloc_failed(e)), "mm_new",
		   mm ? 0 : -ENOMEM, 0)) {
		if (mm)
			mm_exit(mm);
		return;
	}
	if (mm) {
		e->mms[id].live = true;
		e->mms[id].mm = mm;
		same_layout(e, id);
	}
}

static void do_fork(struct exec *e, int child, int parent)
{
	if (!e->mms[parent].live || child == parent)
		return;
	mm_slot_release(e, child);
	if (diverged(e))
		return;
	struct mm_struct *mm = mm_fork(e->mms[parent].mm);
	long ret = mm ? 0 : -ENOMEM;

	if (!judge(e, asm_fork(e->as, parent, child, ret, alloc_failed(e)), "fork", ret, 0)) {
		if (mm)
			mm_exit(mm);
		return;
	}
	if (mm) {
		e->mms[child].live = true;
		e->mms[child].mm = mm;
		if (same_layout(e, child))
			same_layout(e, parent);
	} else {
		same_layout(e, parent); /* a failed fork leaves the parent as it was */
	}
}

/* The raw field (docs/op-language.md): an anchor plus signed pages, one
 * byte more when unaligned, and LEN read by its mode. Addresses and
 * lengths are full 64-bit values: whatever they say, the model knows the
 * one legal result. */
static uintptr_t anchor_addr(const struct op *op)
{
	static const uintptr_t base[NR_ANCHORS] = {
		[OPA_USER] = USER_BASE, [OPA_HEAP] = MM_BRK_BASE,      [OPA_MMAP] = MMAP_MIN_ADDR,
		[OPA_TOP] = TASK_SIZE,  [OPA_4G] = (uintptr_t)1 << 32,
		/* OPA_NULL is 0, OPA_MAX 2^64, which wraps to 0 too */
	};

	return base[op_raw_anchor(op->raw)] +
	       (uintptr_t)((intptr_t)(int16_t)op->pgoff * (intptr_t)PAGE_SIZE);
}

static size_t raw_len(const struct op *op, uintptr_t addr)
{
	switch (op_raw_len_mode(op->raw)) {
	case OPL_MIB:
		return (size_t)op->size << 20;
	case OPL_PAST_TOP:
		return TASK_SIZE - addr + op->size;
	case OPL_NEG:
		return 0 - (size_t)op->size;
	}
	return op->size;
}

static uintptr_t unaligned(const struct op *op)
{
	return op->raw & OPR_UNALIGNED ? 1 : 0;
}

static void do_mmap_op(struct exec *e, const struct op *op)
{
	struct region_slot *r = &e->regions[op->dst];
	int id = op->src;
	bool fixed = op->mflags & OPM_FIXED;
	bool shared = op->mflags & OPM_SHARED;
	uintptr_t base = op->mflags & OPM_HEAP ? MM_BRK_BASE : MMAP_MIN_ADDR;
	uintptr_t addr = 0;
	int flags = MAP_ANONYMOUS | (shared ? MAP_SHARED : MAP_PRIVATE) | (fixed ? MAP_FIXED : 0);
	int64_t expect = 0;

	if (op->mflags & OPM_ADDR)
		addr = (op_raw_anchor(op->raw) == OPA_DEFAULT
				? base + ((uintptr_t)op->pgoff << PAGE_SHIFT)
				: anchor_addr(op)) +
		       unaligned(op);
	size_t len = raw_len(op, addr);

	if (!e->mms[id].live)
		return;
	r->live = false;
	long ret = do_mmap(e->mms[id].mm, addr, len, op->prot, flags);
	enum as_status s = asm_mmap(e->as, id, addr, len, effective_prot(op->prot),
				    shared ? AS_MAP_SHARED : AS_MAP_PRIVATE, fixed, ret,
				    alloc_failed(e), &expect);
	if (!judge(e, s, "mmap", ret, (long)expect))
		return;
	/* The kernel's documented exception (mm/mm.h): a MAP_FIXED|MAP_SHARED
	 * mmap that fails while populating has already unmapped the old
	 * range. Either that or "unchanged" is a consistent rollback. */
	if (ret == -ENOMEM && fixed && shared && !compare_layout(e, id, false)) {
		int64_t ignored;

		asm_munmap(e->as, id, addr, len, 0, false, &ignored);
	}
	if (!same_layout(e, id))
		return;
	if (ret >= 0) {
		r->live = true;
		r->mm = id;
		r->addr = (uintptr_t)ret;
		r->len = ALIGN_UP(len, PAGE_SIZE);
	}
}

/* [addr, addr + len) of a region op in mm op->dst: the region is only an
 * address label (a forked child has the same ranges), off pages in (modulo
 * the region plus one page, so just-past-the-end is reachable), len 0
 * meaning "to the end". */
static bool region_range(struct exec *e, const struct op *op, uintptr_t *addr, size_t *len)
{
	struct region_slot *r = &e->regions[op->src];

	if (!e->mms[op->dst].live)
		return false;
	if (op_raw_anchor(op->raw) != OPA_DEFAULT) {
		/* an absolute address: no region involved */
		*addr = anchor_addr(op) + unaligned(op);
		*len = raw_len(op, *addr);
		return true;
	}
	if (!r->live)
		return false;
	size_t pages = r->len >> PAGE_SHIFT;
	size_t off = ((size_t)op->pgoff % (pages + 1)) << PAGE_SHIFT;

	*addr = r->addr + off + unaligned(op);
	if (op_raw_len_mode(op->raw) != OPL_BYTES)
		*len = raw_len(op, *addr);
	else
		*len = op->size ? op->size : (r->len > off ? r->len - off : PAGE_SIZE);
	return true;
}

static void do_munmap_op(struct exec *e, const struct op *op)
{
	uintptr_t addr;
	size_t len;
	int64_t expect = 0;

	if (!region_range(e, op, &addr, &len))
		return;
	int id = op->dst;
	long ret = do_munmap(e->mms[id].mm, addr, len);
	if (judge(e, asm_munmap(e->as, id, addr, len, ret, alloc_failed(e), &expect), "munmap", ret,
		  (long)expect))
		same_layout(e, id);
}

static void do_mprotect_op(struct exec *e, const struct op *op)
{
	uintptr_t addr;
	size_t len;
	int64_t expect = 0;

	if (!region_range(e, op, &addr, &len))
		return;
	int id = op->dst;
	long ret = do_mprotect(e->mms[id].mm, addr, len, op->prot);
	if (judge(e,
		  asm_mprotect(e->as, id, addr, len, effective_prot(op->prot), ret, alloc_failed(e),
			       &expect),
		  "mprotect", ret, (long)expect))
		same_layout(e, id);
}

static void do_brk_op(struct exec *e, const struct op *op)
{
	int id = op->dst;
	int64_t expect = 0;

	if (!e->mms[id].live)
		return;
	struct mm_struct *mm = e->mms[id].mm;
	uintptr_t base = op_raw_anchor(op->raw) == OPA_DEFAULT ? MM_BRK_BASE : anchor_addr(op);
	uintptr_t old = mm->brk, want = base + raw_len(op, base) + unaligned(op);
	long ret = do_brk(mm, want) ? (long)old : (long)want; /* as Linux sys_brk */

	if (judge(e, asm_brk(e->as, id, want, ret, alloc_failed(e), &expect), "brk", ret,
		  (long)expect))
		same_layout(e, id);
}

static const char *fault_name(enum mmu_fault f)
{
	switch (f) {
	case MMU_OK:
		return "ok";
	case MMU_FAULT_UNMAPPED:
		return "unmapped";
	case MMU_FAULT_PERM:
		return "permission";
	case MMU_FAULT_BADPTE:
		return "bad-pte";
	}
	return "unknown";
}

/* One user-mode access of n bytes inside one page: translate, fault
 * into the kernel, retry. Returns 0 (buf holds what was read, or was
 * written), -EFAULT or -ENOMEM. */
static long user_access(struct exec *e, int id, uintptr_t va, size_t n, unsigned int access,
			uint8_t *buf)
{
	struct mm_struct *mm = e->mms[id].mm;
	enum mmu_fault f = MMU_OK;
	struct fault_before before;

	for (int tries = 0; tries < TOUCH_TRIES; tries++) {
		f = access == MMU_WRITE ? mmu_copy_out(mm->pgd, va, buf, n, MMU_USER, NULL)
					: mmu_copy_in(mm->pgd, buf, va, n,
						      MMU_USER | (access & MMU_EXEC), NULL);
		if (f == MMU_OK)
			return 0;
		if (f == MMU_FAULT_BADPTE) {
			diverge(e, "vm.bad-pte", "well-formed page-table entries for %#lx",
				(unsigned long)va);
			diverge_actual(e, "the MMU found a malformed PTE");
			return -EFAULT;
		}
		fault_rule_before(e, id, va, access, &before);
		int r = handle_mm_fault(mm, va, access);
		if (r)
			return r;
		fault_rule_after(e, id, va, &before);
		if (diverged(e))
			return -EFAULT;
	}
	diverge(e, "vm.fault-loop",
		"the access to %#lx to succeed once the kernel resolved its fault",
		(unsigned long)va);
	diverge_actual(e, "it faulted %d times, the last: %s (a missing TLB flush?)", TOUCH_TRIES,
		       fault_name(f));
	return -EFAULT;
}

long (*exec_user_touch)(struct mm_struct *mm, uintptr_t va, bool write, uint8_t value);

/* The arch's runner instead of the software MMU, a byte at a time: the
 * same result, and a fault loop reported the same way (the signature is
 * the check's). */
static long arch_user_access(struct exec *e, struct mm_struct *mm, uintptr_t va, size_t n,
			     bool write, uint8_t *buf)
{
	for (size_t i = 0; i < n; i++) {
		long ret = exec_user_touch(mm, va + i, write, buf[i]);

		if (ret == EXEC_TOUCH_LOOP) {
			diverge(e, "vm.fault-loop",
				"the access to %#lx to succeed once the kernel resolved its fault",
				(unsigned long)(va + i));
			diverge_actual(e, "it faulted %d times in U-mode (a missing TLB flush?)",
				       TOUCH_TRIES);
			return -EFAULT;
		}
		if (ret < 0)
			return ret;
		if (!write)
			buf[i] = (uint8_t)ret;
	}
	return 0;
}

static size_t page_chunk(uintptr_t va, size_t left)
{
	size_t n = PAGE_SIZE - (va & (PAGE_SIZE - 1));

	return n < left ? n : left;
}

/* A user access of len bytes stops at the first page that faults for
 * good; *done is how many bytes went through before it. Fetches always
 * go through the software MMU: the arch's runner only loads and stores. */
static long user_range(struct exec *e, int id, uintptr_t va, size_t len, unsigned int access,
		       uint8_t *buf, size_t *done)
{
	struct mm_struct *mm = e->mms[id].mm;

	for (*done = 0; *done < len;) {
		size_t n = page_chunk(va + *done, len - *done);
		long r = exec_user_touch && access != MMU_EXEC
				 ? arch_user_access(e, mm, va + *done, n, access == MMU_WRITE,
						    buf + *done)
				 : user_access(e, id, va + *done, n, access, buf + *done);

		if (r)
			return r;
		*done += n;
	}
	return 0;
}

/* The same bytes through the kernel's copyout/copyin, one call (its loop
 * crosses the pages): the model cannot tell the two paths apart, so
 * neither may the result. On an error the copy stopped at the first page
 * it could not access; every page before that one it faulted in, so that
 * page is the first that still does not translate for the access. */
static long kernel_range(struct mm_struct *mm, uintptr_t va, size_t len, bool write, uint8_t *buf,
			 size_t *done)
{
	int r = write ? copyout(mm, va, buf, len) : copyin(mm, buf, va, len);
	unsigned int access = MMU_USER | (write ? MMU_WRITE : MMU_READ);

	*done = len;
	if (!r)
		return 0;
	for (size_t at = 0, n; at < len; at += n) {
		n = page_chunk(va + at, len - at);
		*done = at; /* none stopped it: the error is judged at the last page */
		if (mmu_translate(mm->pgd, va + at, access).fault != MMU_OK)
			break;
	}
	return r;
}

/* The model's verdict on one byte of a touch: got is the byte read, 0
 * for a write, or the error the access stopped with. */
static bool judge_byte(struct exec *e, const struct op *op, uintptr_t va, long got)
{
	static const char *const what[5] = { "touch (read)", "touch (write)", "touch (kernel read)",
					     "touch (kernel write)", "touch (exec)" };
	bool fetch = op->gfp & OPT_EXEC;
	int64_t expect = 0;
	enum as_status s = fetch ? asm_fetch(e->as, op->dst, va, got, alloc_failed(e), &expect)
				 : asm_touch(e->as, op->dst, va, op->gfp & OPT_WRITE, op->n, got,
					     alloc_failed(e), &expect);

	return judge(e, s, what[fetch ? 4 : op->gfp % 4], got, (long)expect);
}

static void do_touch(struct exec *e, const struct op *op)
{
	struct region_slot *r = &e->regions[op->src];
	struct mm_struct *mm = e->mms[op->dst].mm;
	int id = op->dst;
	bool write = op->gfp & OPT_WRITE, fetch = op->gfp & OPT_EXEC;
	unsigned int access = fetch ? MMU_EXEC : write ? MMU_WRITE : MMU_READ;
	size_t len = op_touch_len(op->gfp), done;
	uint8_t *buf = e->touch_buf;
	long ret;

	if (!r->live || !e->mms[id].live)
		return;
	uintptr_t va = r->addr + op->size % (r->len + PAGE_SIZE);
	memset(buf, op->n, len);
	ret = op->gfp & OPT_KERNEL ? kernel_range(mm, va, len, write, buf, &done)
				   : user_range(e, id, va, len, access, buf, &done);
	if (diverged(e))
		return;
	/* Byte by byte, as the model knows them: the ones that went
	 * through, then the error where the access stopped. */
	for (size_t i = 0; i < done; i++)
		if (!judge_byte(e, op, va + i, write ? 0 : buf[i]))
			return;
	if (ret)
		judge_byte(e, op, va + done, ret);
}

void op_mm(struct exec *e, const struct op *op)
{
	switch ((enum op_kind)op->kind) {
	case OP_MM_NEW:
		do_mm_new(e, op->dst);
		return;
	case OP_MM_FORK:
		do_fork(e, op->dst, op->src);
		return;
	case OP_MM_EXIT:
		mm_slot_release(e, op->dst);
		return;
	case OP_MMAP:
		do_mmap_op(e, op);
		return;
	case OP_MUNMAP:
		do_munmap_op(e, op);
		return;
	case OP_MPROTECT:
		do_mprotect_op(e, op);
		return;
	case OP_BRK:
		do_brk_op(e, op);
		return;
	case OP_TOUCH:
		do_touch(e, op);
		return;
	case OP_CASES_PAGE:
	case OP_CASES_SLAB:
	case OP_CASES_CONTROL:
	case OP_KVMMAKE:
	case OP_ALIGNED_ALLOC:
	case OP_CASES_VMALLOC:
	case NR_OPS:
		break;
	}
	/* another family's kind, or none at all */
	exec_bad_op(e, op, "op_mm");
}

/* At check ops: the kernel's own consistency walk of every address space
 * (it panics on a broken invariant) and the layouts against the model. */
bool mms_check_all(struct exec *e)
{
	for (int i = 0; i < NR_MM_SLOTS; i++) {
		if (!e->mms[i].live)
			continue;
		mm_check(e->mms[i].mm);
		if (!same_layout(e, i))
			return false;
	}
	return oracle_page_tables(e);
}
