/* The vmalloc window model (vmalloc_model.h). Areas are few (one per
 * object handle), so placement scans candidate addresses: the window's
 * start and the end of each live area's guard. The lowest candidate
 * whose run clears every area is the lowest fit, since a fit that is not
 * a candidate could slide down to one. */
#include "vmalloc_model.h"

void vmm_reset(struct vmalloc_model *m, uint64_t start, uint64_t end, uint64_t page)
{
	*m = (struct vmalloc_model){ .start = start, .end = end, .page = page };
}

static uint64_t span_end(const struct vmalloc_model *m, const struct vmm_area *a)
{
	return a->start + (a->pages + 1) * m->page;
}

/* Whether [start, start + (pages + 1) pages) is inside the window and
 * clear of every live area's pages and guard. */
static bool fits(const struct vmalloc_model *m, uint64_t start, uint64_t pages)
{
	uint64_t len = (pages + 1) * m->page;

	if (start < m->start || start > m->end || m->end - start < len)
		return false;
	for (int i = 0; i < VMM_MAX_AREAS; i++) {
		const struct vmm_area *a = &m->area[i];

		if (a->live && start < span_end(m, a) && a->start < start + len)
			return false;
	}
	return true;
}

uint64_t vmm_place(const struct vmalloc_model *m, uint64_t pages)
{
	uint64_t best = 0;

	if (!pages || pages >= (m->end - m->start) / m->page)
		return 0;
	if (fits(m, m->start, pages))
		return m->start;
	for (int i = 0; i < VMM_MAX_AREAS; i++) {
		uint64_t c;

		if (!m->area[i].live)
			continue;
		c = span_end(m, &m->area[i]);
		if ((!best || c < best) && fits(m, c, pages))
			best = c;
	}
	return best;
}

bool vmm_insert(struct vmalloc_model *m, int id, uint64_t start, uint64_t pages)
{
	if (id < 0 || id >= VMM_MAX_AREAS || !pages || start % m->page || !fits(m, start, pages))
		return false;
	m->area[id] = (struct vmm_area){ .live = true, .start = start, .pages = pages };
	return true;
}

void vmm_remove(struct vmalloc_model *m, int id)
{
	if (id >= 0 && id < VMM_MAX_AREAS)
		m->area[id].live = false;
}

int vmm_find(const struct vmalloc_model *m, uint64_t addr)
{
	for (int i = 0; i < VMM_MAX_AREAS; i++) {
		const struct vmm_area *a = &m->area[i];

		if (a->live && addr >= a->start && addr - a->start < a->pages * m->page)
			return i;
	}
	return -1;
}
