/* memblock unit tests, in the manner of Linux's tools/testing/memblock:
 * every way a new range can meet the existing ones (apart, touching,
 * overlapping, inside, swallowing several), the table filling up, removal
 * splitting a region, lowest-fit allocation around reservations and
 * alignment, and the page rounding of the hand-over. Then the kernel and
 * the reference model (harness/model/memblock_model.c) on random memory
 * maps: both must agree on everything a boot produces. */
#include "check.h"
#include "errno-base.h"
#include "memblock_model.h"
#include "mm/memblock.h"

#define B 0x80000000ul /* a RAM base, as on the riscv virt machine */
#define P PAGE_SIZE

static bool regions_are(const struct memblock_type *t, const phys_addr_t *want, unsigned long n)
{
	phys_addr_t total = 0;

	if (t->cnt != n)
		return false;
	for (unsigned long i = 0; i < n; i++) {
		if (t->regions[i].base != want[2 * i] ||
		    t->regions[i].base + t->regions[i].size != want[2 * i + 1])
			return false;
		total += want[2 * i + 1] - want[2 * i];
	}
	return t->total_size == total;
}

static void test_add_merges(void)
{
	const struct memblock_type *m = &memblock.memory;

	memblock_init();
	CHECK(memblock_add(B + 10 * P, 2 * P) == 0);
	CHECK(memblock_add(B + 20 * P, 2 * P) == 0);
	CHECK(memblock_add(B, 2 * P) == 0); /* apart, in front */
	CHECK(regions_are(
		m, (phys_addr_t[]){ B, B + 2 * P, B + 10 * P, B + 12 * P, B + 20 * P, B + 22 * P },
		3));
	CHECK(memblock_add(B + 12 * P, P) == 0); /* touching one end */
	CHECK(memblock_add(B + 9 * P, P) == 0);  /* touching the other */
	CHECK(regions_are(
		m, (phys_addr_t[]){ B, B + 2 * P, B + 9 * P, B + 13 * P, B + 20 * P, B + 22 * P },
		3));
	CHECK(memblock_add(B + 10 * P, P) == 0); /* inside: nothing changes */
	CHECK(memblock_add(B + P, 9 * P) == 0);  /* bridges two regions */
	CHECK(regions_are(m, (phys_addr_t[]){ B, B + 13 * P, B + 20 * P, B + 22 * P }, 2));
	CHECK(memblock_add(B - P, 30 * P) == 0); /* swallows everything */
	CHECK(regions_are(m, (phys_addr_t[]){ B - P, B + 29 * P }, 1));
	CHECK(memblock_add(B, 0) == -EINVAL);
	CHECK(memblock_add(~(phys_addr_t)0 - P, 2 * P) == -EINVAL); /* wraps */
	CHECK(regions_are(m, (phys_addr_t[]){ B - P, B + 29 * P }, 1));
}

static void test_full_table(void)
{
	memblock_init();
	for (unsigned long i = 0; i < MEMBLOCK_MAX_REGIONS; i++)
		CHECK(memblock_reserve(B + 2 * i * P, P) == 0);
	CHECK_EQ_UL(memblock.reserved.cnt, MEMBLOCK_MAX_REGIONS);
	/* A region that needs a slot of its own is refused, unchanged... */
	CHECK(memblock_reserve(B + 2 * MEMBLOCK_MAX_REGIONS * P + P, P) == -ENOSPC);
	CHECK_EQ_UL(memblock.reserved.cnt, MEMBLOCK_MAX_REGIONS);
	CHECK_EQ_UL(memblock.reserved.total_size, MEMBLOCK_MAX_REGIONS * P);
	/* ...one that merges needs none, and a split needs one it lacks. */
	CHECK(memblock_reserve(B + P, P) == 0);
	CHECK_EQ_UL(memblock.reserved.cnt, MEMBLOCK_MAX_REGIONS - 1);
	CHECK(memblock_reserve(B + 2 * MEMBLOCK_MAX_REGIONS * P + P, P) == 0);
	CHECK(memblock_phys_free(B + 10 * P + 100, 8) == -ENOSPC);
	CHECK_EQ_UL(memblock.reserved.cnt, MEMBLOCK_MAX_REGIONS);
}

static void test_free_splits(void)
{
	const struct memblock_type *r = &memblock.reserved;

	memblock_init();
	CHECK(memblock_reserve(B, 8 * P) == 0);
	CHECK(memblock_reserve(B + 10 * P, 4 * P) == 0);
	CHECK(memblock_phys_free(B + 2 * P, P) == 0); /* splits */
	CHECK(regions_are(
		r, (phys_addr_t[]){ B, B + 2 * P, B + 3 * P, B + 8 * P, B + 10 * P, B + 14 * P },
		3));
	CHECK(memblock_phys_free(B + 7 * P, 4 * P) == 0); /* trims two */
	CHECK(regions_are(
		r, (phys_addr_t[]){ B, B + 2 * P, B + 3 * P, B + 7 * P, B + 11 * P, B + 14 * P },
		3));
	CHECK(memblock_phys_free(B, 20 * P) == 0); /* everything */
	CHECK(regions_are(r, NULL, 0));
	CHECK(memblock_phys_free(B, 0) == -EINVAL);
}

static void test_alloc_lowest_fit(void)
{
	memblock_init();
	CHECK(memblock_phys_alloc(P, P) == 0); /* no memory at all */
	CHECK(memblock_add(B, 16 * P) == 0);
	CHECK(memblock_add(B + 32 * P, 32 * P) == 0);
	CHECK(memblock_reserve(B + P, P) == 0);
	/* Below the reservation only one page: two go past it. */
	CHECK(memblock_phys_alloc(2 * P, P) == B + 2 * P);
	CHECK(memblock_phys_alloc(P, P) == B);
	/* Aligned: the first 8-page boundary with room. */
	CHECK(memblock_phys_alloc(P, 8 * P) == B + 8 * P);
	/* Too big for the first bank: the second. */
	CHECK(memblock_phys_alloc(12 * P, P) == B + 32 * P);
	CHECK(memblock_phys_alloc(64 * P, P) == 0);
	CHECK(memblock_phys_alloc(P, 3 * P) == 0); /* alignment not a power of two */
	CHECK(regions_are(
		&memblock.reserved,
		(phys_addr_t[]){ B, B + 4 * P, B + 8 * P, B + 9 * P, B + 32 * P, B + 44 * P }, 3));
}

static void test_hand_over_rounds_inwards(void)
{
	struct mem_range out[4];

	memblock_init();
	CHECK(memblock_add(B + 100, 10 * P) == 0);       /* starts mid-page */
	CHECK(memblock_reserve(B + 3 * P + 8, 16) == 0); /* a few bytes */
	/* [B+100, B+3P+8) gives pages 1..3; [B+3P+24, B+10P+100) 4..10. */
	CHECK(memblock_free_ranges(out, 4) == 2);
	CHECK_EQ_UL(out[0].start_pfn, (B >> PAGE_SHIFT) + 1);
	CHECK_EQ_UL(out[0].end_pfn, (B >> PAGE_SHIFT) + 3);
	CHECK_EQ_UL(out[1].start_pfn, (B >> PAGE_SHIFT) + 4);
	CHECK_EQ_UL(out[1].end_pfn, (B >> PAGE_SHIFT) + 10);
	/* Counting without room. */
	CHECK(memblock_free_ranges(NULL, 0) == 2);
	/* A reservation spanning two banks trims both. */
	CHECK(memblock_add(B + 20 * P, 4 * P) == 0);
	CHECK(memblock_reserve(B + 9 * P, 12 * P) == 0);
	CHECK(memblock_free_ranges(out, 4) == 3);
	CHECK_EQ_UL(out[1].end_pfn, (B >> PAGE_SHIFT) + 9);
	CHECK_EQ_UL(out[2].start_pfn, (B >> PAGE_SHIFT) + 21);
	CHECK_EQ_UL(out[2].end_pfn, (B >> PAGE_SHIFT) + 24);
}

/* ---- the kernel against the model on random maps ---- */

static unsigned long long lcg = 88172645463325252ull;

static unsigned long rnd(unsigned long n)
{
	lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned long)((lcg >> 33) % n);
}

/* A range in the first 64 pages past B: page-aligned mostly, bytes now
 * and then, as firmware reservations are. */
static struct mbm_range random_range(void)
{
	uint64_t start = B + rnd(64) * P, len = (1 + rnd(12)) * P;

	if (rnd(4) == 0) {
		start += rnd(P);
		len = 1 + rnd(3 * P);
	}
	return (struct mbm_range){ start, start + len };
}

static bool same_list(const struct memblock_type *t, const struct mbm_range *r, int n)
{
	if (t->cnt != (unsigned long)n)
		return false;
	for (int i = 0; i < n; i++)
		if (t->regions[i].base != r[i].start ||
		    t->regions[i].base + t->regions[i].size != r[i].end)
			return false;
	return true;
}

static void test_against_model(void)
{
	int agreed = 0;

	for (int round = 0; round < 3000; round++) {
		struct mbm_range banks[3], res[3];
		int nb = 1 + (int)rnd(3), nr = (int)rnd(4);
		uint64_t size = (1 + rnd(6)) * P, align = P << rnd(4);
		struct mem_range got[MBM_MAX_RANGES];
		struct mbm_boot want;
		phys_addr_t at;
		int n;

		memblock_init();
		for (int i = 0; i < nb; i++) {
			banks[i] = random_range();
			CHECK(memblock_add(banks[i].start, banks[i].end - banks[i].start) == 0);
		}
		for (int i = 0; i < nr; i++) {
			res[i] = random_range();
			CHECK(memblock_reserve(res[i].start, res[i].end - res[i].start) == 0);
		}
		at = memblock_phys_alloc(size, align);
		CHECK(mbm_boot(banks, nb, res, nr, size, align, P, &want) == 0);
		n = memblock_free_ranges(got, MBM_MAX_RANGES);
		bool same = at == want.alloc_at &&
			    same_list(&memblock.memory, want.memory, want.nr_memory) &&
			    same_list(&memblock.reserved, want.reserved, want.nr_reserved) &&
			    n == want.nr_free;
		for (int i = 0; same && i < n; i++)
			same = got[i].start_pfn == want.free_pfns[i].start &&
			       got[i].end_pfn == want.free_pfns[i].end;
		if (!same) {
			fprintf(stderr, "round %d: the kernel and the model disagree\n", round);
			CHECK(same);
			return;
		}
		agreed++;
	}
	CHECK_EQ_UL(agreed, 3000);
}

int main(void)
{
	test_add_merges();
	test_full_table();
	test_free_splits();
	test_alloc_lowest_fit();
	test_hand_over_rounds_inwards();
	test_against_model();
	return check_finish("test_memblock");
}
