/* Reference model of the per-CPU page lists (docs/pcp.md): which blocks
 * each simulated CPU has parked, per zone, order and migrate type, in list
 * order, with the batch and high mark that govern refills and drains.
 * Written from the documented rule, not from kernel/mm: the rule is
 * Linux's (mm/page_alloc.c's pcp lists) with the figures scaled down. */
#ifndef MMRIG_PCP_MODEL_H
#define MMRIG_PCP_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#define PM_MAX_CPUS 8
#define PM_NR_ZONES 2
#define PM_MAX_ORDER 3 /* the costly order: bigger blocks never park */
#define PM_NR_TYPES 3
#define PM_NR_LISTS ((PM_MAX_ORDER + 1) * PM_NR_TYPES)

struct pcp_model;

struct pcp_model *pm_create(unsigned long base_pfn, unsigned long nr_pfns);
void pm_destroy(struct pcp_model *m);
/* Boot: nothing parked. With one CPU the lists are off. managed and low:
 * each zone's managed pages and low watermark. */
void pm_reset(struct pcp_model *m, unsigned int nr_cpus, const unsigned long managed[PM_NR_ZONES],
	      const unsigned long low[PM_NR_ZONES]);

/* Whether a block of this order goes through the lists. */
bool pm_parks(const struct pcp_model *m, unsigned int order);
unsigned long pm_batch(const struct pcp_model *m, unsigned int zone);
unsigned long pm_high(const struct pcp_model *m, unsigned int zone);
/* Blocks a refill of an empty list of this order takes. */
unsigned long pm_refill_count(const struct pcp_model *m, unsigned int zone, unsigned int order);

/* The list a block goes on, its index: order-major, as the kernel's. */
static inline unsigned int pm_list(unsigned int order, int type)
{
	return order * PM_NR_TYPES + (unsigned int)type;
}

/* Park pfn (order) on a CPU's list: at the head (a free) or the tail (a
 * refill). The block must not be parked already. */
void pm_park(struct pcp_model *m, unsigned int cpu, unsigned int zone, unsigned int list,
	     unsigned long pfn, unsigned int order, bool tail);
/* Where pfn is parked (its head), or false. */
bool pm_where(const struct pcp_model *m, unsigned long pfn, unsigned int *cpu, unsigned int *zone,
	      unsigned int *list);
void pm_unpark(struct pcp_model *m, unsigned long pfn);

/* The i-th block of a list from its head; false past its end. */
bool pm_entry(const struct pcp_model *m, unsigned int cpu, unsigned int zone, unsigned int list,
	      unsigned long i, unsigned long *pfn);
/* The block a bulk free of the CPU's lists gives back next: the tail of
 * the first non-empty list in index order. */
bool pm_drain_next(const struct pcp_model *m, unsigned int cpu, unsigned int zone,
		   unsigned long *pfn);
/* Pages parked on a CPU's lists of the zone; on every CPU and zone. */
unsigned long pm_count(const struct pcp_model *m, unsigned int cpu, unsigned int zone);
unsigned long pm_total(const struct pcp_model *m);
unsigned int pm_nr_cpus(const struct pcp_model *m);
/* Visit every parked block (any order). */
void pm_for_each(const struct pcp_model *m,
		 void (*fn)(void *arg, unsigned long pfn, unsigned int order), void *arg);

#endif
