/* Reference address-space model: hand-computed cases for every op, then a
 * randomised cross-check against a brute-force per-page oracle.
 *
 * In the hand-written cases the test plays the kernel: it passes the result
 * a correct kernel returns (worked out by hand in the comment) and expects
 * AS_OK, and passes wrong results to see them refused. Addresses are written
 * as A(n) = page n of the default mmap area, H = the heap base.
 */
#include "as_model.h"

#include "check.h"

#include <string.h>

#define P 4096ULL
#define A(n) (AS_MMAP_BASE + (uint64_t)(n)*P)
#define H AS_HEAP_BASE
#define R AS_PROT_READ
#define W AS_PROT_WRITE
#define X AS_PROT_EXEC
#define RW (AS_PROT_READ | AS_PROT_WRITE)
#define PRIV AS_MAP_PRIVATE
#define SH AS_MAP_SHARED

#define ST(expr, st) CHECK_EQ_UL(expr, st)
#define OKS(expr) ST(expr, AS_OK)

/* Ops as a correct kernel performs them. */
#define MAP_FIXED_OK(m, id, addr, len, prot, flags) \
	OKS(asm_mmap(m, id, addr, len, prot, flags, true, (int64_t)(addr), false, NULL))
/* Non-fixed, with addr as the hint: a free hint is where it goes. */
#define MAP_AT(m, id, addr, len, prot, flags) \
	OKS(asm_mmap(m, id, addr, len, prot, flags, false, (int64_t)(addr), false, NULL))
#define UNMAP_OK(m, id, addr, len) OKS(asm_munmap(m, id, addr, len, 0, false, NULL))
#define PROT_OK(m, id, addr, len, prot) OKS(asm_mprotect(m, id, addr, len, prot, 0, false, NULL))
#define BRK(m, id, nb, res) OKS(asm_brk(m, id, nb, (int64_t)(res), false, NULL))
#define RD(m, id, addr, val) OKS(asm_touch(m, id, addr, false, 0, val, false, NULL))
#define WR(m, id, addr, val) OKS(asm_touch(m, id, addr, true, val, 0, false, NULL))
#define SEGV_R(m, id, addr) OKS(asm_touch(m, id, addr, false, 0, -AS_EFAULT, false, NULL))
#define SEGV_W(m, id, addr) OKS(asm_touch(m, id, addr, true, 1, -AS_EFAULT, false, NULL))

struct ev {
	uint64_t start, end;
	int prot, flags;
};

static void dump(const struct as_model *m, int id)
{
	struct as_vma v;

	for (size_t i = 0; asm_get_vma(m, id, i, &v); i++)
		fprintf(stderr, "  mm%d [%#llx, %#llx) prot %d flags %d backing %llu off %#llx\n",
			id, (unsigned long long)v.start, (unsigned long long)v.end, v.prot, v.flags,
			(unsigned long long)v.backing, (unsigned long long)v.offset);
}

static int vmas_are(const struct as_model *m, int id, const struct ev *e, size_t n)
{
	struct as_vma v;

	if (asm_nr_vmas(m, id) != n)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		if (!asm_get_vma(m, id, i, &v) || v.start != e[i].start || v.end != e[i].end ||
		    v.prot != e[i].prot || v.flags != e[i].flags)
			goto bad;
	}
	return 1;
bad:
	dump(m, id);
	return 0;
}

#define VMAS(m, id, ...)                                                \
	do {                                                            \
		static const struct ev _e[] = { __VA_ARGS__ };          \
		CHECK(vmas_are(m, id, _e, sizeof(_e) / sizeof(_e[0]))); \
	} while (0)
#define NO_VMAS(m, id) CHECK_EQ_UL(asm_nr_vmas(m, id), 0)

static struct as_model *mk(int nr_mm)
{
	struct as_model *m = asm_create(NULL);

	CHECK(m != NULL);
	if (!m)
		exit(1);
	for (int id = 0; id < nr_mm; id++)
		OKS(asm_new(m, id, 0, false));
	return m;
}

static void done(struct as_model *m)
{
	CHECK(asm_selfcheck(m));
	asm_destroy(m);
}

/* Everything observable, to show an op left the model unchanged. */
struct snap {
	bool alive[AS_MAX_MM];
	uint64_t brk[AS_MAX_MM];
	size_t n[AS_MAX_MM];
	struct as_vma v[AS_MAX_MM][16];
	int bytes[AS_MAX_MM][8];
	size_t nr_bytes, nr_objs;
};

static const uint64_t probe[8] = { A(0), A(1) + 7, A(2), A(3) + 4095, A(5), H, H + P, A(9) };

static void take(const struct as_model *m, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	for (int id = 0; id < AS_MAX_MM; id++) {
		s->alive[id] = asm_alive(m, id);
		s->brk[id] = asm_get_brk(m, id);
		s->n[id] = asm_nr_vmas(m, id);
		for (size_t i = 0; i < s->n[id] && i < 16; i++)
			asm_get_vma(m, id, i, &s->v[id][i]);
		for (int k = 0; k < 8; k++)
			s->bytes[id][k] = asm_peek(m, id, probe[k]);
	}
	s->nr_bytes = asm_nr_bytes(m);
	s->nr_objs = asm_nr_objects(m);
}

static int unchanged(const struct as_model *m, const struct snap *before)
{
	static struct snap now;

	take(m, &now);
	return memcmp(&now, before, sizeof(now)) == 0;
}

/* Handles: ids out of range, ops on dead mms, new onto a live one. */
static void test_handles(void)
{
	struct as_model *m = mk(0);

	CHECK(!asm_alive(m, 0));
	ST(asm_new(m, -1, 0, false), AS_BAD_HANDLE);
	ST(asm_new(m, AS_MAX_MM, 0, false), AS_BAD_HANDLE);
	ST(asm_exit(m, 0), AS_BAD_HANDLE);
	ST(asm_mmap(m, 0, 0, P, RW, PRIV, false, (int64_t)A(0), false, NULL), AS_BAD_HANDLE);
	ST(asm_touch(m, 0, A(0), false, 0, 0, false, NULL), AS_BAD_HANDLE);
	ST(asm_fork(m, 0, 1, 0, false), AS_BAD_HANDLE);
	CHECK_EQ_UL(asm_peek(m, 0, A(0)), (unsigned long)-AS_EFAULT);

	/* mm_alloc failing: legal only when an allocation failed. */
	ST(asm_new(m, 0, -AS_ENOMEM, false), AS_SPURIOUS_NOMEM);
	OKS(asm_new(m, 0, -AS_ENOMEM, true));
	CHECK(!asm_alive(m, 0));
	ST(asm_new(m, 0, -AS_EINVAL, false), AS_MISMATCH);
	CHECK(!strcmp(asm_status_name(AS_SPURIOUS_NOMEM), "SPURIOUS_NOMEM"));
	CHECK(!strcmp(asm_status_name((enum as_status)99), "UNKNOWN"));

	OKS(asm_new(m, 0, 0, false));
	CHECK(asm_alive(m, 0));
	NO_VMAS(m, 0);
	CHECK_EQ_UL(asm_start_brk(m, 0), H);
	CHECK_EQ_UL(asm_get_brk(m, 0), H);
	ST(asm_new(m, 0, 0, false), AS_BAD_HANDLE);
	ST(asm_fork(m, 0, 0, 0, false), AS_BAD_HANDLE);
	OKS(asm_exit(m, 0));
	CHECK(!asm_alive(m, 0));
	CHECK_EQ_UL(asm_get_brk(m, 0), 0);
	done(m);

	/* Layouts: misaligned or inconsistent ones are refused. */
	struct as_layout l = { P, 64 * P, 8 * P, 16 * P, 0 };
	struct as_model *s = asm_create(&l);

	CHECK(s != NULL);
	CHECK_EQ_UL(asm_layout(s)->mmap_base, 16 * P);
	asm_destroy(s);
	l.heap_base = 8 * P + 1;
	CHECK(asm_create(&l) == NULL);
	l.heap_base = 64 * P;
	CHECK(asm_create(&l) == NULL);
	l.heap_base = 8 * P;
	l.mmap_base = 0;
	CHECK(asm_create(&l) == NULL);
}

/* Argument rules of mmap, fixed and not. */
static void test_mmap_validation(void)
{
	struct as_model *m = mk(1);
	int64_t e = 0;

#define EINVAL_MAP(addr, len, prot, flags, fixed)                                          \
	do {                                                                               \
		OKS(asm_mmap(m, 0, addr, len, prot, flags, fixed, -AS_EINVAL, false, &e)); \
		CHECK_EQ_UL(e, (unsigned long)-AS_EINVAL);                                 \
		/* ENOMEM is not a substitute for an argument error. */                    \
		ST(asm_mmap(m, 0, addr, len, prot, flags, fixed, -AS_ENOMEM, true, NULL),  \
		   AS_MISMATCH);                                                           \
	} while (0)

	EINVAL_MAP(A(0), 0, RW, PRIV, false); /* len 0 */
	EINVAL_MAP(A(0), 0, RW, PRIV, true);
	EINVAL_MAP(A(0), P, 8, PRIV, true);                 /* unknown prot bit */
	EINVAL_MAP(A(0), P, RW, 0, true);                   /* neither flag */
	EINVAL_MAP(A(0), P, RW, SH | PRIV, false);          /* both */
	EINVAL_MAP(A(0), P, RW, 4, false);                  /* unknown flag */
	EINVAL_MAP(A(0) + 1, P, RW, PRIV, true);            /* fixed, misaligned */
	EINVAL_MAP(0, P, RW, PRIV, true);                   /* page 0: below user_base */
	EINVAL_MAP(AS_USER_TOP, P, RW, PRIV, true);         /* at the top */
	EINVAL_MAP(AS_USER_TOP - P, P + 1, RW, PRIV, true); /* rounds past the top */
	EINVAL_MAP(A(0), UINT64_MAX, RW, PRIV, false);      /* rounding would wrap */
	EINVAL_MAP(A(0), AS_USER_TOP, RW, PRIV, true);
	NO_VMAS(m, 0);

	/* Just inside both edges is fine: [0x1000, 0x2000) and the last page. */
	MAP_FIXED_OK(m, 0, AS_USER_BASE, P, RW, PRIV);
	MAP_FIXED_OK(m, 0, AS_USER_TOP - P, 1, R, PRIV);
	VMAS(m, 0, { AS_USER_BASE, AS_USER_BASE + P, RW, PRIV },
	     { AS_USER_TOP - P, AS_USER_TOP, R, PRIV });
	/* A fixed mapping returns its address, nothing else. */
	ST(asm_mmap(m, 0, A(4), P, RW, PRIV, true, (int64_t)A(5), false, &e), AS_MISMATCH);
	CHECK_EQ_UL(e, A(4));
	/* A non-fixed hint may be anything: a misaligned one is rounded up. */
	OKS(asm_mmap(m, 0, A(7) - 100, P, RW, PRIV, false, (int64_t)A(7), false, NULL));
	VMAS(m, 0, { AS_USER_BASE, AS_USER_BASE + P, RW, PRIV }, { A(7), A(8), RW, PRIV },
	     { AS_USER_TOP - P, AS_USER_TOP, R, PRIV });
	done(m);
}

/* Non-fixed placement follows the rule exactly: a free hint, else the
 * lowest fit above mmap_base (big ones aligned); any other free range is
 * the rule broken, an overlapping or outside one a bad placement. */
static void test_mmap_placement(void)
{
	struct as_model *m = mk(1);
	int64_t e = 0;

	MAP_FIXED_OK(m, 0, A(2), 2 * P, RW, PRIV); /* [A2, A4) */
	/* Lowest legal address is A0 for 2 pages; A(1) for one page too. */
	ST(asm_mmap(m, 0, 0, 2 * P, R, PRIV, false, (int64_t)A(1), false, &e),
	   AS_BAD_PLACEMENT); /* [A1, A3) overlaps */
	CHECK_EQ_UL(e, A(0));
	ST(asm_mmap(m, 0, 0, P, R, PRIV, false, (int64_t)A(3), false, NULL), AS_BAD_PLACEMENT);
	ST(asm_mmap(m, 0, 0, P, R, PRIV, false, (int64_t)A(5) + 8, false, NULL),
	   AS_BAD_PLACEMENT); /* misaligned */
	ST(asm_mmap(m, 0, 0, P, R, PRIV, false, (int64_t)(AS_MMAP_BASE - P), false, NULL),
	   AS_BAD_PLACEMENT); /* below mmap_base */
	ST(asm_mmap(m, 0, 0, 2 * P, R, PRIV, false, (int64_t)(AS_USER_TOP - P), false, NULL),
	   AS_BAD_PLACEMENT); /* runs past the top */
	ST(asm_mmap(m, 0, 0, P, R, PRIV, false, -AS_EINVAL, false, NULL), AS_MISMATCH);
	ST(asm_mmap(m, 0, 0, P, R, PRIV, false, -AS_ENOMEM, false, NULL), AS_SPURIOUS_NOMEM);
	VMAS(m, 0, { A(2), A(4), RW, PRIV });
	/* Free but not the lowest fit, with no hint there: the rule broken. */
	ST(asm_mmap(m, 0, 0, P, R, PRIV, false, (int64_t)A(100), false, &e), AS_PLACEMENT_RULE);
	CHECK_EQ_UL(e, A(0));
	/* A free hint is taken (3 pages + 1 byte: 4 pages) ... */
	MAP_AT(m, 0, A(100), 3 * P + 1, R, PRIV);
	VMAS(m, 0, { A(2), A(4), RW, PRIV }, { A(100), A(104), R, PRIV });
	/* ... a busy one is not: the lowest fit, which is below it. */
	ST(asm_mmap(m, 0, A(101), P, R, PRIV, false, (int64_t)A(104), false, &e),
	   AS_PLACEMENT_RULE);
	CHECK_EQ_UL(e, A(0));
	/* A hint below mmap_base is no hint. */
	ST(asm_mmap(m, 0, AS_MMAP_BASE - 4 * P, P, R, PRIV, false, (int64_t)(AS_MMAP_BASE - 4 * P),
		    false, &e),
	   AS_BAD_PLACEMENT);
	CHECK_EQ_UL(e, A(0));
	done(m);

	/* Big mappings are aligned to big_align (4 pages here) from the base up,
	 * small ones are not. */
	struct as_layout big = { P, 64 * P, 2 * P, 9 * P, 4 * P };

	m = asm_create(&big);
	OKS(asm_new(m, 0, 0, false));
	OKS(asm_mmap(m, 0, 0, P, R, PRIV, false, (int64_t)(9 * P), false, &e)); /* [9, 10) */
	ST(asm_mmap(m, 0, 0, 4 * P, RW, PRIV, false, (int64_t)(10 * P), false, &e),
	   AS_PLACEMENT_RULE);
	CHECK_EQ_UL(e, 12 * P);
	OKS(asm_mmap(m, 0, 0, 4 * P, RW, PRIV, false, (int64_t)(12 * P), false, &e));
	OKS(asm_mmap(m, 0, 0, 2 * P, X, PRIV, false, (int64_t)(10 * P), false, &e));
	/* A free hint wins over alignment. */
	OKS(asm_mmap(m, 0, 17 * P, 4 * P, R, PRIV, false, (int64_t)(17 * P), false, &e));
	VMAS(m, 0, { 9 * P, 10 * P, R, PRIV }, { 10 * P, 12 * P, X, PRIV },
	     { 12 * P, 16 * P, RW, PRIV }, { 17 * P, 21 * P, R, PRIV });
	done(m);

	/* No room at all: a 16-page space with mmap_base at page 8. */
	struct as_layout l = { P, 16 * P, 2 * P, 8 * P, 0 };

	m = asm_create(&l);
	OKS(asm_new(m, 0, 0, false));
	MAP_AT(m, 0, 10 * P, 4 * P, RW, SH); /* [10, 14) */
	/* 5 pages fit nowhere in [8, 16): [8,10) and [14,16) are too small. */
	OKS(asm_mmap(m, 0, 0, 5 * P, RW, PRIV, false, -AS_ENOMEM, false, &e));
	CHECK_EQ_UL(e, (unsigned long)-AS_ENOMEM);
	ST(asm_mmap(m, 0, 0, 5 * P, RW, PRIV, false, (int64_t)(2 * P), false, NULL),
	   AS_BAD_PLACEMENT);
	/* 2 pages: lowest is 8. */
	OKS(asm_mmap(m, 0, 0, 2 * P, RW, PRIV, false, (int64_t)(8 * P), false, &e));
	CHECK_EQ_UL(e, 8 * P);
	/* len larger than the whole user range is an argument error. */
	OKS(asm_mmap(m, 0, 0, 16 * P, RW, PRIV, false, -AS_EINVAL, false, NULL));
	VMAS(m, 0, { 8 * P, 10 * P, RW, PRIV }, { 10 * P, 14 * P, RW, SH });
	done(m);
}

/* munmap at the start, middle and end of a VMA, and across several. */
static void test_munmap_split(void)
{
	struct as_model *m = mk(1);
	int64_t e = 0;

	MAP_FIXED_OK(m, 0, A(0), 8 * P, RW, PRIV); /* [A0, A8) */
	WR(m, 0, A(0), 1);
	WR(m, 0, A(3), 3);
	WR(m, 0, A(7) + 4095, 7);
	UNMAP_OK(m, 0, A(0), P); /* start: [A1, A8) */
	VMAS(m, 0, { A(1), A(8), RW, PRIV });
	UNMAP_OK(m, 0, A(7), 1); /* end, len rounds up: [A1, A7) */
	VMAS(m, 0, { A(1), A(7), RW, PRIV });
	UNMAP_OK(m, 0, A(3), 2 * P); /* middle: [A1, A3) [A5, A7) */
	VMAS(m, 0, { A(1), A(3), RW, PRIV }, { A(5), A(7), RW, PRIV });
	SEGV_R(m, 0, A(0));
	SEGV_W(m, 0, A(3));
	SEGV_R(m, 0, A(7) + 4095);
	CHECK_EQ_UL(asm_nr_bytes(m), 0); /* all three written bytes are gone */
	/* Remapping a hole reads zeroes: contents were forgotten. */
	MAP_FIXED_OK(m, 0, A(3), P, RW, PRIV);
	RD(m, 0, A(3), 0);
	VMAS(m, 0, { A(1), A(4), RW, PRIV }, { A(5), A(7), RW, PRIV });
	/* Across holes and several VMAs: [A2, A6) leaves [A1, A2) [A6, A7). */
	UNMAP_OK(m, 0, A(2), 4 * P);
	VMAS(m, 0, { A(1), A(2), RW, PRIV }, { A(6), A(7), RW, PRIV });
	/* Nothing mapped there is fine. */
	UNMAP_OK(m, 0, A(50), 10 * P);
	/* Argument errors. */
	OKS(asm_munmap(m, 0, A(1), 0, -AS_EINVAL, false, &e));
	CHECK_EQ_UL(e, (unsigned long)-AS_EINVAL);
	OKS(asm_munmap(m, 0, A(1) + 1, P, -AS_EINVAL, false, NULL));
	OKS(asm_munmap(m, 0, 0, P, -AS_EINVAL, false, NULL));
	OKS(asm_munmap(m, 0, AS_USER_TOP - P, 2 * P, -AS_EINVAL, false, NULL));
	ST(asm_munmap(m, 0, A(1), P, -AS_EINVAL, false, &e), AS_MISMATCH);
	CHECK_EQ_UL(e, 0);
	VMAS(m, 0, { A(1), A(2), RW, PRIV }, { A(6), A(7), RW, PRIV });
	UNMAP_OK(m, 0, A(0), 8 * P);
	NO_VMAS(m, 0);
	done(m);
}

/* mprotect splits at the start, middle and end, merges back, refuses holes. */
static void test_mprotect(void)
{
	struct as_model *m = mk(1);
	int64_t e = 0;

	MAP_FIXED_OK(m, 0, A(0), 6 * P, RW, PRIV);
	WR(m, 0, A(0), 10);
	PROT_OK(m, 0, A(0), P, R); /* start */
	VMAS(m, 0, { A(0), A(1), R, PRIV }, { A(1), A(6), RW, PRIV });
	PROT_OK(m, 0, A(5), 10, R); /* end, len rounds up */
	VMAS(m, 0, { A(0), A(1), R, PRIV }, { A(1), A(5), RW, PRIV }, { A(5), A(6), R, PRIV });
	PROT_OK(m, 0, A(2), P, X); /* middle */
	VMAS(m, 0, { A(0), A(1), R, PRIV }, { A(1), A(2), RW, PRIV }, { A(2), A(3), X, PRIV },
	     { A(3), A(5), RW, PRIV }, { A(5), A(6), R, PRIV });
	RD(m, 0, A(0), 10); /* contents survive */
	SEGV_W(m, 0, A(0));
	/* Same prot as a neighbour: merge on both sides. */
	PROT_OK(m, 0, A(2), P, RW);
	VMAS(m, 0, { A(0), A(1), R, PRIV }, { A(1), A(5), RW, PRIV }, { A(5), A(6), R, PRIV });
	PROT_OK(m, 0, A(0), 6 * P, RW);
	VMAS(m, 0, { A(0), A(6), RW, PRIV });

	/* A hole anywhere: -ENOMEM, nothing changes (not even the covered part). */
	UNMAP_OK(m, 0, A(3), P);
	OKS(asm_mprotect(m, 0, A(0), 6 * P, R, -AS_ENOMEM, false, &e));
	CHECK_EQ_UL(e, (unsigned long)-AS_ENOMEM);
	OKS(asm_mprotect(m, 0, A(2), 2 * P, R, -AS_ENOMEM, false, NULL)); /* hole at the end */
	OKS(asm_mprotect(m, 0, A(3), 2 * P, R, -AS_ENOMEM, false, NULL)); /* at the start */
	ST(asm_mprotect(m, 0, A(0), 6 * P, R, 0, false, NULL), AS_MISMATCH);
	VMAS(m, 0, { A(0), A(3), RW, PRIV }, { A(4), A(6), RW, PRIV });
	/* len 0 succeeds without looking (Linux); argument errors. */
	OKS(asm_mprotect(m, 0, A(40), 0, R, 0, false, NULL));
	OKS(asm_mprotect(m, 0, A(40) + 1, 0, R, -AS_EINVAL, false, NULL));
	OKS(asm_mprotect(m, 0, A(0), P, 0x10, -AS_EINVAL, false, NULL));
	OKS(asm_mprotect(m, 0, AS_USER_TOP, P, R, -AS_EINVAL, false, NULL));
	VMAS(m, 0, { A(0), A(3), RW, PRIV }, { A(4), A(6), RW, PRIV });
	done(m);
}

/* When two adjacent VMAs are one: equal prot and flags, and for shared the
 * same object at consecutive offsets. */
static void test_merge_rules(void)
{
	struct as_model *m = mk(1);
	struct as_vma v;

	/* Private, separate mmaps, same prot: one VMA. */
	MAP_AT(m, 0, A(0), P, RW, PRIV);
	MAP_AT(m, 0, A(1), P, RW, PRIV);
	VMAS(m, 0, { A(0), A(2), RW, PRIV });
	/* Filling a gap between two merges all three. */
	MAP_AT(m, 0, A(3), P, RW, PRIV);
	MAP_AT(m, 0, A(2), P, RW, PRIV);
	VMAS(m, 0, { A(0), A(4), RW, PRIV });
	/* Different prot, or shared next to private: separate. */
	MAP_AT(m, 0, A(4), P, R, PRIV);
	MAP_AT(m, 0, A(5), P, R, SH);
	/* Two shared mmaps, same prot, adjacent: different objects, separate. */
	MAP_AT(m, 0, A(6), P, R, SH);
	VMAS(m, 0, { A(0), A(4), RW, PRIV }, { A(4), A(5), R, PRIV }, { A(5), A(6), R, SH },
	     { A(6), A(7), R, SH });
	CHECK_EQ_UL(asm_nr_objects(m), 2);

	/* One shared mmap split by mprotect and put back: one VMA again. */
	MAP_AT(m, 0, A(10), 4 * P, RW, SH);
	PROT_OK(m, 0, A(11), 2 * P, R);
	VMAS(m, 0, { A(0), A(4), RW, PRIV }, { A(4), A(5), R, PRIV }, { A(5), A(6), R, SH },
	     { A(6), A(7), R, SH }, { A(10), A(11), RW, SH }, { A(11), A(13), R, SH },
	     { A(13), A(14), RW, SH });
	CHECK(asm_find_vma(m, 0, A(13), &v));
	CHECK_EQ_UL(v.offset, 3 * P);
	PROT_OK(m, 0, A(10), 4 * P, RW);
	VMAS(m, 0, { A(0), A(4), RW, PRIV }, { A(4), A(5), R, PRIV }, { A(5), A(6), R, SH },
	     { A(6), A(7), R, SH }, { A(10), A(14), RW, SH });
	/* A MAP_FIXED shared page in the middle is a new object: it merges
	 * with neither side, and the two sides, no longer adjacent, stay apart. */
	MAP_FIXED_OK(m, 0, A(11), P, RW, SH);
	VMAS(m, 0, { A(0), A(4), RW, PRIV }, { A(4), A(5), R, PRIV }, { A(5), A(6), R, SH },
	     { A(6), A(7), R, SH }, { A(10), A(11), RW, SH }, { A(11), A(12), RW, SH },
	     { A(12), A(14), RW, SH });
	CHECK_EQ_UL(asm_nr_objects(m), 4);
	done(m);
}

/* MAP_FIXED over existing mappings: the old ones go first. */
static void test_map_fixed_replaces(void)
{
	struct as_model *m = mk(1);

	MAP_FIXED_OK(m, 0, A(0), 4 * P, RW, PRIV);
	MAP_FIXED_OK(m, 0, A(4), 4 * P, R, SH);
	WR(m, 0, A(1), 11);
	WR(m, 0, A(2), 22);
	RD(m, 0, A(4), 0);
	PROT_OK(m, 0, A(4), 4 * P, RW);
	WR(m, 0, A(5), 55);
	/* [A2, A6) over both: [A0, A2) of the private one and [A6, A8) of the
	 * shared one stay. */
	MAP_FIXED_OK(m, 0, A(2), 4 * P, R, PRIV);
	VMAS(m, 0, { A(0), A(2), RW, PRIV }, { A(2), A(6), R, PRIV }, { A(6), A(8), RW, SH });
	RD(m, 0, A(1), 11);
	RD(m, 0, A(2), 0); /* the old 22 is gone */
	RD(m, 0, A(5), 0); /* so is the shared 55 */
	CHECK_EQ_UL(asm_nr_bytes(m), 1);
	/* Same prot over the whole thing: one VMA. */
	MAP_FIXED_OK(m, 0, A(0), 8 * P, RW, PRIV);
	VMAS(m, 0, { A(0), A(8), RW, PRIV });
	RD(m, 0, A(1), 0);
	CHECK_EQ_UL(asm_nr_objects(m), 0);
	CHECK_EQ_UL(asm_nr_bytes(m), 0);
	done(m);
}

/* brk grows and shrinks the private RW heap at H. */
static void test_brk(void)
{
	struct as_model *m = mk(1);
	int64_t e = 0;

	BRK(m, 0, 0, H); /* brk(0): below start_brk, the query idiom */
	BRK(m, 0, H + 1, H + 1);
	VMAS(m, 0, { H, H + P, RW, PRIV });
	CHECK_EQ_UL(asm_get_brk(m, 0), H + 1);
	BRK(m, 0, H + 3 * P + 5, H + 3 * P + 5);
	VMAS(m, 0, { H, H + 4 * P, RW, PRIV });
	WR(m, 0, H + 3 * P, 9);
	WR(m, 0, H, 1);
	BRK(m, 0, H + P + 1, H + P + 1); /* [H, H+2P) */
	VMAS(m, 0, { H, H + 2 * P, RW, PRIV });
	/* Within the same page: only the number moves. */
	BRK(m, 0, H + 2 * P, H + 2 * P);
	VMAS(m, 0, { H, H + 2 * P, RW, PRIV });
	BRK(m, 0, H + 4 * P, H + 4 * P);
	RD(m, 0, H + 3 * P, 0); /* shrunk away, so zero again */
	RD(m, 0, H, 1);

	/* Growing onto a mapping fails: the old brk comes back. */
	MAP_FIXED_OK(m, 0, H + 6 * P, P, R, PRIV);
	OKS(asm_brk(m, 0, H + 7 * P, (int64_t)(H + 4 * P), false, &e));
	CHECK_EQ_UL(e, H + 4 * P);
	ST(asm_brk(m, 0, H + 7 * P, (int64_t)(H + 7 * P), false, NULL), AS_MISMATCH);
	/* Up to it is fine; a RW private neighbour merges with the heap. */
	MAP_FIXED_OK(m, 0, H + 7 * P, P, RW, PRIV);
	BRK(m, 0, H + 6 * P, H + 6 * P);
	VMAS(m, 0, { H, H + 6 * P, RW, PRIV }, { H + 6 * P, H + 7 * P, R, PRIV },
	     { H + 7 * P, H + 8 * P, RW, PRIV });
	/* Below start_brk, past the top: old brk. */
	BRK(m, 0, H - 1, H + 6 * P);
	BRK(m, 0, AS_USER_TOP + P, H + 6 * P);
	/* Shrinking unmaps whatever is there, a mapping inside the heap too. */
	MAP_FIXED_OK(m, 0, H + P, P, R, SH);
	BRK(m, 0, H, H);
	VMAS(m, 0, { H + 6 * P, H + 7 * P, R, PRIV }, { H + 7 * P, H + 8 * P, RW, PRIV });
	CHECK_EQ_UL(asm_nr_objects(m), 0);
	/* The heap VMA split by munmap and mprotect: brk still works on pages. */
	BRK(m, 0, H + 4 * P, H + 4 * P);
	UNMAP_OK(m, 0, H + P, P);
	PROT_OK(m, 0, H + 3 * P, P, R);
	BRK(m, 0, H + 5 * P, H + 5 * P);
	VMAS(m, 0, { H, H + P, RW, PRIV }, { H + 2 * P, H + 3 * P, RW, PRIV },
	     { H + 3 * P, H + 4 * P, R, PRIV }, { H + 4 * P, H + 5 * P, RW, PRIV },
	     { H + 6 * P, H + 7 * P, R, PRIV }, { H + 7 * P, H + 8 * P, RW, PRIV });
	done(m);
}

/* Access rules and contents. */
static void test_touch(void)
{
	struct as_model *m = mk(1);
	int64_t e = 0;

	SEGV_R(m, 0, A(0));
	MAP_AT(m, 0, A(0), 2 * P, RW, PRIV);
	RD(m, 0, A(1) + 100, 0); /* never written */
	WR(m, 0, A(1) + 100, 0xab);
	RD(m, 0, A(1) + 100, 0xab);
	ST(asm_touch(m, 0, A(1) + 100, false, 0, 0xac, false, &e), AS_MISMATCH);
	CHECK_EQ_UL(e, 0xab);
	ST(asm_touch(m, 0, A(1) + 100, false, 0, -AS_EFAULT, false, NULL), AS_MISMATCH);
	/* Writing 0 is the same as never having written. */
	WR(m, 0, A(1) + 100, 0);
	CHECK_EQ_UL(asm_nr_bytes(m), 0);
	WR(m, 0, A(0), 5);

	/* Read-only: reads fine, write SEGV (and a SEGV is not a success). */
	PROT_OK(m, 0, A(0), P, R);
	RD(m, 0, A(0), 5);
	SEGV_W(m, 0, A(0));
	ST(asm_touch(m, 0, A(0), true, 1, 0, false, NULL), AS_MISMATCH);
	RD(m, 0, A(0), 5);
	/* W implies R. */
	PROT_OK(m, 0, A(0), P, W);
	RD(m, 0, A(0), 5);
	/* X alone: no loads, no stores. */
	PROT_OK(m, 0, A(0), P, X);
	SEGV_R(m, 0, A(0));
	SEGV_W(m, 0, A(0));
	/* PROT_NONE: every access faults, contents survive. */
	PROT_OK(m, 0, A(0), P, AS_PROT_NONE);
	SEGV_R(m, 0, A(0));
	CHECK_EQ_UL(asm_peek(m, 0, A(0)), 5);
	PROT_OK(m, 0, A(0), P, R | X);
	RD(m, 0, A(0), 5);
	/* After munmap: SEGV, peek says unmapped. */
	UNMAP_OK(m, 0, A(0), P);
	SEGV_R(m, 0, A(0));
	CHECK_EQ_UL(asm_peek(m, 0, A(0)), (unsigned long)-AS_EFAULT);
	/* Addresses no mapping can have. */
	SEGV_R(m, 0, 0);
	SEGV_W(m, 0, UINT64_MAX);
	done(m);
}

/* fork of private memory: copied, each side then sees only its own writes. */
static void test_fork_private(void)
{
	struct as_model *m = mk(1);

	MAP_AT(m, 0, A(0), 2 * P, RW, PRIV);
	BRK(m, 0, H + 10, H + 10);
	WR(m, 0, A(0), 1);
	WR(m, 0, H, 7);
	OKS(asm_fork(m, 0, 1, 0, false));
	VMAS(m, 1, { H, H + P, RW, PRIV }, { A(0), A(2), RW, PRIV });
	CHECK_EQ_UL(asm_get_brk(m, 1), H + 10);
	RD(m, 1, A(0), 1);
	RD(m, 1, H, 7);
	WR(m, 0, A(0), 2); /* parent */
	WR(m, 1, A(1), 3); /* child */
	RD(m, 0, A(0), 2);
	RD(m, 1, A(0), 1);
	RD(m, 0, A(1), 0);
	RD(m, 1, A(1), 3);
	/* The child's brk and VMAs are its own. */
	BRK(m, 1, H + 2 * P, H + 2 * P);
	UNMAP_OK(m, 1, A(0), P);
	VMAS(m, 0, { H, H + P, RW, PRIV }, { A(0), A(2), RW, PRIV });
	VMAS(m, 1, { H, H + 2 * P, RW, PRIV }, { A(1), A(2), RW, PRIV });
	CHECK_EQ_UL(asm_get_brk(m, 0), H + 10);
	RD(m, 0, A(0), 2);
	done(m);
}

struct bytes {
	int n;
	uint64_t addr[8];
	uint8_t val[8];
};

static void rec_byte(void *arg, uint64_t addr, uint8_t val)
{
	struct bytes *b = arg;

	if (b->n < 8) {
		b->addr[b->n] = addr;
		b->val[b->n] = val;
	}
	b->n++;
}

/* MAP_SHARED across fork, fork of a fork, the parent exiting first. */
static void test_fork_shared(void)
{
	struct as_model *m = mk(1);

	MAP_AT(m, 0, A(0), 2 * P, RW, SH);
	MAP_AT(m, 0, A(4), P, RW, PRIV);
	WR(m, 0, A(0), 1);
	WR(m, 0, A(4), 40);
	OKS(asm_fork(m, 0, 1, 0, false));
	/* The same backing object on both sides; private has none. */
	struct as_vma pv, cv;
	CHECK(asm_find_vma(m, 0, A(1), &pv) && asm_find_vma(m, 1, A(1), &cv));
	CHECK(pv.backing != 0 && pv.backing == cv.backing && cv.offset == 0);
	CHECK(asm_find_vma(m, 1, A(4), &cv) && cv.backing == 0);
	WR(m, 1, A(1), 2); /* child writes shared: parent sees it */
	RD(m, 0, A(1), 2);
	WR(m, 0, A(0), 3); /* and the other way */
	RD(m, 1, A(0), 3);
	CHECK_EQ_UL(asm_nr_objects(m), 1);

	/* Fork of the fork: still the same object. Private is copied again. */
	WR(m, 1, A(4), 41);
	OKS(asm_fork(m, 1, 2, 0, false));
	RD(m, 2, A(4), 41);
	RD(m, 0, A(4), 40);
	WR(m, 2, A(1), 9);
	RD(m, 0, A(1), 9);
	RD(m, 1, A(1), 9);

	/* Child munmaps a shared page: the others still see it, it stays 9. */
	UNMAP_OK(m, 1, A(1), P);
	RD(m, 0, A(1), 9);
	SEGV_R(m, 1, A(1));

	/* The original parent exits first: the descendants keep everything. */
	OKS(asm_exit(m, 0));
	RD(m, 1, A(0), 3);
	RD(m, 2, A(0), 3);
	RD(m, 2, A(1), 9);
	RD(m, 1, A(4), 41);
	/* All mm 2 can see: two shared bytes and a private one, in order. */
	struct bytes b = { 0 };
	asm_for_each_byte(m, 2, rec_byte, &b);
	CHECK_EQ_UL(b.n, 3);
	CHECK(b.addr[0] == A(0) && b.val[0] == 3 && b.addr[1] == A(1) && b.val[1] == 9 &&
	      b.addr[2] == A(4) && b.val[2] == 41);
	WR(m, 2, A(0), 4);
	RD(m, 1, A(0), 4);
	CHECK_EQ_UL(asm_nr_objects(m), 1);
	/* Only mm 2 still maps page 1 of the object; when it goes, page 1's
	 * byte is forgotten even though the object lives on in mm 1. */
	UNMAP_OK(m, 2, A(1), P);
	CHECK_EQ_UL(asm_nr_bytes(m), 1 + 1 + 1); /* object: A0; private A4 in mm1, mm2 */
	OKS(asm_exit(m, 1));
	OKS(asm_exit(m, 2));
	CHECK_EQ_UL(asm_nr_objects(m), 0);
	CHECK_EQ_UL(asm_nr_bytes(m), 0);
	/* A dead slot can be reused. */
	OKS(asm_new(m, 0, 0, false));
	NO_VMAS(m, 0);
	SEGV_R(m, 0, A(0));
	done(m);
}

/* With alloc_failed, -ENOMEM is legal and nothing may change; without it,
 * the same result is a divergence. */
static void test_injected_failure(void)
{
	struct as_model *m = mk(1);
	struct snap s;

	MAP_FIXED_OK(m, 0, A(0), 4 * P, RW, PRIV);
	MAP_FIXED_OK(m, 0, A(4), 2 * P, RW, SH);
	BRK(m, 0, H + P, H + P);
	WR(m, 0, A(0), 1);
	WR(m, 0, A(5), 2);
	take(m, &s);

#define FAILS(call_ok, call_spurious)                 \
	do {                                          \
		OKS(call_ok);                         \
		CHECK(unchanged(m, &s));              \
		ST(call_spurious, AS_SPURIOUS_NOMEM); \
		CHECK(unchanged(m, &s));              \
	} while (0)

	FAILS(asm_mmap(m, 0, 0, P, R, SH, false, -AS_ENOMEM, true, NULL),
	      asm_mmap(m, 0, 0, P, R, SH, false, -AS_ENOMEM, false, NULL));
	FAILS(asm_mmap(m, 0, A(2), 3 * P, R, SH, true, -AS_ENOMEM, true, NULL),
	      asm_mmap(m, 0, A(2), 3 * P, R, SH, true, -AS_ENOMEM, false, NULL));
	FAILS(asm_munmap(m, 0, A(1), P, -AS_ENOMEM, true, NULL),
	      asm_munmap(m, 0, A(1), P, -AS_ENOMEM, false, NULL));
	FAILS(asm_mprotect(m, 0, A(1), P, R, -AS_ENOMEM, true, NULL),
	      asm_mprotect(m, 0, A(1), P, R, -AS_ENOMEM, false, NULL));
	FAILS(asm_brk(m, 0, H + 5 * P, (int64_t)(H + P), true, NULL),
	      asm_brk(m, 0, H + 5 * P, (int64_t)(H + P), false, NULL));
	FAILS(asm_brk(m, 0, H, (int64_t)(H + P), true, NULL),
	      asm_brk(m, 0, H, (int64_t)(H + P), false, NULL));
	FAILS(asm_touch(m, 0, A(3), true, 7, -AS_ENOMEM, true, NULL),
	      asm_touch(m, 0, A(3), true, 7, -AS_ENOMEM, false, NULL));
	FAILS(asm_touch(m, 0, A(0), false, 0, -AS_ENOMEM, true, NULL),
	      asm_touch(m, 0, A(0), false, 0, -AS_ENOMEM, false, NULL));
	FAILS(asm_fork(m, 0, 1, -AS_ENOMEM, true), asm_fork(m, 0, 1, -AS_ENOMEM, false));
	CHECK(!asm_alive(m, 1));
	/* A failed allocation does not force a failure: a fallback may win. */
	OKS(asm_munmap(m, 0, A(1), P, 0, true, NULL));
	VMAS(m, 0, { H, H + P, RW, PRIV }, { A(0), A(1), RW, PRIV }, { A(2), A(4), RW, PRIV },
	     { A(4), A(6), RW, SH });
	/* Nor may it excuse a result other than -ENOMEM, or an error case. */
	ST(asm_munmap(m, 0, A(1), P, -AS_EINVAL, true, NULL), AS_MISMATCH);
	ST(asm_touch(m, 0, A(1), false, 0, -AS_ENOMEM, true, NULL), AS_MISMATCH); /* SEGV */
	done(m);
}

/* ------------------------------------------------------------------------ */
/* Randomised cross-check. The oracle keeps, per mm and per page of a small
 * user range, whether it is mapped, its prot, and whose bytes it shows
 * (private, or page pg of shared object obj). VMAs are derived from the
 * pages; nothing is shared with the model's code. Touches use 3 byte
 * offsets per page, so the oracle's contents are a tiny array per page. */

#define NPG 40      /* pages 0..39 of the address space */
#define UB (1 * P)  /* user range [1, 36): pages 0 and */
#define UT (36 * P) /* 36..39 are outside it */
#define HB (6 * P)  /* heap base */
#define MB (14 * P) /* mmap base */
#define NOFF 3
#define MAXOBJ 20000
static const uint64_t offs[NOFF] = { 0, 1, P - 1 };

struct opage {
	bool mapped;
	int prot, flags;
	int obj, pg; /* shared: object index (1-based) and its page */
	uint8_t priv[NOFF];
};

struct omm {
	bool alive;
	uint64_t brk;
	struct opage pg[NPG];
};

static struct omm om[AS_MAX_MM];
static uint8_t objbytes[MAXOBJ + 1][NPG][NOFF];
static int nobj;

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(uint64_t n)
{
	/* xorshift64*: fixed seed, the same run every time. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return ((rng * 0x2545f4914f6cdd1dULL) >> 16) % n;
}

static int offidx(uint64_t addr)
{
	for (int k = 0; k < NOFF; k++)
		if (addr % P == offs[k])
			return k;
	return -1;
}

static uint8_t *obyte(struct omm *o, uint64_t addr)
{
	struct opage *p = &o->pg[addr / P];

	return p->obj ? &objbytes[p->obj][p->pg][offidx(addr)] : &p->priv[offidx(addr)];
}

static void o_unmap(struct omm *o, uint64_t lo, uint64_t hi)
{
	for (uint64_t a = lo; a < hi; a += P)
		memset(&o->pg[a / P], 0, sizeof(o->pg[0]));
}

static bool o_free(const struct omm *o, uint64_t lo, uint64_t hi)
{
	for (uint64_t a = lo; a < hi; a += P)
		if (o->pg[a / P].mapped)
			return false;
	return true;
}

static void o_map(struct omm *o, uint64_t lo, uint64_t hi, int prot, int flags)
{
	int obj = flags == SH ? ++nobj : 0;

	for (uint64_t a = lo; a < hi; a += P) {
		struct opage *p = &o->pg[a / P];

		memset(p, 0, sizeof(*p));
		p->mapped = true;
		p->prot = prot;
		p->flags = flags;
		p->obj = obj;
		p->pg = (int)((a - lo) / P);
	}
}

static uint64_t pup(uint64_t x)
{
	return (x + P - 1) / P * P;
}

/* The oracle's ideas of validity, written out page by page. */
static bool o_range(uint64_t addr, uint64_t len)
{
	return addr % P == 0 && len > 0 && len <= UT - UB && addr >= UB && addr <= UT &&
	       pup(len) <= UT - addr;
}

struct bytewalk {
	const struct as_model *m;
	int id, n, bad;
	uint64_t last;
	uint64_t lo, hi; /* hi != 0: every byte must lie in [lo, hi) */
};

static void on_byte(void *arg, uint64_t addr, uint8_t val)
{
	struct bytewalk *w = arg;

	/* Ascending, non-zero, and what peek says. */
	if ((w->n && addr <= w->last) || !val || asm_peek(w->m, w->id, addr) != val)
		w->bad++;
	if (w->hi && (addr < w->lo || addr >= w->hi))
		w->bad++;
	w->last = addr;
	w->n++;
}

/* Compare every query the model answers with the oracle. */
static int compare(const struct as_model *m, int step)
{
	for (int id = 0; id < AS_MAX_MM; id++) {
		struct omm *o = &om[id];
		size_t vi = 0;
		struct as_vma v;

		if (asm_alive(m, id) != o->alive)
			goto bad;
		if (!o->alive)
			continue;
		if (asm_get_brk(m, id) != o->brk || asm_start_brk(m, id) != HB)
			goto bad;
		/* Derive the canonical VMAs from the pages. */
		for (int pg = 0; pg < NPG;) {
			struct opage *p = &o->pg[pg];
			int end = pg + 1;

			if (!p->mapped) {
				pg++;
				continue;
			}
			while (end < NPG && o->pg[end].mapped && o->pg[end].prot == p->prot &&
			       o->pg[end].flags == p->flags && o->pg[end].obj == p->obj &&
			       (!p->obj || o->pg[end].pg == o->pg[end - 1].pg + 1))
				end++;
			if (!asm_get_vma(m, id, vi++, &v) || v.start != pg * P ||
			    v.end != end * P || v.prot != p->prot || v.flags != p->flags ||
			    v.backing != (uint64_t)p->obj || (p->obj && v.offset != p->pg * P))
				goto bad;
			pg = end;
		}
		if (asm_nr_vmas(m, id) != vi)
			goto bad;
		int nonzero = 0;
		struct bytewalk w = { m, id, 0, 0, 0, 0, 0 };

		for (int pg = 0; pg < NPG; pg++)
			for (int k = 0; k < NOFF; k++) {
				uint64_t a = pg * P + offs[k];
				int want = o->pg[pg].mapped ? *obyte(o, a) : -AS_EFAULT;

				if (asm_peek(m, id, a) != want)
					goto bad;
				nonzero += want > 0;
			}
		asm_for_each_byte(m, id, on_byte, &w);
		if (w.bad || w.n != nonzero)
			goto bad;
		/* A window (any alignment, possibly across VMAs and holes)
		 * sees exactly the oracle's non-zero bytes inside it. */
		uint64_t lo = rnd(NPG * P), hi = lo + rnd(NPG * P - lo + 1);
		int inside = 0;
		struct bytewalk ww = { m, id, 0, 0, 0, lo, hi ? hi : 1 };

		for (int pg = 0; pg < NPG; pg++)
			for (int k = 0; k < NOFF; k++) {
				uint64_t a = pg * P + offs[k];

				inside += a >= lo && a < hi && o->pg[pg].mapped && *obyte(o, a);
			}
		asm_for_each_byte_in(m, id, lo, hi, on_byte, &ww);
		if (ww.bad || ww.n != inside)
			goto bad;
		continue;
bad:
		fprintf(stderr, "step %d: mm %d differs from the oracle\n", step, id);
		dump(m, id);
		return 0;
	}
	return asm_selfcheck(m);
}

static int pick_prot(void)
{
	return rnd(20) ? (int)rnd(8) : 8 << rnd(2);
}

static int pick_flags(void)
{
	static const int f[] = { PRIV, SH, PRIV, SH, 0, SH | PRIV };

	return f[rnd(6)];
}

static uint64_t pick_addr(void)
{
	return rnd(NPG) * P + (rnd(30) ? 0 : 1 + rnd(P - 1));
}

static uint64_t pick_len(void)
{
	switch (rnd(12)) {
	case 0:
		return 0;
	case 1:
		return rnd(P) + 1;
	case 2:
		return UINT64_MAX - rnd(P);
	case 3:
		return (rnd(NPG) + 1) * P + rnd(3);
	default:
		return (rnd(6) + 1) * P;
	}
}

static int random_live(void)
{
	int live[AS_MAX_MM], n = 0;

	for (int id = 0; id < AS_MAX_MM; id++)
		if (om[id].alive)
			live[n++] = id;
	return n ? live[rnd((uint64_t)n)] : -1;
}

/* Sometimes the "kernel" fails on an injected allocation failure, and
 * sometimes it returns a wrong result; both must leave the model as is. */
static int failing(void)
{
	return rnd(12) == 0;
}

static void rnd_mmap(struct as_model *m, int id)
{
	struct omm *o = &om[id];
	uint64_t addr = pick_addr(), len = pick_len(), plen;
	int prot = pick_prot(), flags = pick_flags();
	bool fixed = rnd(2),
	     args = !(prot & ~7) && (flags == PRIV || flags == SH) && len && len <= UT - UB;
	int64_t ret;

	if (!args || (fixed && !o_range(addr, len))) {
		OKS(asm_mmap(m, id, addr, len, prot, flags, fixed, -AS_EINVAL, false, NULL));
		return;
	}
	plen = pup(len);
	if (fixed) {
		ret = (int64_t)addr;
	} else {
		/* The rule: the hint rounded up when it is free, else the lowest
		 * fit (no big alignment in this layout). */
		uint64_t cand[NPG], hint = (addr + P - 1) / P * P;
		int n = 0;

		for (uint64_t a = MB; a + plen <= UT; a += P)
			if (o_free(o, a, a + plen))
				cand[n++] = a;
		if (!n) {
			OKS(asm_mmap(m, id, addr, len, prot, flags, false, -AS_ENOMEM, false,
				     NULL));
			ST(asm_mmap(m, id, addr, len, prot, flags, false, (int64_t)MB, false, NULL),
			   AS_BAD_PLACEMENT);
			return;
		}
		ret = hint >= MB && hint <= UT && plen <= UT - hint && o_free(o, hint, hint + plen)
			      ? (int64_t)hint
			      : (int64_t)cand[0];
		uint64_t other = cand[rnd((uint64_t)n)];

		if (other != (uint64_t)ret && rnd(5) == 0) {
			/* Free, but not the rule's choice. */
			ST(asm_mmap(m, id, addr, len, prot, flags, false, (int64_t)other, false,
				    NULL),
			   AS_PLACEMENT_RULE);
			return;
		}
		if (rnd(10) == 0) {
			/* Wrong placements: overlapping, or below mmap_base. */
			uint64_t bad = rnd(2) ? HB : MB - P;

			for (int pg = 0; pg < NPG; pg++)
				if (o->pg[pg].mapped && pg * P >= MB &&
				    (uint64_t)pg * P + plen <= UT)
					bad = pg * P;
			ST(asm_mmap(m, id, addr, len, prot, flags, false, (int64_t)bad, false,
				    NULL),
			   AS_BAD_PLACEMENT);
			return;
		}
	}
	if (failing()) {
		OKS(asm_mmap(m, id, addr, len, prot, flags, fixed, -AS_ENOMEM, true, NULL));
		return;
	}
	OKS(asm_mmap(m, id, addr, len, prot, flags, fixed, ret, false, NULL));
	o_map(o, (uint64_t)ret, (uint64_t)ret + plen, prot, flags);
}

static void rnd_munmap(struct as_model *m, int id)
{
	uint64_t addr = pick_addr(), len = pick_len();

	if (!o_range(addr, len)) {
		OKS(asm_munmap(m, id, addr, len, -AS_EINVAL, false, NULL));
		return;
	}
	if (failing()) {
		OKS(asm_munmap(m, id, addr, len, -AS_ENOMEM, true, NULL));
		return;
	}
	OKS(asm_munmap(m, id, addr, len, 0, false, NULL));
	o_unmap(&om[id], addr, addr + pup(len));
}

static void rnd_mprotect(struct as_model *m, int id)
{
	struct omm *o = &om[id];
	uint64_t addr = pick_addr(), len = rnd(4) ? (rnd(4) + 1) * P : pick_len();
	int prot = pick_prot();
	int64_t want = 0;

	if ((prot & ~7) || addr % P)
		want = -AS_EINVAL;
	else if (!len)
		want = 0;
	else if (!o_range(addr, len))
		want = -AS_EINVAL;
	else
		for (uint64_t a = addr; a < addr + pup(len); a += P)
			if (!o->pg[a / P].mapped)
				want = -AS_ENOMEM;
	if (want == 0 && len && failing()) {
		OKS(asm_mprotect(m, id, addr, len, prot, -AS_ENOMEM, true, NULL));
		return;
	}
	OKS(asm_mprotect(m, id, addr, len, prot, want, false, NULL));
	if (want == 0 && len)
		for (uint64_t a = addr; a < addr + pup(len); a += P)
			o->pg[a / P].prot = prot;
}

static void rnd_brk(struct as_model *m, int id)
{
	struct omm *o = &om[id];
	uint64_t nb = rnd(10) ? HB - 2 * P + rnd(16 * P) : (rnd(2) ? 0 : UT + rnd(3) * P);
	uint64_t oe = pup(o->brk), ne = pup(nb);
	bool ok = nb >= HB && nb <= UT && (ne <= oe || o_free(o, oe, ne));

	if (!ok || nb == o->brk) {
		OKS(asm_brk(m, id, nb, (int64_t)o->brk, false, NULL));
		return;
	}
	if (failing()) {
		OKS(asm_brk(m, id, nb, (int64_t)o->brk, true, NULL));
		return;
	}
	OKS(asm_brk(m, id, nb, (int64_t)nb, false, NULL));
	if (ne > oe)
		o_map(o, oe, ne, RW, PRIV);
	else
		o_unmap(o, ne, oe);
	o->brk = nb;
}

static void rnd_touch(struct as_model *m, int id)
{
	struct omm *o = &om[id];
	uint64_t addr = rnd(NPG) * P + offs[rnd(NOFF)];
	struct opage *p;

	/* Mostly where something is mapped, or contents would rarely matter. */
	for (int tries = 0; tries < 8 && rnd(5) && !o->pg[addr / P].mapped; tries++)
		addr = rnd(NPG) * P + offs[rnd(NOFF)];
	p = &o->pg[addr / P];
	bool write = rnd(2);
	uint8_t val = (uint8_t)rnd(4); /* zeroes included */
	int64_t want;

	if (!p->mapped || !(p->prot & (write ? W : R | W)))
		want = -AS_EFAULT;
	else
		want = write ? 0 : *obyte(o, addr);
	if (want >= 0 && failing()) {
		OKS(asm_touch(m, id, addr, write, val, -AS_ENOMEM, true, NULL));
		return;
	}
	if (want >= 0 && rnd(20) == 0) {
		ST(asm_touch(m, id, addr, write, val, want + 1, false, NULL), AS_MISMATCH);
		return;
	}
	OKS(asm_touch(m, id, addr, write, val, want, false, NULL));
	if (want == 0 && write)
		*obyte(o, addr) = val;
}

static void rnd_lifecycle(struct as_model *m)
{
	int id = (int)rnd(AS_MAX_MM), other = random_live();

	if (!om[id].alive && other >= 0 && rnd(3)) {
		if (failing()) {
			OKS(asm_fork(m, other, id, -AS_ENOMEM, true));
			return;
		}
		OKS(asm_fork(m, other, id, 0, false));
		om[id] = om[other];
	} else if (!om[id].alive) {
		OKS(asm_new(m, id, 0, false));
		memset(&om[id], 0, sizeof(om[id]));
		om[id].alive = true;
		om[id].brk = HB;
	} else if (rnd(2)) {
		OKS(asm_exit(m, id));
		memset(&om[id], 0, sizeof(om[id]));
	}
}

static void test_random_crosscheck(void)
{
	const struct as_layout l = { UB, UT, HB, MB, 0 };
	struct as_model *m = asm_create(&l);
	int fails = 0;

	CHECK(m != NULL);
	if (!m)
		return;
	memset(om, 0, sizeof(om));
	for (int step = 0; step < 8000 && nobj < MAXOBJ; step++) {
		int id = random_live();
		uint64_t r = rnd(100);

		if (id < 0 || r < 4)
			rnd_lifecycle(m);
		else if (r < 20)
			rnd_mmap(m, id);
		else if (r < 27)
			rnd_munmap(m, id);
		else if (r < 37)
			rnd_mprotect(m, id);
		else if (r < 43)
			rnd_brk(m, id);
		else
			rnd_touch(m, id);
		if (!compare(m, step)) {
			CHECK(!"model differs from the oracle");
			if (++fails > 3)
				break;
		}
	}
	for (int id = 0; id < AS_MAX_MM; id++)
		if (asm_alive(m, id))
			OKS(asm_exit(m, id));
	CHECK_EQ_UL(asm_nr_objects(m), 0);
	CHECK_EQ_UL(asm_nr_bytes(m), 0);
	printf("random: %d shared objects made\n", nobj);
	done(m);
}

int main(void)
{
	test_handles();
	test_mmap_validation();
	test_mmap_placement();
	test_munmap_split();
	test_mprotect();
	test_merge_rules();
	test_map_fixed_replaces();
	test_brk();
	test_touch();
	test_fork_private();
	test_fork_shared();
	test_injected_failure();
	test_random_crosscheck();
	return check_finish("test_as_model");
}
