/* Live objects in address order, shared by the kernel's object ops and
 * the byte allocators' (their objects are disjoint, so a new object can
 * only overlap its two neighbours in this order). */
#include <string.h>

#include "world.h"

int objs_rank(const struct exec *e, uintptr_t a)
{
	int lo = 0, hi = e->nr_by_addr;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if ((uintptr_t)e->objs[e->by_addr[mid]].ptr < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void objs_insert(struct exec *e, int slot, int at)
{
	memmove(&e->by_addr[at + 1], &e->by_addr[at], (size_t)(e->nr_by_addr - at));
	e->by_addr[at] = (uint8_t)slot;
	e->nr_by_addr++;
}

void objs_remove(struct exec *e, int slot)
{
	int k = objs_rank(e, (uintptr_t)e->objs[slot].ptr);

	/* Objects of size 0 may share an address with a real one: look past
	 * the first of equal address. */
	while (k < e->nr_by_addr && e->objs[e->by_addr[k]].ptr == e->objs[slot].ptr) {
		if (e->by_addr[k] == slot) {
			memmove(&e->by_addr[k], &e->by_addr[k + 1],
				(size_t)(e->nr_by_addr - k - 1));
			e->nr_by_addr--;
			return;
		}
		k++;
	}
}
