/* Reference buddy model: hand-computed scenarios and a randomised
 * cross-check against a brute-force oracle.
 *
 * Offsets in the comments are relative to the span base. Most spans use a
 * non-zero base so that mixing up absolute and relative pfns shows. Block
 * lists are written {head:order, ...}.
 */
#include "buddy_model.h"

#include "check.h"

#include <string.h>

#define B 1024UL /* aligned to 1 << 3 and more */

/* Per-order canonical free counts for a max_order-3 model, plus the total of
 * free pages; order 4 must never appear because max_order is inclusive. */
#define COUNTS3(m, pages, c0, c1, c2, c3)              \
	do {                                           \
		CHECK_EQ_UL(bm_free_blocks(m, 0), c0); \
		CHECK_EQ_UL(bm_free_blocks(m, 1), c1); \
		CHECK_EQ_UL(bm_free_blocks(m, 2), c2); \
		CHECK_EQ_UL(bm_free_blocks(m, 3), c3); \
		CHECK_EQ_UL(bm_free_blocks(m, 4), 0);  \
		CHECK_EQ_UL(bm_free_pages(m), pages);  \
	} while (0)

#define OK(expr) CHECK_EQ_UL(expr, BM_OK)
#define ST(expr, st) CHECK_EQ_UL(expr, st)

struct blk {
	unsigned long pfn;
	unsigned int order, cls;
};

struct walk {
	struct blk b[4096];
	int n;
};

static void rec_free(void *arg, unsigned long pfn, unsigned int order)
{
	struct walk *w = arg;

	if (w->n < 4096)
		w->b[w->n] = (struct blk){ pfn, order, 0 };
	w->n++;
}

static void rec_alloc(void *arg, unsigned long pfn, unsigned int order, unsigned int cls)
{
	struct walk *w = arg;

	if (w->n < 4096)
		w->b[w->n] = (struct blk){ pfn, order, cls };
	w->n++;
}

/* The free walk must list exactly exp[0..n) (pfns relative to base), in
 * this order. Returns nonzero on mismatch so the caller's line is reported. */
static int free_walk_is(const struct buddy_model *m, unsigned long base, const struct blk *exp,
			int n)
{
	static struct walk w;

	w.n = 0;
	bm_for_each_free(m, rec_free, &w);
	if (w.n != n)
		return 0;
	for (int i = 0; i < n; i++)
		if (w.b[i].pfn != base + exp[i].pfn || w.b[i].order != exp[i].order)
			return 0;
	return 1;
}

static int alloc_walk_is(const struct buddy_model *m, unsigned long base, const struct blk *exp,
			 int n)
{
	static struct walk w;

	w.n = 0;
	bm_for_each_allocated(m, rec_alloc, &w);
	if (w.n != n)
		return 0;
	for (int i = 0; i < n; i++)
		if (w.b[i].pfn != base + exp[i].pfn || w.b[i].order != exp[i].order ||
		    w.b[i].cls != exp[i].cls)
			return 0;
	return 1;
}

#define FREE_WALK(m, base, ...)                                                      \
	do {                                                                         \
		static const struct blk _e[] = { __VA_ARGS__ };                      \
		CHECK(free_walk_is(m, base, _e, (int)(sizeof(_e) / sizeof(_e[0])))); \
	} while (0)

#define ALLOC_WALK(m, base, ...)                                                      \
	do {                                                                          \
		static const struct blk _e[] = { __VA_ARGS__ };                       \
		CHECK(alloc_walk_is(m, base, _e, (int)(sizeof(_e) / sizeof(_e[0])))); \
	} while (0)

static struct buddy_model *make(unsigned long base, unsigned long nr, unsigned int max_order,
				const struct bm_range *r, int nr_r)
{
	struct buddy_model *m = bm_create(base, nr, max_order);

	CHECK(m != NULL);
	if (!m)
		exit(1);
	bm_reset(m, r, nr_r);
	return m;
}

/* Span 16, max_order 3, usable [1,15):
 * {1:0, 2:1, 4:2, 8:2, 12:1, 14:0}: 0 and 15 are missing, so neither 8-page
 * block is whole and each half peels off down to the single pages. */
static void test_boot_decomposition(void)
{
	struct bm_range r[] = { { B + 1, B + 15 } };
	struct buddy_model *m = make(B, 16, 3, r, 1);

	COUNTS3(m, 14, 2, 2, 2, 0);
	FREE_WALK(m, B, { 1, 0, 0 }, { 2, 1, 0 }, { 4, 2, 0 }, { 8, 2, 0 }, { 12, 1, 0 },
		  { 14, 0, 0 });
	CHECK_EQ_UL(bm_max_free_order(m), 2);
	CHECK(bm_is_free_block(m, B + 4, 2));
	CHECK(bm_is_free_block(m, B + 14, 0));
	/* Free pages but not canonical blocks: a sub-block, a non-head. */
	CHECK(!bm_is_free_block(m, B + 4, 1));
	CHECK(!bm_is_free_block(m, B + 5, 0));
	CHECK(!bm_is_free_block(m, B + 0, 0));
	CHECK(!bm_is_free_block(m, B + 8, 3));
	CHECK(!bm_is_free_block(m, B + 16, 0));
	CHECK(!bm_is_free_block(m, B + 4, 9));
	CHECK_EQ_UL(bm_nr_allocated(m), 0);

	/* Take 4:2 whole: {1:0, 2:1, 8:2, 12:1, 14:0}. */
	OK(bm_alloc(m, B + 4, 2, 7));
	COUNTS3(m, 10, 2, 2, 1, 0);
	/* 8 out of 8:2 leaves 9:0 and 10:1 behind:
	 * {1:0, 2:1, 9:0, 10:1, 12:1, 14:0}. */
	OK(bm_alloc(m, B + 8, 0, 1));
	COUNTS3(m, 9, 3, 3, 0, 0);
	CHECK_EQ_UL(bm_max_free_order(m), 1);
	FREE_WALK(m, B, { 1, 0, 0 }, { 2, 1, 0 }, { 9, 0, 0 }, { 10, 1, 0 }, { 12, 1, 0 },
		  { 14, 0, 0 });
	ALLOC_WALK(m, B, { 4, 2, 7 }, { 8, 0, 1 });
	CHECK_EQ_UL(bm_nr_allocated(m), 2);
	CHECK_EQ_UL(bm_nr_allocated_class(m, 7), 1);
	CHECK_EQ_UL(bm_nr_allocated_class(m, 1), 1);
	CHECK_EQ_UL(bm_nr_allocated_class(m, 0), 0);
	CHECK_EQ_UL(bm_nr_allocated_class(m, BM_NR_CLASSES), 0);

	/* 4:2's buddy 0:2 holds unusable page 0, so 4:2 comes back alone. */
	OK(bm_free(m, B + 4, 2));
	CHECK_EQ_UL(bm_nr_allocated_class(m, 7), 0);
	CHECK_EQ_UL(bm_nr_allocated_class(m, 1), 1);
	COUNTS3(m, 13, 3, 3, 1, 0);
	CHECK(bm_is_free_block(m, B + 4, 2));
	/* 8 merges with 9:0 into 8:1, with 10:1 into 8:2, and stops: 12 is 12:1,
	 * not 12:2. Back to boot. */
	OK(bm_free(m, B + 8, 0));
	COUNTS3(m, 14, 2, 2, 2, 0);
	FREE_WALK(m, B, { 1, 0, 0 }, { 2, 1, 0 }, { 4, 2, 0 }, { 8, 2, 0 }, { 12, 1, 0 },
		  { 14, 0, 0 });
	CHECK_EQ_UL(bm_nr_allocated(m), 0);
	bm_destroy(m);
}

/* Span 16, max_order 3, fully usable: {0:3, 8:3}. */
static void test_coalesce_full_block(void)
{
	struct bm_range r[] = { { B, B + 16 } };
	struct buddy_model *m = make(B, 16, 3, r, 1);

	COUNTS3(m, 16, 0, 0, 0, 2);
	CHECK_EQ_UL(bm_max_free_order(m), 3);

	/* 0:0 splits 0:3 into {1:0, 2:1, 4:2}; 8:3 untouched. */
	OK(bm_alloc(m, B + 0, 0, 0));
	COUNTS3(m, 15, 1, 1, 1, 1);
	OK(bm_alloc(m, B + 8, 3, 0));
	COUNTS3(m, 7, 1, 1, 1, 0);
	/* 4:1 out of 4:2 leaves 6:1: {1:0, 2:1, 6:1}. */
	OK(bm_alloc(m, B + 4, 1, 0));
	COUNTS3(m, 5, 1, 2, 0, 0);
	/* 0 merges with 1 and 2:1 into 0:2; 4:2 is half allocated. */
	OK(bm_free(m, B + 0, 0));
	COUNTS3(m, 6, 0, 1, 1, 0);
	FREE_WALK(m, B, { 0, 2, 0 }, { 6, 1, 0 });
	/* 4 + 6:1 = 4:2, + 0:2 = 0:3, and 3 is max_order: stop. */
	OK(bm_free(m, B + 4, 1));
	COUNTS3(m, 8, 0, 0, 0, 1);
	/* Everything is free now, yet 0:3 and 8:3 must not fuse: capped. */
	OK(bm_free(m, B + 8, 3));
	COUNTS3(m, 16, 0, 0, 0, 2);
	FREE_WALK(m, B, { 0, 3, 0 }, { 8, 3, 0 });

	/* All 16 pages one by one, freed in a scrambled order: each step is
	 * counted by hand. */
	for (unsigned long p = 0; p < 16; p++)
		OK(bm_alloc(m, B + p, 0, (unsigned int)p));
	COUNTS3(m, 0, 0, 0, 0, 0);
	CHECK_EQ_UL(bm_max_free_order(m), -1);
	CHECK_EQ_UL(bm_nr_allocated(m), 16);
	OK(bm_free(m, B + 5, 0)); /* {5:0} */
	COUNTS3(m, 1, 1, 0, 0, 0);
	OK(bm_free(m, B + 7, 0)); /* {5:0, 7:0}: 7's buddy 6 is live */
	COUNTS3(m, 2, 2, 0, 0, 0);
	OK(bm_free(m, B + 6, 0)); /* 6+7 = 6:1, 4 live: {5:0, 6:1} */
	COUNTS3(m, 3, 1, 1, 0, 0);
	OK(bm_free(m, B + 4, 0)); /* 4+5 = 4:1, + 6:1 = 4:2 */
	COUNTS3(m, 4, 0, 0, 1, 0);
	OK(bm_free(m, B + 9, 0)); /* {4:2, 9:0} */
	COUNTS3(m, 5, 1, 0, 1, 0);
	OK(bm_free(m, B + 1, 0)); /* {1:0, 4:2, 9:0} */
	COUNTS3(m, 6, 2, 0, 1, 0);
	OK(bm_free(m, B + 3, 0)); /* {1:0, 3:0, 4:2, 9:0} */
	COUNTS3(m, 7, 3, 0, 1, 0);
	OK(bm_free(m, B + 2, 0)); /* 2+3 = 2:1; 0 live: {1:0, 2:1, 4:2, 9:0} */
	COUNTS3(m, 8, 2, 1, 1, 0);
	OK(bm_free(m, B + 0, 0)); /* 0+1 -> 0:1, +2:1 -> 0:2, +4:2 -> 0:3 */
	COUNTS3(m, 9, 1, 0, 0, 1);
	for (unsigned long p = 10; p < 16; p++)
		OK(bm_free(m, B + p, 0));
	/* 10..15 free, 8 live: {0:3, 9:0, 10:1, 12:2} */
	COUNTS3(m, 15, 1, 1, 1, 1);
	FREE_WALK(m, B, { 0, 3, 0 }, { 9, 0, 0 }, { 10, 1, 0 }, { 12, 2, 0 });
	OK(bm_free(m, B + 8, 0));
	COUNTS3(m, 16, 0, 0, 0, 2);
	CHECK_EQ_UL(bm_nr_allocated(m), 0);
	bm_destroy(m);
}

/* Holes keep buddies apart. */
static void test_holes(void)
{
	/* Hole at 5: [0,5) = {0:2, 4:0}, [6,16) = {6:1, 8:3}. */
	struct bm_range r[] = { { B + 6, B + 16 }, { B + 0, B + 5 } };
	struct buddy_model *m = make(B, 16, 3, r, 2);

	COUNTS3(m, 15, 1, 1, 1, 1);
	FREE_WALK(m, B, { 0, 2, 0 }, { 4, 0, 0 }, { 6, 1, 0 }, { 8, 3, 0 });
	/* The hole is never free, not even as part of a bigger block. */
	ST(bm_alloc(m, B + 5, 0, 0), BM_NOT_FREE);
	ST(bm_alloc(m, B + 4, 1, 0), BM_NOT_FREE);
	ST(bm_alloc(m, B + 0, 3, 0), BM_NOT_FREE);
	COUNTS3(m, 15, 1, 1, 1, 1);
	/* 4 back: its buddy 5 is the hole, so it stays 4:0. */
	OK(bm_alloc(m, B + 4, 0, 0));
	COUNTS3(m, 14, 0, 1, 1, 1);
	OK(bm_free(m, B + 4, 0));
	COUNTS3(m, 15, 1, 1, 1, 1);
	/* 6:1's buddy is 4:1, never whole: 6:1 stays. */
	OK(bm_alloc(m, B + 6, 1, 0));
	COUNTS3(m, 13, 1, 0, 1, 1);
	OK(bm_free(m, B + 6, 1));
	COUNTS3(m, 15, 1, 1, 1, 1);
	FREE_WALK(m, B, { 0, 2, 0 }, { 4, 0, 0 }, { 6, 1, 0 }, { 8, 3, 0 });
	bm_destroy(m);

	/* Two islands [0,4) and [12,16): {0:2, 12:2}, nothing between. */
	struct bm_range r2[] = { { B + 12, B + 16 }, { B + 0, B + 4 } };
	m = make(B, 16, 3, r2, 2);
	COUNTS3(m, 8, 0, 0, 2, 0);
	OK(bm_alloc(m, B + 12, 2, 0));
	OK(bm_alloc(m, B + 0, 0, 0));
	COUNTS3(m, 3, 1, 1, 0, 0);
	OK(bm_free(m, B + 12, 2));
	OK(bm_free(m, B + 0, 0));
	COUNTS3(m, 8, 0, 0, 2, 0);
	FREE_WALK(m, B, { 0, 2, 0 }, { 12, 2, 0 });
	bm_destroy(m);
}

/* Unsorted, adjacent, overlapping and out-of-span ranges normalise. */
static void test_range_normalisation(void)
{
	struct buddy_model *m = bm_create(B, 16, 3);

	CHECK(m != NULL);
	if (!m)
		return;
	/* Nothing usable yet: no free block at all. */
	COUNTS3(m, 0, 0, 0, 0, 0);
	CHECK_EQ_UL(bm_max_free_order(m), -1);

	/* Adjacent, unsorted: [8,16) + [0,3) + [3,8) = [0,16) = {0:3, 8:3}. */
	struct bm_range adj[] = { { B + 8, B + 16 }, { B + 0, B + 3 }, { B + 3, B + 8 } };
	bm_reset(m, adj, 3);
	COUNTS3(m, 16, 0, 0, 0, 2);

	/* Overlapping: [2,10) + [0,4) + [9,16) + [4,6) = [0,16). */
	struct bm_range ovl[] = {
		{ B + 2, B + 10 }, { B + 0, B + 4 }, { B + 9, B + 16 }, { B + 4, B + 6 }
	};
	bm_reset(m, ovl, 4);
	COUNTS3(m, 16, 0, 0, 0, 2);

	/* Clipped to the span; empty and inverted ranges contribute nothing:
	 * [1000, 1030) + [1030, 2000) covers the span, the others are noise. */
	struct bm_range clip[] = {
		{ 1000, B + 2 }, { B + 2, 2000 }, { B + 5, B + 5 }, { B + 9, B + 3 }, { 0, 10 }
	};
	bm_reset(m, clip, 5);
	COUNTS3(m, 16, 0, 0, 0, 2);

	/* Only noise: empty. */
	struct bm_range noise[] = { { B + 5, B + 5 }, { B + 9, B + 3 }, { B + 16, B + 40 } };
	bm_reset(m, noise, 3);
	COUNTS3(m, 0, 0, 0, 0, 0);

	/* Overlapping ranges with a gap left at 7: [0,6) + [3,7) = [0,7),
	 * [8,12) + [10,16) = [8,16): {0:2, 4:1, 6:0, 8:3}. */
	struct bm_range gap[] = {
		{ B + 10, B + 16 }, { B + 3, B + 7 }, { B + 0, B + 6 }, { B + 8, B + 12 }
	};
	bm_reset(m, gap, 4);
	COUNTS3(m, 15, 1, 1, 1, 1);
	FREE_WALK(m, B, { 0, 2, 0 }, { 4, 1, 0 }, { 6, 0, 0 }, { 8, 3, 0 });

	/* A reset over a dirty state forgets allocations. */
	OK(bm_alloc(m, B + 8, 3, 4));
	CHECK_EQ_UL(bm_nr_allocated(m), 1);
	bm_reset(m, adj, 3);
	COUNTS3(m, 16, 0, 0, 0, 2);
	CHECK_EQ_UL(bm_nr_allocated(m), 0);
	CHECK(!bm_find_allocated(m, B + 8, NULL, NULL, NULL));
	ST(bm_free(m, B + 8, 3), BM_NOT_ALLOCATED);
	bm_destroy(m);
}

/* Span of 13 pages, not a multiple of the biggest block: {0:3, 8:2, 12:0}. */
static void test_ragged_span(void)
{
	struct bm_range r[] = { { B, B + 13 } };
	struct buddy_model *m = make(B, 13, 3, r, 1);

	COUNTS3(m, 13, 1, 0, 1, 1);
	/* Blocks sticking out of the span's end. */
	ST(bm_alloc(m, B + 12, 1, 0), BM_OUT_OF_RANGE);
	ST(bm_alloc(m, B + 8, 3, 0), BM_OUT_OF_RANGE);
	ST(bm_alloc(m, B + 13, 0, 0), BM_OUT_OF_RANGE);
	/* 12's buddy 13 lies outside: no merge. */
	OK(bm_alloc(m, B + 12, 0, 0));
	COUNTS3(m, 12, 0, 0, 1, 1);
	OK(bm_free(m, B + 12, 0));
	COUNTS3(m, 13, 1, 0, 1, 1);
	/* 8:2's buddy 12:2 would run past the end. */
	OK(bm_alloc(m, B + 8, 2, 0));
	OK(bm_free(m, B + 8, 2));
	COUNTS3(m, 13, 1, 0, 1, 1);
	FREE_WALK(m, B, { 0, 3, 0 }, { 8, 2, 0 }, { 12, 0, 0 });
	bm_destroy(m);
}

static void test_errors(void)
{
	struct bm_range r[] = { { B, B + 8 } }; /* 8..15 never usable */
	struct buddy_model *m = make(B, 16, 3, r, 1);

	/* {0:3} */
	COUNTS3(m, 8, 0, 0, 0, 1);

	/* Order beyond max_order (inclusive 3) wins over everything else. */
	ST(bm_alloc(m, B + 0, 4, 0), BM_BAD_ORDER);
	ST(bm_alloc(m, B + 0, 200, 0), BM_BAD_ORDER);
	ST(bm_alloc(m, B + 3, 4, 0), BM_BAD_ORDER);
	ST(bm_alloc(m, 7, 4, 0), BM_BAD_ORDER);

	/* Range: below, at and above the end, and extending past the end.
	 * Range is checked before alignment: 12:3 is both. */
	ST(bm_alloc(m, B - 1, 0, 0), BM_OUT_OF_RANGE);
	ST(bm_alloc(m, B - 8, 3, 0), BM_OUT_OF_RANGE);
	ST(bm_alloc(m, 0, 0, 0), BM_OUT_OF_RANGE);
	ST(bm_alloc(m, B + 16, 0, 0), BM_OUT_OF_RANGE);
	ST(bm_alloc(m, (unsigned long)-1, 0, 0), BM_OUT_OF_RANGE);
	ST(bm_alloc(m, B + 12, 3, 0), BM_OUT_OF_RANGE);

	/* Alignment. */
	ST(bm_alloc(m, B + 1, 1, 0), BM_MISALIGNED);
	ST(bm_alloc(m, B + 2, 2, 0), BM_MISALIGNED);
	ST(bm_alloc(m, B + 4, 3, 0), BM_MISALIGNED);

	/* Never usable pages are never free. */
	ST(bm_alloc(m, B + 8, 0, 0), BM_NOT_FREE);
	ST(bm_alloc(m, B + 15, 0, 0), BM_NOT_FREE);
	ST(bm_alloc(m, B + 8, 3, 0), BM_NOT_FREE);
	COUNTS3(m, 8, 0, 0, 0, 1);

	/* Live 4:2 (cls 2) leaves {0:2}. */
	OK(bm_alloc(m, B + 4, 2, 2));
	COUNTS3(m, 4, 0, 0, 1, 0);
	ST(bm_alloc(m, B + 4, 2, 0), BM_NOT_FREE); /* exactly the live block */
	ST(bm_alloc(m, B + 0, 3, 0), BM_NOT_FREE); /* contains it: from above */
	ST(bm_alloc(m, B + 6, 1, 0), BM_NOT_FREE); /* inside it: from below */
	ST(bm_alloc(m, B + 4, 1, 0), BM_NOT_FREE); /* inside, sharing the head */
	ST(bm_alloc(m, B + 7, 0, 0), BM_NOT_FREE); /* its last page */
	/* Live 3:0 inside 0:2: a block ending on it or holding it fails. */
	OK(bm_alloc(m, B + 3, 0, 3));
	COUNTS3(m, 3, 1, 1, 0, 0); /* {0:1, 2:0} */
	ST(bm_alloc(m, B + 0, 2, 0), BM_NOT_FREE);
	ST(bm_alloc(m, B + 2, 1, 0), BM_NOT_FREE);
	ST(bm_alloc(m, B + 3, 0, 0), BM_NOT_FREE);
	COUNTS3(m, 3, 1, 1, 0, 0);
	ALLOC_WALK(m, B, { 3, 0, 3 }, { 4, 2, 2 });

	/* Free errors. Nothing starts at a free page, the middle of a block, a
	 * never-usable page or outside the span. */
	ST(bm_free(m, B + 0, 0), BM_NOT_ALLOCATED);
	ST(bm_free(m, B + 5, 0), BM_NOT_ALLOCATED);
	ST(bm_free(m, B + 6, 1), BM_NOT_ALLOCATED);
	ST(bm_free(m, B + 9, 0), BM_NOT_ALLOCATED);
	ST(bm_free(m, B + 16, 0), BM_NOT_ALLOCATED);
	ST(bm_free(m, B - 4, 2), BM_NOT_ALLOCATED);
	ST(bm_free(m, (unsigned long)-1, 0), BM_NOT_ALLOCATED);
	/* Right head, other order, smaller, larger, and beyond max_order. */
	ST(bm_free(m, B + 4, 1), BM_WRONG_ORDER);
	ST(bm_free(m, B + 4, 0), BM_WRONG_ORDER);
	ST(bm_free(m, B + 4, 3), BM_WRONG_ORDER);
	ST(bm_free(m, B + 4, 9), BM_WRONG_ORDER);
	ST(bm_free(m, B + 3, 1), BM_WRONG_ORDER);
	/* None of that changed anything. */
	COUNTS3(m, 3, 1, 1, 0, 0);
	CHECK_EQ_UL(bm_nr_allocated(m), 2);
	ALLOC_WALK(m, B, { 3, 0, 3 }, { 4, 2, 2 });
	FREE_WALK(m, B, { 0, 1, 0 }, { 2, 0, 0 });

	/* 4:2 back: its buddy 0:2 is not whole (3 live), so {0:1, 2:0, 4:2}. */
	OK(bm_free(m, B + 4, 2));
	COUNTS3(m, 7, 1, 1, 1, 0);
	ST(bm_free(m, B + 4, 2), BM_NOT_ALLOCATED); /* double free */
	/* 3 back: 2+3, +0:1, +4:2 = 0:3. */
	OK(bm_free(m, B + 3, 0));
	COUNTS3(m, 8, 0, 0, 0, 1);
	ST(bm_free(m, B + 3, 0), BM_NOT_ALLOCATED);
	COUNTS3(m, 8, 0, 0, 0, 1);

	CHECK(strcmp(bm_status_name(BM_OK), "OK") == 0);
	CHECK(strcmp(bm_status_name(BM_NOT_FREE), bm_status_name(BM_NOT_ALLOCATED)) != 0);
	for (int s = BM_OK; s <= BM_WRONG_ORDER; s++)
		CHECK(bm_status_name((enum bm_status)s) != NULL);
	bm_destroy(m);
}

static void test_create_rejects(void)
{
	/* base not aligned to 1 << max_order; max_order beyond the limit. */
	CHECK(bm_create(B + 4, 16, 3) == NULL);
	CHECK(bm_create(0, 16, BM_MAX_ORDER_LIMIT + 1) == NULL);
	struct buddy_model *m = bm_create(B + 4, 16, 2); /* 4-aligned is enough */

	CHECK(m != NULL);
	bm_destroy(m);
	bm_destroy(NULL);
}

static void test_find_allocated(void)
{
	struct bm_range r[] = { { B, B + 16 } };
	struct buddy_model *m = make(B, 16, 3, r, 1);
	unsigned long head = 0;
	unsigned int order = 0, cls = 0;

	OK(bm_alloc(m, B + 8, 3, 5));
	OK(bm_alloc(m, B + 4, 2, 2));
	OK(bm_alloc(m, B + 0, 0, 9));
	OK(bm_alloc(m, B + 2, 1, 6));
	/* Free: {1:0}. */
	COUNTS3(m, 1, 1, 0, 0, 0);

	/* Head, middle, last page of 8:3. */
	CHECK(bm_find_allocated(m, B + 8, &head, &order, &cls));
	CHECK_EQ_UL(head, B + 8);
	CHECK_EQ_UL(order, 3);
	CHECK_EQ_UL(cls, 5);
	head = 0, order = 0, cls = 0;
	CHECK(bm_find_allocated(m, B + 11, &head, &order, &cls));
	CHECK_EQ_UL(head, B + 8);
	CHECK_EQ_UL(order, 3);
	CHECK_EQ_UL(cls, 5);
	head = 0, order = 0, cls = 0;
	CHECK(bm_find_allocated(m, B + 15, &head, &order, &cls));
	CHECK_EQ_UL(head, B + 8);
	CHECK_EQ_UL(order, 3);
	CHECK_EQ_UL(cls, 5);
	/* Last page of 4:2, right below 8:3. */
	CHECK(bm_find_allocated(m, B + 7, &head, &order, &cls));
	CHECK_EQ_UL(head, B + 4);
	CHECK_EQ_UL(order, 2);
	CHECK_EQ_UL(cls, 2);
	/* 3 is in 2:1 even though 2's order-2 head 0 is allocated (as 0:0). */
	CHECK(bm_find_allocated(m, B + 3, &head, &order, &cls));
	CHECK_EQ_UL(head, B + 2);
	CHECK_EQ_UL(order, 1);
	CHECK_EQ_UL(cls, 6);
	CHECK(bm_find_allocated(m, B + 0, &head, &order, &cls));
	CHECK_EQ_UL(head, B + 0);
	CHECK_EQ_UL(order, 0);
	CHECK_EQ_UL(cls, 9);
	/* 1 is free although its order-1 head 0 is an allocated (order-0) head. */
	CHECK(!bm_find_allocated(m, B + 1, &head, &order, &cls));
	/* Outside the span. */
	CHECK(!bm_find_allocated(m, B + 16, &head, &order, &cls));
	CHECK(!bm_find_allocated(m, B - 1, &head, &order, &cls));
	/* NULL outputs are allowed. */
	CHECK(bm_find_allocated(m, B + 9, NULL, NULL, NULL));
	CHECK_EQ_UL(bm_nr_allocated(m), 4);
	ALLOC_WALK(m, B, { 0, 0, 9 }, { 2, 1, 6 }, { 4, 2, 2 }, { 8, 3, 5 });
	FREE_WALK(m, B, { 1, 0, 0 });

	/* Freed, 8..15 is found no more. */
	OK(bm_free(m, B + 8, 3));
	CHECK(!bm_find_allocated(m, B + 8, &head, &order, &cls));
	CHECK(!bm_find_allocated(m, B + 15, &head, &order, &cls));
	COUNTS3(m, 9, 1, 0, 0, 1);
	CHECK_EQ_UL(bm_max_free_order(m), 3);
	bm_destroy(m);
}

/* Empty and zero-max-order corners. */
static void test_corners(void)
{
	/* max_order 0: every free page is its own block, no merging. */
	struct bm_range r[] = { { 5, 9 } };
	struct buddy_model *m = make(5, 4, 0, r, 1);

	CHECK_EQ_UL(bm_free_blocks(m, 0), 4);
	CHECK_EQ_UL(bm_free_blocks(m, 1), 0);
	CHECK_EQ_UL(bm_max_free_order(m), 0);
	ST(bm_alloc(m, 6, 1, 0), BM_BAD_ORDER);
	OK(bm_alloc(m, 6, 0, 0));
	OK(bm_free(m, 6, 0));
	CHECK_EQ_UL(bm_free_blocks(m, 0), 4);
	bm_destroy(m);

	/* An empty span. */
	m = bm_create(0, 0, 3);
	CHECK(m != NULL);
	if (m) {
		bm_reset(m, r, 1);
		CHECK_EQ_UL(bm_free_pages(m), 0);
		CHECK_EQ_UL(bm_max_free_order(m), -1);
		ST(bm_alloc(m, 0, 0, 0), BM_OUT_OF_RANGE);
		ST(bm_free(m, 0, 0), BM_NOT_ALLOCATED);
		bm_destroy(m);
	}
}

/* ---- Randomised cross-check against a brute-force oracle. ---- */

#define R_BASE 4096UL /* aligned to 1 << R_MAXO */
#define R_NR 203UL    /* not a multiple of the biggest block */
#define R_MAXO 5u
#define R_STEPS 6000

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned long below(unsigned long n)
{
	return n ? (unsigned long)(rnd() % n) : 0;
}

/* The oracle: which pages are free, and which allocated block each page
 * belongs to. It derives everything by brute force from these. */
static bool o_free[R_NR];
static long o_head[R_NR]; /* head of the allocated block holding the page, -1 */
static unsigned int o_order[R_NR], o_cls[R_NR];

static void o_reset(const struct bm_range *r, int n)
{
	for (unsigned long p = 0; p < R_NR; p++) {
		o_free[p] = false;
		o_head[p] = -1;
		for (int i = 0; i < n; i++)
			if (R_BASE + p >= r[i].start_pfn && R_BASE + p < r[i].end_pfn)
				o_free[p] = true;
	}
}

static bool o_all_free(unsigned long p, unsigned int o)
{
	if (p + (1UL << o) > R_NR)
		return false;
	for (unsigned long q = p; q < p + (1UL << o); q++)
		if (!o_free[q])
			return false;
	return true;
}

/* (p, o) is canonical straight from the definition. */
static bool o_canonical(unsigned long p, unsigned int o)
{
	if (p % (1UL << o) || !o_all_free(p, o))
		return false;
	return o == R_MAXO || !o_all_free(p & ~((2UL << o) - 1), o + 1);
}

static enum bm_status o_alloc(unsigned long pfn, unsigned int order, unsigned int cls)
{
	unsigned long p;

	if (order > R_MAXO)
		return BM_BAD_ORDER;
	if (pfn < R_BASE || pfn + (1UL << order) > R_BASE + R_NR)
		return BM_OUT_OF_RANGE;
	p = pfn - R_BASE;
	if (p % (1UL << order))
		return BM_MISALIGNED;
	if (!o_all_free(p, order))
		return BM_NOT_FREE;
	for (unsigned long q = p; q < p + (1UL << order); q++) {
		o_free[q] = false;
		o_head[q] = (long)p;
	}
	o_order[p] = order;
	o_cls[p] = cls;
	return BM_OK;
}

static enum bm_status o_release(unsigned long pfn, unsigned int order)
{
	unsigned long p;

	if (pfn < R_BASE || pfn >= R_BASE + R_NR || o_head[pfn - R_BASE] != (long)(pfn - R_BASE))
		return BM_NOT_ALLOCATED;
	p = pfn - R_BASE;
	if (o_order[p] != order)
		return BM_WRONG_ORDER;
	for (unsigned long q = p; q < p + (1UL << order); q++) {
		o_free[q] = true;
		o_head[q] = -1;
	}
	return BM_OK;
}

/* Compare every query of the model against the oracle; returns the number
 * of mismatches so the loop can stop at the first bad step. */
static int cross_check(const struct buddy_model *m, int step)
{
	static struct walk w;
	unsigned long counts[R_MAXO + 1] = { 0 }, pages = 0, nalloc = 0;
	int bad = 0, wi = 0, top = -1;

	w.n = 0;
	bm_for_each_free(m, rec_free, &w);
	for (unsigned long p = 0; p < R_NR; p++) {
		for (unsigned int o = 0; o <= R_MAXO; o++) {
			bool c = o_canonical(p, o);

			if (c != bm_is_free_block(m, R_BASE + p, o))
				bad++;
			if (!c)
				continue;
			counts[o]++;
			pages += 1UL << o;
			if ((int)o > top)
				top = (int)o;
			/* The walk must list the canonical blocks in pfn order. */
			if (wi >= w.n || w.b[wi].pfn != R_BASE + p || w.b[wi].order != o)
				bad++;
			wi++;
		}
	}
	if (wi != w.n)
		bad++;
	for (unsigned int o = 0; o <= R_MAXO; o++)
		if (counts[o] != bm_free_blocks(m, o))
			bad++;
	if (bm_free_blocks(m, R_MAXO + 1) != 0 || pages != bm_free_pages(m) ||
	    top != bm_max_free_order(m))
		bad++;

	w.n = 0;
	wi = 0;
	bm_for_each_allocated(m, rec_alloc, &w);
	for (unsigned long p = 0; p < R_NR; p++) {
		unsigned long head;
		unsigned int order, cls;
		bool found = bm_find_allocated(m, R_BASE + p, &head, &order, &cls);

		if (found != (o_head[p] >= 0))
			bad++;
		else if (found && (head != R_BASE + (unsigned long)o_head[p] ||
				   order != o_order[o_head[p]] || cls != o_cls[o_head[p]]))
			bad++;
		if (o_head[p] == (long)p) {
			nalloc++;
			if (wi >= w.n || w.b[wi].pfn != R_BASE + p || w.b[wi].order != o_order[p] ||
			    w.b[wi].cls != o_cls[p])
				bad++;
			wi++;
		}
	}
	if (wi != w.n || nalloc != bm_nr_allocated(m))
		bad++;
	if (bad)
		fprintf(stderr, "cross-check: %d mismatches after step %d\n", bad, step);
	return bad;
}

/* A pfn that often lands on a free page, aligned down to the order, so that a
 * good share of the allocations succeed; otherwise anywhere near the span. */
static unsigned long pick_alloc_pfn(unsigned int order)
{
	unsigned long p;

	if (below(4) == 0)
		return R_BASE - 8 + below(R_NR + 16);
	p = below(R_NR);
	for (unsigned long tries = 0; tries < R_NR && !o_free[p]; tries++)
		p = (p + 1) % R_NR;
	if (below(8))
		p &= ~((1UL << order) - 1);
	return R_BASE + p;
}

static void test_random_cross_check(void)
{
	/* Unsorted and overlapping, with a hole [60, 67) and the first page
	 * missing; the span's tail is ragged. */
	struct bm_range r[] = {
		{ R_BASE + 67, R_BASE + R_NR + 50 },
		{ R_BASE + 1, R_BASE + 40 },
		{ R_BASE + 30, R_BASE + 60 },
	};
	struct buddy_model *m = bm_create(R_BASE, R_NR, R_MAXO);
	int statuses[BM_WRONG_ORDER + 1] = { 0 };
	int failed = 0;

	CHECK(m != NULL);
	if (!m)
		return;
	bm_reset(m, r, 3);
	o_reset(r, 3);
	CHECK_EQ_UL(cross_check(m, -1), 0);

	for (int step = 0; step < R_STEPS && !failed; step++) {
		unsigned long k = below(100);
		enum bm_status want, got;

		if (k < 50) {
			unsigned int order = (unsigned int)below(R_MAXO + 2);
			unsigned long pfn = pick_alloc_pfn(order);
			unsigned int cls = (unsigned int)below(7);

			want = o_alloc(pfn, order, cls);
			got = bm_alloc(m, pfn, order, cls);
		} else if (k < 98) {
			/* Mostly a live block with its own order, sometimes a
			 * wrong order or an arbitrary page. */
			unsigned long pfn = R_BASE + below(R_NR);
			unsigned int order = (unsigned int)below(R_MAXO + 2);

			for (unsigned long t = 0; t < R_NR; t++) {
				unsigned long p = (pfn - R_BASE + t) % R_NR;

				if (o_head[p] == (long)p && below(10)) {
					pfn = R_BASE + p;
					if (below(8))
						order = o_order[p];
					break;
				}
			}
			want = o_release(pfn, order);
			got = bm_free(m, pfn, order);
		} else {
			bm_reset(m, r, 3);
			o_reset(r, 3);
			want = got = BM_OK;
		}
		CHECK_EQ_UL(got, want);
		if (got != want || cross_check(m, step)) {
			CHECK(0 && "random cross-check diverged");
			failed = 1;
		}
		if (want <= BM_WRONG_ORDER)
			statuses[want]++;
	}
	/* The walk must have exercised every outcome, or it proves little
	 * (meaningless when it stopped early on a divergence). */
	for (int s = BM_OK; s <= BM_WRONG_ORDER && !failed; s++) {
		if (statuses[s] < 20)
			fprintf(stderr, "random: only %d x %s\n", statuses[s],
				bm_status_name((enum bm_status)s));
		CHECK(statuses[s] >= 20);
		printf("random: %d x %s\n", statuses[s], bm_status_name((enum bm_status)s));
	}
	bm_destroy(m);
}

int main(void)
{
	test_boot_decomposition();
	test_coalesce_full_block();
	test_holes();
	test_range_normalisation();
	test_ragged_span();
	test_errors();
	test_create_rejects();
	test_find_allocated();
	test_corners();
	test_random_cross_check();
	return check_finish("test_buddy_model");
}
