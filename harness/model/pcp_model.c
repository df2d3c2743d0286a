/* The per-CPU list model: doubly linked lists threaded through per-page
 * arrays (a block is known by its head pfn), so parking, unparking and
 * locating a block are constant time whatever a run parks. */
#include "pcp_model.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

struct pm_list {
	uint32_t head, tail; /* page offsets, or NIL */
};

struct pcp_model {
	unsigned long base, nr;
	unsigned int nr_cpus;
	unsigned long batch[PM_NR_ZONES], high[PM_NR_ZONES];
	struct pm_list lists[PM_MAX_CPUS][PM_NR_ZONES][PM_NR_LISTS];
	unsigned long count[PM_MAX_CPUS][PM_NR_ZONES];
	unsigned long total;
	/* per page offset: links, and where the block is parked */
	uint32_t *next, *prev;
	uint8_t *order;
	uint8_t *at_cpu; /* PM_MAX_CPUS: not parked */
	uint8_t *at_zone, *at_list;
};

struct pcp_model *pm_create(unsigned long base_pfn, unsigned long nr_pfns)
{
	struct pcp_model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->base = base_pfn;
	m->nr = nr_pfns;
	m->next = malloc(nr_pfns * sizeof(uint32_t));
	m->prev = malloc(nr_pfns * sizeof(uint32_t));
	m->order = malloc(nr_pfns);
	m->at_cpu = malloc(nr_pfns);
	m->at_zone = malloc(nr_pfns);
	m->at_list = malloc(nr_pfns);
	if (!m->next || !m->prev || !m->order || !m->at_cpu || !m->at_zone || !m->at_list) {
		pm_destroy(m);
		return NULL;
	}
	memset(m->at_cpu, PM_MAX_CPUS, nr_pfns);
	memset(m->lists, 0xff, sizeof(m->lists)); /* NIL: every list empty */
	return m;
}

void pm_destroy(struct pcp_model *m)
{
	if (!m)
		return;
	free(m->next);
	free(m->prev);
	free(m->order);
	free(m->at_cpu);
	free(m->at_zone);
	free(m->at_list);
	free(m);
}

/* Scaled from Linux's zone_batchsize: managed >> 8 held to 64, then one
 * less than the largest power of two in it, at least 1. */
static unsigned long batch_for(unsigned long managed)
{
	unsigned long b = managed >> 8, p = 1;

	if (b > 64)
		b = 64;
	if (b < 2)
		return 1;
	while (p * 2 <= b)
		p *= 2;
	return p - 1;
}

void pm_reset(struct pcp_model *m, unsigned int nr_cpus, const unsigned long managed[PM_NR_ZONES],
	      const unsigned long low[PM_NR_ZONES])
{
	/* Only parked pages have anything to clear: they are few. */
	for (unsigned int c = 0; c < PM_MAX_CPUS; c++)
		for (unsigned int z = 0; z < PM_NR_ZONES; z++)
			for (unsigned int l = 0; l < PM_NR_LISTS; l++)
				for (uint32_t i = m->lists[c][z][l].head; i != NIL; i = m->next[i])
					m->at_cpu[i] = PM_MAX_CPUS;
	for (unsigned int c = 0; c < PM_MAX_CPUS; c++)
		for (unsigned int z = 0; z < PM_NR_ZONES; z++) {
			for (unsigned int l = 0; l < PM_NR_LISTS; l++)
				m->lists[c][z][l].head = m->lists[c][z][l].tail = NIL;
			m->count[c][z] = 0;
		}
	m->total = 0;
	m->nr_cpus = nr_cpus < 1 ? 1 : nr_cpus > PM_MAX_CPUS ? PM_MAX_CPUS : nr_cpus;
	for (unsigned int z = 0; z < PM_NR_ZONES; z++) {
		unsigned long shared = low[z] / m->nr_cpus;

		m->batch[z] = batch_for(managed[z]);
		m->high[z] = shared > 4 * m->batch[z] ? shared : 4 * m->batch[z];
	}
}

bool pm_parks(const struct pcp_model *m, unsigned int order)
{
	return m->nr_cpus > 1 && order <= PM_MAX_ORDER;
}

unsigned long pm_batch(const struct pcp_model *m, unsigned int zone)
{
	return m->batch[zone];
}

unsigned long pm_high(const struct pcp_model *m, unsigned int zone)
{
	return m->high[zone];
}

unsigned long pm_refill_count(const struct pcp_model *m, unsigned int zone, unsigned int order)
{
	unsigned long n = m->batch[zone] >> order;

	if (order == 0)
		return m->batch[zone];
	return n > 2 ? n : 2;
}

void pm_park(struct pcp_model *m, unsigned int cpu, unsigned int zone, unsigned int list,
	     unsigned long pfn, unsigned int order, bool tail)
{
	struct pm_list *l = &m->lists[cpu][zone][list];
	uint32_t i = (uint32_t)(pfn - m->base);

	m->order[i] = (uint8_t)order;
	m->at_cpu[i] = (uint8_t)cpu;
	m->at_zone[i] = (uint8_t)zone;
	m->at_list[i] = (uint8_t)list;
	if (tail) {
		m->next[i] = NIL;
		m->prev[i] = l->tail;
		if (l->tail != NIL)
			m->next[l->tail] = i;
		else
			l->head = i;
		l->tail = i;
	} else {
		m->prev[i] = NIL;
		m->next[i] = l->head;
		if (l->head != NIL)
			m->prev[l->head] = i;
		else
			l->tail = i;
		l->head = i;
	}
	m->count[cpu][zone] += 1UL << order;
	m->total += 1UL << order;
}

bool pm_where(const struct pcp_model *m, unsigned long pfn, unsigned int *cpu, unsigned int *zone,
	      unsigned int *list)
{
	if (pfn < m->base || pfn - m->base >= m->nr)
		return false;
	uint32_t i = (uint32_t)(pfn - m->base);

	if (m->at_cpu[i] >= PM_MAX_CPUS)
		return false;
	*cpu = m->at_cpu[i];
	*zone = m->at_zone[i];
	*list = m->at_list[i];
	return true;
}

void pm_unpark(struct pcp_model *m, unsigned long pfn)
{
	unsigned int cpu, zone, list;

	if (!pm_where(m, pfn, &cpu, &zone, &list))
		return;
	uint32_t i = (uint32_t)(pfn - m->base);
	struct pm_list *l = &m->lists[cpu][zone][list];

	if (m->prev[i] != NIL)
		m->next[m->prev[i]] = m->next[i];
	else
		l->head = m->next[i];
	if (m->next[i] != NIL)
		m->prev[m->next[i]] = m->prev[i];
	else
		l->tail = m->prev[i];
	m->at_cpu[i] = PM_MAX_CPUS;
	m->count[cpu][zone] -= 1UL << m->order[i];
	m->total -= 1UL << m->order[i];
}

bool pm_entry(const struct pcp_model *m, unsigned int cpu, unsigned int zone, unsigned int list,
	      unsigned long i, unsigned long *pfn)
{
	uint32_t at = m->lists[cpu][zone][list].head;

	for (; at != NIL && i > 0; i--)
		at = m->next[at];
	if (at == NIL)
		return false;
	*pfn = m->base + at;
	return true;
}

bool pm_drain_next(const struct pcp_model *m, unsigned int cpu, unsigned int zone,
		   unsigned long *pfn)
{
	for (unsigned int l = 0; l < PM_NR_LISTS; l++) {
		uint32_t t = m->lists[cpu][zone][l].tail;

		if (t != NIL) {
			*pfn = m->base + t;
			return true;
		}
	}
	return false;
}

unsigned long pm_count(const struct pcp_model *m, unsigned int cpu, unsigned int zone)
{
	return m->count[cpu][zone];
}

unsigned long pm_total(const struct pcp_model *m)
{
	return m->total;
}

unsigned int pm_nr_cpus(const struct pcp_model *m)
{
	return m->nr_cpus;
}

void pm_for_each(const struct pcp_model *m,
		 void (*fn)(void *arg, unsigned long pfn, unsigned int order), void *arg)
{
	for (unsigned int c = 0; c < PM_MAX_CPUS; c++)
		for (unsigned int z = 0; z < PM_NR_ZONES; z++)
			for (unsigned int l = 0; l < PM_NR_LISTS; l++)
				for (uint32_t i = m->lists[c][z][l].head; i != NIL; i = m->next[i])
					fn(arg, m->base + i, m->order[i]);
}
