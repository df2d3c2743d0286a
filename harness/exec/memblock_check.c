/* The boot-memory oracle: after the kernel booted from the arena's memory
 * map, memblock must hold the map's banks and reservations (plus mem_map
 * at its lowest fit), and the buddy must have been handed exactly the
 * whole pages of memory outside them. The expected state
 * comes from harness/model/memblock_model.c; ranges in messages are pfn
 * offsets from the arena's base, so reports do not move between runs. */
#include "memblock_model.h"
#include "mm/memblock.h"
#include "world.h"

static void to_bytes(const struct mem_range *r, int n, struct mbm_range *out)
{
	for (int i = 0; i < n; i++)
		out[i] = (struct mbm_range){ (uint64_t)r[i].start_pfn << PAGE_SHIFT,
					     (uint64_t)r[i].end_pfn << PAGE_SHIFT };
}

/* "[+A, +B)" in pfns from the arena base; partial pages show as such. */
static void describe(const struct exec *e, uint64_t start, uint64_t end, char *buf, size_t cap)
{
	uint64_t base = (uint64_t)e->arena.base_pfn << PAGE_SHIFT;

	if (start % PAGE_SIZE || end % PAGE_SIZE)
		snprintf(buf, cap, "bytes [+%#llx, +%#llx)", (unsigned long long)(start - base),
			 (unsigned long long)(end - base));
	else
		snprintf(buf, cap, "pfns [+%llu, +%llu)",
			 (unsigned long long)((start - base) >> PAGE_SHIFT),
			 (unsigned long long)((end - base) >> PAGE_SHIFT));
}

static void compare_type(struct exec *e, const char *check, const char *what,
			 const struct memblock_type *t, const struct mbm_range *want, int n)
{
	uint64_t total = 0;
	char a[96], b[96];

	for (int i = 0; i < n; i++)
		total += want[i].end - want[i].start;
	for (int i = 0; i < n || (unsigned long)i < t->cnt; i++) {
		if (i >= n) {
			describe(e, t->regions[i].base, t->regions[i].base + t->regions[i].size, a,
				 sizeof(a));
			diverge(e, check, "%d %s regions", n, what);
			diverge_actual(e, "an extra region %d: %s", i, a);
			return;
		}
		describe(e, want[i].start, want[i].end, a, sizeof(a));
		if ((unsigned long)i >= t->cnt) {
			diverge(e, check, "%s region %d: %s", what, i, a);
			diverge_actual(e, "only %lu regions", t->cnt);
			return;
		}
		if (t->regions[i].base != want[i].start ||
		    t->regions[i].base + t->regions[i].size != want[i].end) {
			describe(e, t->regions[i].base, t->regions[i].base + t->regions[i].size, b,
				 sizeof(b));
			diverge(e, check, "%s region %d: %s", what, i, a);
			diverge_actual(e, "%s", b);
			return;
		}
	}
	if (t->total_size != total) {
		diverge(e, check, "%s total_size %llu bytes", what, (unsigned long long)total);
		diverge_actual(e, "%llu", (unsigned long long)t->total_size);
	}
}

/* What memblock hands the buddy (memblock_free_ranges, the list
 * memblock_free_all passes on) against the model's free pages. What the
 * buddy then makes of the list is the buddy oracle's to judge. */
static void compare_free(struct exec *e, const struct mbm_boot *want)
{
	struct mem_range got[MBM_MAX_RANGES];
	int n = memblock_free_ranges(got, MBM_MAX_RANGES);
	uint64_t base = e->arena.base_pfn;
	char a[96];

	for (int i = 0; i < want->nr_free || i < n; i++) {
		if (i < want->nr_free && i < n && i < MBM_MAX_RANGES &&
		    got[i].start_pfn == want->free_pfns[i].start &&
		    got[i].end_pfn == want->free_pfns[i].end)
			continue;
		if (i < want->nr_free) {
			describe(e, want->free_pfns[i].start << PAGE_SHIFT,
				 want->free_pfns[i].end << PAGE_SHIFT, a, sizeof(a));
			diverge(e, "memblock.boot-free", "free range %d: %s", i, a);
		} else {
			diverge(e, "memblock.boot-free", "%d free ranges", want->nr_free);
		}
		if (i < n && i < MBM_MAX_RANGES)
			diverge_actual(e, "pfns [+%llu, +%llu)",
				       (unsigned long long)(got[i].start_pfn - base),
				       (unsigned long long)(got[i].end_pfn - base));
		else
			diverge_actual(e, "%d free ranges", n);
		return;
	}
}

void oracle_memblock(struct exec *e)
{
	const struct host_arena *a = &e->arena;
	struct mbm_range banks[HOST_MAX_RANGES], res[HOST_MAX_RANGES];
	struct mbm_boot want;

	to_bytes(a->memory, a->nr_memory, banks);
	to_bytes(a->reserved, a->nr_reserved, res);
	_Static_assert(2 * HOST_MAX_RANGES + 1 <= MBM_MAX_RANGES,
		       "every host memory map fits the model");
	if (mbm_boot(banks, a->nr_memory, res, a->nr_reserved,
		     (uint64_t)a->nr_meta_pfns << PAGE_SHIFT, PAGE_SIZE, PAGE_SIZE, &want))
		return;
	compare_type(e, "memblock.memory", "memory", &memblock.memory, want.memory, want.nr_memory);
	if (!diverged(e))
		compare_type(e, "memblock.reserved", "reserved", &memblock.reserved, want.reserved,
			     want.nr_reserved);
	if (!diverged(e))
		compare_free(e, &want);
}
