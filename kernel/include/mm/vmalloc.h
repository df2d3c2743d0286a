/* vmalloc: virtually contiguous kernel memory from scattered pages.
 *
 * The areas live in one window of the kernel's Sv39 table, far above the
 * identity map, so a vmalloc address is never a physical one. Each area
 * is followed by one unmapped guard page: running off its end faults
 * instead of landing in the next area. A new area takes the lowest gap
 * of the window that holds its pages plus the guard.
 *
 * Every call either completes or leaves nothing behind: the descriptor,
 * the page array, every page and every mapping made for a failed call are
 * given back before it returns NULL.
 */
#ifndef MMRIG_MM_VMALLOC_H
#define MMRIG_MM_VMALLOC_H

#include "../config.h"
#include "../list.h"
#include "../types.h"
#include "vm.h"

/* 16 MiB at 128 GiB: above any identity-mapped RAM, below MAXVA, and
 * small enough that a few large areas exhaust it. */
#define VMALLOC_START ((uintptr_t)1 << 37)
#define VMALLOC_SIZE ((uintptr_t)16 << 20)
#define VMALLOC_END (VMALLOC_START + VMALLOC_SIZE)

#define VM_ALLOC 0x1u /* vmalloc: the area owns its pages */
#define VM_MAP 0x2u   /* vmap: the caller owns the pages */

struct page;

struct vm_struct {
	struct list_head list; /* in the window's list, by address */
	uintptr_t addr;
	size_t size; /* mapped bytes plus the guard page */
	unsigned int nr_pages;
	unsigned int flags;
	struct page **pages; /* VM_ALLOC: the pages, in address order */
};

/* Start the window over the kernel table kpt, with no areas. Areas of a
 * previous window are forgotten, not freed: call it only at boot (or on
 * the host, after the allocators were reset). */
void vmalloc_init(pagetable_t kpt);

/* size bytes rounded up to pages, each page allocated and mapped R|W|G;
 * NULL for 0 bytes, more than the window holds, or any failure. */
void *vmalloc(size_t size);
/* The same with every page zeroed. */
void *vzalloc(size_t size);
/* Unmap, flush and free an area vmalloc made; NULL does nothing. An
 * address that starts no vmalloc area is a caller bug: panic. */
void vfree(const void *addr);

/* Map count pages the caller keeps owning into a new area, or NULL. */
void *vmap(struct page **pages, unsigned int count);
/* Unmap an area vmap made; the pages are not freed. */
void vunmap(const void *addr);

/* The area that contains addr (guard page excluded), or NULL. */
struct vm_struct *find_vm_area(const void *addr);
/* The page mapped at addr inside an area, or NULL. */
struct page *vmalloc_to_page(const void *addr);

#endif
