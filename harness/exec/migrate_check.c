/* The migrate-type oracle (docs/migrate-types.md): every page allocation
 * judged by the migrate model on the state the kernel chose from (its list
 * and order), every pageblock's type against the model's after each op,
 * and at `check` every free block on its pageblock type's list. The
 * kernel is read through its own functions, never poked. */
#include "mm/mmzone.h"
#include "world.h"

void migrate_judge_alloc(struct exec *e, unsigned long pfn, unsigned int order, gfp_t gfp)
{
	char why[200];

	if (mgm_alloc(e->mgm, e->model, bm_zone_of(e->model, pfn), pfn, order, gfp_migratetype(gfp),
		      why, sizeof why))
		return;
	diverge(e, "migrate.list", "the order-%u %s allocation: %s", order,
		mgm_type_name(gfp_migratetype(gfp)), why);
	diverge_actual(e, "a block at pfn offset %lu in a %s pageblock", pfn - e->arena.base_pfn,
		       mgm_type_name(get_pageblock_migratetype(pfn_to_page(pfn))));
}

void migrate_note_free(struct exec *e, unsigned long pfn)
{
	mgm_free(e->mgm, e->model, pfn);
}

void oracle_pageblocks(struct exec *e)
{
	unsigned long end = e->arena.base_pfn + e->arena.nr_pfns;

	for (unsigned long pfn = e->arena.base_pfn; pfn < end; pfn += pageblock_nr_pages) {
		int want = mgm_pageblock_type(e->mgm, pfn);
		int got = get_pageblock_migratetype(pfn_to_page(pfn));

		if (want != got) {
			diverge(e, "migrate.pageblock", "the pageblock at pfn offset %lu %s",
				pfn - e->arena.base_pfn, mgm_type_name(want));
			diverge_actual(e, "%s", mgm_type_name(got));
			return;
		}
	}
}

void oracle_migrate_free_lists(struct exec *e)
{
	unsigned long pfn;
	unsigned int order;
	int list_mt;

	if (!e->traced || !find_misplaced_free_block(&pfn, &order, &list_mt))
		return;
	diverge(e, "migrate.free-list", "every free block on its pageblock's type's list");
	diverge_actual(e,
		       "free block at pfn offset %lu (order %u) on the %s list of a %s pageblock",
		       pfn - e->arena.base_pfn, order, mgm_type_name(list_mt),
		       mgm_type_name(get_pageblock_migratetype(pfn_to_page(pfn))));
}
