/* vmalloc areas in the kernel table's window (mm/vmalloc.h).
 *
 * The window's areas are a list sorted by address; each covers its pages
 * and the guard page after them, so the gaps between list entries are the
 * free virtual space, and placement is a first fit over them. Tables the
 * mappings needed are pruned again when an area goes (uvmunmap), so a
 * window with no areas holds no table page below the root.
 */
#include "arch.h"
#include "errno-base.h"
#include "lib.h"
#include "mm/gfp.h"
#include "mm/page.h"
#include "mm/slab.h"
#include "mm/vmalloc.h"

#define VM_PROT (PTE_R | PTE_W | PTE_G)

static pagetable_t vm_kpt;
static struct list_head vm_areas;

void vmalloc_init(pagetable_t kpt)
{
	vm_kpt = kpt;
	INIT_LIST_HEAD(&vm_areas);
}

static struct vm_struct *area_of(struct list_head *pos)
{
	return list_entry(pos, struct vm_struct, list);
}

/* The lowest gap holding size bytes (guard included): its address, and
 * in *next the list entry the new area goes before. 0 if none fits. */
static uintptr_t find_gap(size_t size, struct list_head **next)
{
	uintptr_t start = VMALLOC_START;
	struct list_head *pos;

	list_for_each(pos, &vm_areas) {
		struct vm_struct *a = area_of(pos);

		if (a->addr - start >= size) {
			*next = pos;
			return start;
		}
		start = a->addr + a->size;
	}
	*next = &vm_areas;
	return VMALLOC_END - start >= size ? start : 0;
}

/* A descriptor for nr_pages pages placed in the window, or NULL. */
static struct vm_struct *get_vm_area(unsigned int nr_pages, unsigned int flags)
{
	struct vm_struct *area;
	struct list_head *next;
	size_t size;

	if (!vm_kpt)
		panic("vmalloc-no-init", "vmalloc before vmalloc_init");
	if (!nr_pages || nr_pages >= VMALLOC_SIZE / PAGE_SIZE)
		return NULL;
	size = ((size_t)nr_pages + 1) * PAGE_SIZE;
	area = kmalloc(sizeof(*area), GFP_KERNEL);
	if (!area)
		return NULL;
	area->addr = find_gap(size, &next);
	if (!area->addr) {
		kfree(area);
		return NULL;
	}
	area->size = size;
	area->nr_pages = nr_pages;
	area->flags = flags;
	area->pages = NULL;
	list_add_tail(&area->list, next);
	return area;
}

static void free_vm_area(struct vm_struct *area)
{
	list_del(&area->list);
	kfree(area);
}

/* Unmap the first nr pages of the area; uvmunmap flushes each one and
 * prunes the tables it empties. */
static void unmap_area(struct vm_struct *area, unsigned int nr)
{
	if (nr && uvmunmap(vm_kpt, area->addr, (size_t)nr * PAGE_SIZE, 0))
		panic("vmalloc-unmap", "area %lx: unmapping %u pages failed",
		      (unsigned long)area->addr, nr);
}

static int map_page(struct vm_struct *area, unsigned int i, struct page *pg)
{
	return mappages(vm_kpt, area->addr + (uintptr_t)i * PAGE_SIZE, PAGE_SIZE,
			(phys_addr_t)(uintptr_t)page_address(pg), VM_PROT);
}

/* Drop the first nr pages of a VM_ALLOC area: already unmapped. */
static void free_area_pages(struct vm_struct *area, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++)
		__free_pages(area->pages[i], 0);
	kfree(area->pages);
}

static void *__vmalloc(size_t size, gfp_t gfp)
{
	struct vm_struct *area;
	unsigned int nr, i;

	if (!size || size > VMALLOC_SIZE)
		return NULL;
	nr = (unsigned int)(ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE);
	area = get_vm_area(nr, VM_ALLOC);
	if (!area)
		return NULL;
	area->pages = kmalloc((size_t)nr * sizeof(*area->pages), GFP_KERNEL);
	if (!area->pages)
		goto fail_area;
	for (i = 0; i < nr; i++) {
		struct page *pg = alloc_page(gfp | GFP_CLASS(PGC_VMALLOC));

		if (!pg)
			goto fail_pages;
		area->pages[i] = pg;
		if (map_page(area, i, pg)) {
			__free_pages(pg, 0);
			goto fail_pages;
		}
	}
	return (void *)area->addr;

fail_pages:
	/* pages [0, i) are mapped; the i-th, if any, is already gone */
	unmap_area(area, i);
	free_area_pages(area, i);
fail_area:
	free_vm_area(area);
	return NULL;
}

void *vmalloc(size_t size)
{
	return __vmalloc(size, GFP_KERNEL);
}

void *vzalloc(size_t size)
{
	return __vmalloc(size, GFP_KERNEL | __GFP_ZERO);
}

/* The area starting at addr with flags, or a panic: freeing anything
 * else is the caller's bug. */
static struct vm_struct *area_starting(const void *addr, unsigned int flags, const char *what)
{
	struct vm_struct *area = find_vm_area(addr);

	if (!area || area->addr != (uintptr_t)addr || area->flags != flags)
		panic("vmalloc-bad-free", "%s(%lx): no %s area starts there", what,
		      (unsigned long)(uintptr_t)addr, flags == VM_ALLOC ? "vmalloc" : "vmap");
	return area;
}

void vfree(const void *addr)
{
	struct vm_struct *area;

	if (!addr)
		return;
	area = area_starting(addr, VM_ALLOC, "vfree");
	unmap_area(area, area->nr_pages);
	free_area_pages(area, area->nr_pages);
	free_vm_area(area);
}

void *vmap(struct page **pages, unsigned int count)
{
	struct vm_struct *area = get_vm_area(count, VM_MAP);
	unsigned int i;

	if (!area)
		return NULL;
	for (i = 0; i < count; i++) {
		if (map_page(area, i, pages[i])) {
			unmap_area(area, i);
			free_vm_area(area);
			return NULL;
		}
	}
	return (void *)area->addr;
}

void vunmap(const void *addr)
{
	struct vm_struct *area;

	if (!addr)
		return;
	area = area_starting(addr, VM_MAP, "vunmap");
	unmap_area(area, area->nr_pages);
	free_vm_area(area);
}

struct vm_struct *find_vm_area(const void *addr)
{
	uintptr_t a = (uintptr_t)addr;
	struct list_head *pos;

	if (!vm_kpt)
		return NULL;
	list_for_each(pos, &vm_areas) {
		struct vm_struct *area = area_of(pos);

		if (a >= area->addr && a - area->addr < (uintptr_t)area->nr_pages * PAGE_SIZE)
			return area;
	}
	return NULL;
}

struct page *vmalloc_to_page(const void *addr)
{
	pte_t *pte;

	if (!find_vm_area(addr))
		return NULL;
	pte = walk(vm_kpt, (uintptr_t)addr, 0);
	if (!pte || !(*pte & PTE_V))
		return NULL;
	return virt_to_page((void *)PTE2PA(*pte));
}
