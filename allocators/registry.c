/* Allocators find each other through two linker sections that the
 * registration macros fill, so an out-of-tree adapter directory adds its
 * allocators by being linked in: no list in the tree names them. */
#include "allocator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Weak: a build with no plugged allocator of a grain has no section. */
extern const struct mmrig_page_allocator *const __start_mmrig_page_allocators[]
	__attribute__((weak));
extern const struct mmrig_page_allocator *const __stop_mmrig_page_allocators[]
	__attribute__((weak));
extern const struct mmrig_byte_allocator *const __start_mmrig_byte_allocators[]
	__attribute__((weak));
extern const struct mmrig_byte_allocator *const __stop_mmrig_byte_allocators[]
	__attribute__((weak));

#define MAX_ALLOCATORS 128

static struct allocator entries[MAX_ALLOCATORS];
static const struct allocator *list[MAX_ALLOCATORS + 1];

/* Two allocators of one name would make --allocator ambiguous: the build
 * links them, the tools refuse to start. */
static void refuse_duplicates(int n)
{
	for (int i = 2; i < n; i++) {
		if (strcmp(list[i - 1]->name, list[i]->name) == 0) {
			fprintf(stderr, "mmrig: two allocators are named '%s'\n", list[i]->name);
			exit(2);
		}
	}
	for (int i = 1; i < n; i++) {
		if (strcmp(list[i]->name, allocator_kernel()->name) == 0) {
			fprintf(stderr, "mmrig: '%s' is the kernel's name\n",
				allocator_kernel()->name);
			exit(2);
		}
	}
}

static void add(int *n, const char *name, const char *summary, enum alloc_kind kind,
		const struct mmrig_page_allocator *page, const struct mmrig_byte_allocator *byte)
{
	if (*n >= MAX_ALLOCATORS) {
		fprintf(stderr, "mmrig: more than %d allocators\n", MAX_ALLOCATORS);
		exit(2);
	}
	entries[*n] = (struct allocator){ name, summary ? summary : "", kind, page, byte };
	list[*n] = &entries[*n];
	(*n)++;
}

const struct allocator *const *allocator_list(void)
{
	int n = 0;

	if (list[0])
		return list;
	list[n++] = allocator_kernel();
	for (const struct mmrig_page_allocator *const *p = __start_mmrig_page_allocators;
	     p && p < __stop_mmrig_page_allocators; p++)
		add(&n, (*p)->name, (*p)->summary, ALLOC_PAGE, *p, NULL);
	for (const struct mmrig_byte_allocator *const *b = __start_mmrig_byte_allocators;
	     b && b < __stop_mmrig_byte_allocators; b++)
		add(&n, (*b)->name, (*b)->summary, ALLOC_BYTE, NULL, *b);
	/* Few entries: an insertion sort by name. */
	for (int i = 2; i < n; i++)
		for (int j = i; j > 1 && strcmp(list[j - 1]->name, list[j]->name) > 0; j--) {
			const struct allocator *t = list[j];
			list[j] = list[j - 1];
			list[j - 1] = t;
		}
	refuse_duplicates(n);
	list[n] = NULL;
	return list;
}

const struct allocator *allocator_find(const char *name)
{
	for (const struct allocator *const *a = allocator_list(); *a; a++)
		if (strcmp((*a)->name, name) == 0)
			return *a;
	return NULL;
}

const char *allocator_grain(enum alloc_kind kind)
{
	return kind == ALLOC_KERNEL ? "kernel" : kind == ALLOC_PAGE ? "page" : "byte";
}

const struct allocator *allocator_select(const char *name, const char *tool)
{
	const struct allocator *a;

	if (!name || !*name)
		name = getenv("MMRIG_ALLOCATOR");
	if (!name || !*name)
		return allocator_kernel();
	a = allocator_find(name);
	if (a)
		return a;
	fprintf(stderr, "%s: no allocator '%s'; this build has:", tool, name);
	for (const struct allocator *const *l = allocator_list(); *l; l++)
		fprintf(stderr, " %s", (*l)->name);
	fprintf(stderr, "\n");
	return NULL;
}
