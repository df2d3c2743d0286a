/* Reference address-space model: up to AS_MAX_MM address spaces, each a
 * sorted set of anonymous VMAs plus a program break, and the byte every
 * touched address is expected to hold. Shares no code with kernel/mm and
 * includes no kernel header.
 *
 * Style: the executor runs an op on the kernel first, then hands the model
 * what the kernel returned (ret) and whether any page or slab allocation
 * failed during the op (alloc_failed: injected or genuine, the executor
 * knows from its hooks). The model answers with a verdict:
 *   AS_OK            the result is legal and the model now mirrors it;
 *   anything else    a divergence; the model is left unchanged.
 * *expect (may be NULL) receives the model's own result for the report.
 *
 * Legal results. An op with an error result (-AS_EINVAL) must return
 * exactly that. An op that should succeed must return exactly *expect, or
 * -AS_ENOMEM if and only if alloc_failed; a failed op leaves the model
 * unchanged, so comparing the kernel's VMA list afterwards enforces the
 * "unchanged on failure" rollback rule. A non-fixed mmap is validated
 * rather than predicted (the kernel picks the address).
 *
 * Semantics (Linux / xv6, 4 KiB pages, superpages invisible):
 *  - Ranges. len is rounded up to pages. A range is valid when addr is page
 *    aligned, len > 0 and [addr, addr + len) lies in [user_base, user_top).
 *  - Merging (canonical form). VMAs a, b with a.end == b.start are one VMA
 *    iff prot and flags are equal and either both are private, or both are
 *    shared with the same backing object and b's object offset continues
 *    a's. Every shared mmap creates a new backing object, so shared regions
 *    from different mmap calls never merge; pieces of one shared mmap (split
 *    by mprotect or munmap, inherited through fork) may merge again.
 *  - Access. A write needs PROT_WRITE. A read needs PROT_READ or PROT_WRITE:
 *    W implies R, since W without R is reserved in Sv39 PTEs. PROT_EXEC
 *    alone does not allow reads (U-mode loads from X-only pages fault
 *    without sstatus.MXR). PROT_NONE pages keep their contents.
 *  - Contents. Never-written memory reads 0. Private contents belong to the
 *    mm and are copied at fork; shared contents belong to the backing object
 *    and are seen by every mapping of it. Unmapped private bytes are
 *    forgotten at once; shared bytes when no mapping of them is left.
 *  - Heap. start_brk = brk = heap_base in a new mm; the heap is the private
 *    RW range [start_brk, PAGE_ALIGN(brk)), an ordinary VMA that merges.
 */
#ifndef MMRIG_AS_MODEL_H
#define MMRIG_AS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AS_MAX_MM 8
#define AS_PAGE_SIZE 4096ULL

/* Default layout, the same numbers as an Sv39 user half with xv6's MAXVA
 * (one bit below the Sv39 maximum). Page 0 is excluded, as Linux's
 * mmap_min_addr does, so a NULL access always faults. */
#define AS_USER_BASE 0x1000ULL
#define AS_USER_TOP (1ULL << 38)
#define AS_HEAP_BASE 0x10000000ULL
#define AS_MMAP_BASE 0x40000000ULL

/* Linux's values, so the executor can pass its constants through. */
#define AS_PROT_NONE 0x0
#define AS_PROT_READ 0x1
#define AS_PROT_WRITE 0x2
#define AS_PROT_EXEC 0x4
#define AS_PROT_ALL (AS_PROT_READ | AS_PROT_WRITE | AS_PROT_EXEC)

/* Exactly one of these; anonymous is implied, MAP_FIXED is a parameter. */
#define AS_MAP_SHARED 0x01
#define AS_MAP_PRIVATE 0x02

/* Linux errno values, defined here so no libc or kernel header is needed. */
#define AS_ENOMEM 12
#define AS_EFAULT 14
#define AS_EINVAL 22

struct as_layout {
	uint64_t user_base, user_top; /* every mapping lies in [base, top) */
	uint64_t heap_base;           /* start_brk of every new mm */
	uint64_t mmap_base;           /* lowest address a non-fixed mmap returns */
	/* Non-fixed mappings of at least this many bytes start on a multiple
	 * of it, so their faults can use superpages (0: no such rule). */
	uint64_t big_align;
};

enum as_status {
	AS_OK = 0,
	AS_MISMATCH,       /* ret differs from the one legal result *expect */
	AS_SPURIOUS_NOMEM, /* -ENOMEM although no allocation failed */
	AS_BAD_PLACEMENT,  /* non-fixed mmap: address misaligned, below
			      mmap_base, past user_top or overlapping a VMA */
	AS_PLACEMENT_RULE, /* non-fixed mmap: a free range, but not the one
			      the placement rule picks (*expect) */
	AS_BAD_HANDLE,     /* caller error: id out of range, or an op on a dead
			      mm / new or fork onto a live one */
	AS_MODEL_NOMEM,    /* host malloc failed; the model is unchanged */
};

struct as_vma {
	uint64_t start, end; /* [start, end), page aligned */
	int prot;            /* AS_PROT_* */
	int flags;           /* AS_MAP_SHARED or AS_MAP_PRIVATE */
	uint64_t backing;    /* shared: backing object id (>= 1); private: 0 */
	uint64_t offset;     /* shared: offset of start in the object */
};

struct as_model;

/* layout NULL: the AS_* defaults. Every field must be page aligned with
 * user_base <= heap_base < user_top and user_base <= mmap_base < user_top;
 * NULL otherwise or when out of memory. All mms start dead. */
struct as_model *asm_create(const struct as_layout *layout);
void asm_destroy(struct as_model *m);
const struct as_layout *asm_layout(const struct as_model *m);

/* --- lifecycle. ret: 0 or -AS_ENOMEM. --- */

/* id must be dead: a new empty mm (no VMA, brk = start_brk = heap_base). */
enum as_status asm_new(struct as_model *m, int id, int64_t ret, bool alloc_failed);
/* parent alive, child dead and != parent: child gets parent's VMAs and brk;
 * private contents are copied, shared ones stay shared. */
enum as_status asm_fork(struct as_model *m, int parent, int child, int64_t ret, bool alloc_failed);
/* id alive: unmap everything, the mm is dead. Cannot fail. */
enum as_status asm_exit(struct as_model *m, int id);

/* --- memory ops; id must be alive. --- */

/* Checks, first match wins: prot has bits outside AS_PROT_ALL, flags not
 * exactly SHARED or PRIVATE, len == 0 or len > user_top - user_base:
 * -EINVAL. fixed: the range must be valid (-EINVAL); it is unmapped first
 * (MAP_FIXED), ret must be addr. Not fixed, the placement rule: addr (a
 * hint, rounded up to a page) when [addr, addr + len) is free and inside
 * [mmap_base, user_top); else the lowest free range at or above
 * mmap_base, starting on a multiple of big_align when len is at least
 * big_align; when there is none, -ENOMEM. ret must be that address
 * (*expect); a free range elsewhere is AS_PLACEMENT_RULE, anything else
 * AS_BAD_PLACEMENT. */
enum as_status asm_mmap(struct as_model *m, int id, uint64_t addr, uint64_t len, int prot,
			int flags, bool fixed, int64_t ret, bool alloc_failed, int64_t *expect);
/* addr unaligned, len == 0, or range invalid: -EINVAL. Otherwise 0; holes
 * are fine, VMAs are split at the edges. */
enum as_status asm_munmap(struct as_model *m, int id, uint64_t addr, uint64_t len, int64_t ret,
			  bool alloc_failed, int64_t *expect);
/* prot bits outside AS_PROT_ALL or addr unaligned: -EINVAL; len == 0: 0
 * (Linux); range invalid: -EINVAL; any page of the range unmapped:
 * -ENOMEM (Linux) and nothing changes; otherwise 0, VMAs split at the
 * edges, contents kept. */
enum as_status asm_mprotect(struct as_model *m, int id, uint64_t addr, uint64_t len, int prot,
			    int64_t ret, bool alloc_failed, int64_t *expect);
/* Linux sys_brk: ret is the break after the call. new_brk outside
 * [start_brk, user_top], or growing onto pages some VMA already covers:
 * fails, ret must be the old brk. Otherwise ret must be new_brk: growing
 * maps [PAGE_ALIGN(old), PAGE_ALIGN(new)) private RW, shrinking unmaps
 * [PAGE_ALIGN(new), PAGE_ALIGN(old)) (whatever is mapped there). With
 * alloc_failed, the old brk is legal too (then nothing changed). */
enum as_status asm_brk(struct as_model *m, int id, uint64_t new_brk, int64_t ret, bool alloc_failed,
		       int64_t *expect);
/* One user access of one byte. ret: the byte read (0..255) for a read, 0
 * for a write, -AS_EFAULT for SIGSEGV, -AS_ENOMEM when the fault could not
 * allocate (legal only with alloc_failed; a write then did not happen).
 * SEGV: no VMA covers addr, or its prot forbids the access. */
enum as_status asm_touch(struct as_model *m, int id, uint64_t addr, bool write, uint8_t value,
			 int64_t ret, bool alloc_failed, int64_t *expect);
/* One user instruction fetch of one byte: as a read, but only PROT_EXEC
 * allows it (X alone does; R and W do not). */
enum as_status asm_fetch(struct as_model *m, int id, uint64_t addr, int64_t ret, bool alloc_failed,
			 int64_t *expect);

/* --- queries for oracles; none changes the model. --- */

bool asm_alive(const struct as_model *m, int id);
/* 0 for a dead mm or bad id. */
uint64_t asm_start_brk(const struct as_model *m, int id);
uint64_t asm_get_brk(const struct as_model *m, int id);
/* VMAs in ascending order: index 0 .. asm_nr_vmas() - 1. */
size_t asm_nr_vmas(const struct as_model *m, int id);
bool asm_get_vma(const struct as_model *m, int id, size_t i, struct as_vma *out);
/* The VMA containing addr. */
bool asm_find_vma(const struct as_model *m, int id, uint64_t addr, struct as_vma *out);
/* The byte at addr whatever the prot (PROT_NONE contents survive), or
 * -AS_EFAULT when no VMA covers addr (or the mm is dead). */
int asm_peek(const struct as_model *m, int id, uint64_t addr);

/* Every non-zero byte mm id can see (through any VMA, whatever its prot),
 * in ascending address order: what a full contents check at a check op
 * walks; every other mapped byte must read 0. fn must not change m. */
void asm_for_each_byte(const struct as_model *m, int id,
		       void (*fn)(void *arg, uint64_t addr, uint8_t val), void *arg);
/* The same restricted to [lo, hi): a check that visits one page-table
 * leaf at a time asks only for that leaf's bytes instead of walking the
 * whole mm per leaf. */
void asm_for_each_byte_in(const struct as_model *m, int id, uint64_t lo, uint64_t hi,
			  void (*fn)(void *arg, uint64_t addr, uint8_t val), void *arg);

/* Bookkeeping, for tests of the model itself. */
size_t asm_nr_objects(const struct as_model *m); /* live shared backing objects */
size_t asm_nr_bytes(const struct as_model *m);   /* stored non-zero bytes */
/* Internal invariants (sorted, disjoint, canonical, reference counts,
 * no stored byte outside a mapping). true when all hold. */
bool asm_selfcheck(const struct as_model *m);

const char *asm_status_name(enum as_status s);

#endif
