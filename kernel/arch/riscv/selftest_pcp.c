/* Both harts on the page allocator at once (the pcp test, run by
 * selftest_smp once CPU 1 is up): each takes and gives back blocks of
 * order 0 to 3 through its own per-CPU lists and the zone lock, the real
 * compare-and-swap locks, thousands of times. Each writes its own stamp
 * into every page it holds and reads it back before the free, so a block
 * handed to both harts, or a list broken by an unlocked update, shows as
 * a clobbered stamp; the boot hart then drains every list and finds the
 * free structure it started from. */
#include "arch.h"
#include "lib.h"
#include "mm/mmzone.h"
#include "selftest.h"

#define STORM_ROUNDS 3000
#define STORM_HELD 24

static uint64_t stamp(unsigned int cpu, unsigned long pfn)
{
	return ((uint64_t)(cpu + 1) << 56) ^ (pfn * 0x9e3779b97f4a7c15ull);
}

static bool stamps_hold(struct page *page, unsigned int order, unsigned int cpu)
{
	unsigned long pfn = page_to_pfn(page);
	bool ok = true;

	for (unsigned long i = 0; i < (1UL << order); i++)
		ok &= *(volatile uint64_t *)((pfn + i) << PAGE_SHIFT) == stamp(cpu, pfn + i);
	return ok;
}

void pcp_storm(unsigned int cpu, struct pcp_storm *s)
{
	struct page *held[STORM_HELD] = { 0 };
	unsigned int order[STORM_HELD] = { 0 };
	uint64_t x = 0x2545f4914f6cdd1dull * (cpu + 1);

	for (int round = 0; round < STORM_ROUNDS + STORM_HELD; round++) {
		unsigned int i;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* the last rounds give everything back */
		i = round < STORM_ROUNDS ? (unsigned int)(x % STORM_HELD)
					 : (unsigned int)(round - STORM_ROUNDS);
		if (held[i]) {
			s->clobbered += !stamps_hold(held[i], order[i], cpu);
			__free_pages(held[i], order[i]);
			held[i] = NULL;
			continue;
		}
		if (round >= STORM_ROUNDS)
			continue;
		order[i] = (unsigned int)(x >> 32) % (PAGE_ALLOC_COSTLY_ORDER + 1);
		held[i] = alloc_pages(GFP_KERNEL, order[i]);
		if (!held[i]) {
			s->failed++;
			continue;
		}
		s->allocated++;
		for (unsigned long p = 0; p < (1UL << order[i]); p++) {
			unsigned long pfn = page_to_pfn(held[i]) + p;

			*(volatile uint64_t *)(pfn << PAGE_SHIFT) = stamp(cpu, pfn);
		}
	}
}
