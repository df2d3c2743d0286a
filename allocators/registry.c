#include "allocator.h"

#include <string.h>

const struct page_allocator *const *allocator_list(void)
{
	static const struct page_allocator *all[32];

	if (!all[0]) {
		int n = 0;

		all[n++] = &kbuddy_allocator;
		for (int i = 0; mmrig_extra_allocators[i] && n < 31; i++)
			all[n++] = mmrig_extra_allocators[i];
		all[n] = NULL;
	}
	return all;
}

const struct page_allocator *allocator_find(const char *name)
{
	for (const struct page_allocator *const *a = allocator_list(); *a; a++)
		if (strcmp((*a)->name, name) == 0)
			return *a;
	return NULL;
}
