/* Every check the executor can record, with what it means: the one list
 * diverge() accepts names from, and the source of the check tables in
 * docs/architecture.md and docs/your-allocator.md (mmrig-replay
 * --list-checks writes them; tests/docs keeps the docs equal to it).
 * A name with "<class>" stands for a family: <class> is a page class
 * (harness, slab, pgtable, user, source, vma, ...). */
#include <string.h>

#include "exec.h"

static const struct check_info checks[] = {
	{ "buddy.alloc-not-free", true, "a page block returned that was not entirely free" },
	{ "buddy.misaligned", true,
	  "a page block not page aligned, or (with `ALIGNED`) not aligned to its size" },
	{ "buddy.out-of-range", true, "a page block returned outside the ranges given" },
	{ "buddy.bad-order", false, "a tracepoint reported an order above `MAX_ORDER`" },
	{ "buddy.free-unallocated", true,
	  "the model did not hold a block the rig freed (its pages were taken by something else)" },
	{ "buddy.free-wrong-order", false,
	  "a freed block is allocated in the model with another order" },
	{ "buddy.spurious-failure", true,
	  "(`NO_SPURIOUS_FAILURE`) a page allocation failed with a fitting free block" },
	{ "buddy.over-max-order", true, "a block returned for an order above `max_order`" },
	{ "buddy.untraced-alloc", false,
	  "the block `alloc_pages` returned is not the harness block the tracepoint reported" },
	{ "buddy.free-counts", true,
	  "(`CANONICAL`) per-order free counts differ from the model's, after an op or at boot" },
	{ "buddy.free-total", true, "`free_total` differs from the model's free pages" },
	{ "buddy.free-list", true,
	  "`walk_free` listed a block that is not free (or not canonical), twice, or missed one, or reported damage" },
	{ "buddy.page-state", false,
	  "at `check`: a `struct page` not as its block says (a free page with a stray flag, order, reference, class, head pointer or slab field, or, under ASan, not poisoned; an allocated head without `PG_head`, its order, class or a reference; a tail not pointing at its head)" },
	{ "zone.setup", false,
	  "a zone's span, managed pages, min/low/high watermarks or lowmem reserve differ from the zone model's at boot" },
	{ "zone.free-pages", false,
	  "a zone's free page count differs from the model's free pages in that zone" },
	{ "gfp.zone-choice", false,
	  "a block from another zone than the first in the zonelist that passes the watermark step deciding the request" },
	{ "gfp.below-watermark", false,
	  "an allocation succeeded although no zone in its zonelist was above the watermark its flags allow" },
	{ "gfp.dma32", false, "a `__GFP_DMA32` allocation returned a block outside ZONE_DMA32" },
	{ "gfp.nofail", false,
	  "a `__GFP_NOFAIL` allocation failed although a block was there to take" },
	{ "gfp.nowarn", false,
	  "`warn_alloc()` warned for a `__GFP_NOWARN` failure, stayed silent for another, or warned for a success" },
	{ "buddy.hook-args", false,
	  "a page allocation did not consult the fault injector (`should_fail_alloc`) just before, with its block's size in bytes and its own gfp and class" },
	{ "page.corrupted", true, "a live page block's contents changed" },
	{ "page.not-zeroed", true, "a `zero` page block had a nonzero byte" },
	{ "slab.spurious-failure", false,
	  "an object allocation, `krealloc` or `kmem_cache_create` returned NULL with no injected fault, no legal buddy failure in the op, and no oversized request" },
	{ "slab.zero-size", false,
	  "a 0-byte kmalloc, or `krealloc(p, 0)`, did not return `ZERO_SIZE_PTR`" },
	{ "slab.bad-result", false,
	  "`ZERO_SIZE_PTR` for a nonzero size, an object for a request above 4 MiB, or a cache of 0-byte objects created" },
	{ "slab.ksize", false, "the usable size is below the size asked for" },
	{ "slab.misaligned", false,
	  "the object is not aligned as promised (natural for power-of-two kmalloc sizes, the cache's alignment, 8 for krealloc)" },
	{ "slab.outside-slab", false,
	  "the object is not inside a slab page or its own large-kmalloc block, or it runs past the block's end; or the slab layer handed out or took back an object outside its cache's own slabs" },
	{ "slab.overlap", false, "the object overlaps another live object" },
	{ "slab.not-zeroed", false,
	  "a `kzalloc`, `kcalloc` or `zero` cache object has a nonzero byte" },
	{ "slab.ctor", false, "an object from a ctor cache is not in its constructed state" },
	{ "slab.corrupted", false, "a stamp in a live object changed" },
	{ "slab.size-class", false,
	  "a `kmalloc` object up to 8 KiB is not from the smallest kmalloc class that fits (`kmalloc-SIZE`)" },
	{ "slab.large-order", false,
	  "a `kmalloc` above 8 KiB is not a buddy block of the smallest order that fits" },
	{ "slab.realloc-moved", false,
	  "`krealloc` within the object's usable size moved the object or failed" },
	{ "slab.grow-with-free", false,
	  "a cache took a new slab while its slabs still held a free object" },
	{ "slab.destroy-live", false, "a slab was destroyed while it held live objects" },
	{ "slab.lists", false,
	  "at `check`: a slab on the wrong list (full, partial, free) for its live objects, an active count not the model's, or slabs listed that were never grown (or twice, or missing)" },
	{ "slab.cache-name", false,
	  "`kmem_cache_name` of a new cache is not the name given, cut to `KMEM_NAME_MAX` - 1 bytes" },
	{ "slab.realloc-prefix", false, "`krealloc` did not keep the first min(old, new) bytes" },
	{ "leak.page-not-freed", false,
	  "the last reference to a harness block was dropped but the block is still allocated (kbuddy)" },
	{ "leak.kmalloc-large-not-freed", false,
	  "`kfree` of a large kmalloc left its block allocated" },
	{ "leak.<class>", false,
	  "at the end, after everything was released and all caches shrunk, the model still holds an allocated block. `<class>` is the first such block's class: `harness`, `slab`, `kmalloc-large`, `kernel`, ..." },
	{ "vm.result", false,
	  "an mm op's or a touch's result is not the one the address-space model allows (wrong address, error, byte read, or SEGV)" },
	{ "vm.spurious-enomem", false,
	  "an mm op returned -ENOMEM although no allocation failed in it" },
	{ "vm.bad-placement", false,
	  "a non-fixed mmap returned an address that is misaligned, below the mmap base, past the top or over another mapping" },
	{ "vm.placement-rule", false,
	  "a non-fixed `mmap` took a free range other than the rule's: the hint when free, else the lowest fit from the mmap base, 2 MiB-aligned for 2 MiB and more" },
	{ "vm.skipped-fallback", false,
	  "a VM op returned -ENOMEM when only a superpage attempt had failed: the 4 KiB fallback (demand fault, COW split) was not taken" },
	{ "vm.superpage-rule", false,
	  "a resolved user fault left a 4 KiB leaf where the kernel's rule asks for 2 MiB (an unmapped page whose aligned 2 MiB block lies inside the VMA with nothing mapped; a write to a 2 MiB copy-on-write leaf) and no order-9 allocation failed" },
	{ "vm.cow-reuse", false,
	  "a write to a copy-on-write leaf whose block had no other reference copied the block instead of reusing it" },
	{ "vm.page-order", false,
	  "a `user` or `cow` block of an order other than 0 or 9 (2 MiB), or a `pgtable` block of an order other than 0, was allocated" },
	{ "vm.vma-list", false,
	  "after an mm op the kernel's VMAs (start, end, access, shared) differ from the model's canonical list" },
	{ "vm.brk", false, "the kernel's break differs from the model's" },
	{ "vm.fault-loop", false,
	  "a touch still faulted after the kernel said it resolved the fault 3 times (a missing TLB flush)" },
	{ "vm.bad-pte", false, "the software MMU met a malformed page-table entry" },
	{ "vm.shared-writable", false,
	  "at `check`: a private page mapped by more than one leaf (in any mms) is writable in one of them" },
	{ "vm.refcount", false,
	  "at `check`: a user block's reference count differs from the number of leaves (in all mms) mapping into it" },
	{ "vm.contents", false,
	  "at `check`: a byte mapped by a leaf differs from the model's byte (0 where the model knows none)" },
	{ "vm.leaf-outside-vma", false,
	  "at `check`: a leaf is not inside one VMA of its mm in the model" },
	{ "vm.table-page", false,
	  "a page-table entry points at something other than an allocated order-0 `pgtable` block, or a table page is reached twice (at `check`, after an mm is released, after a failed allocation)" },
	{ "vm.leaf-page", false,
	  "a leaf maps memory outside one allocated `user` or `cow` block (same occasions)" },
	{ "memblock.memory", false,
	  "at boot: memblock's memory regions are not the memory map's banks, merged (or its `total_size` is off)" },
	{ "memblock.reserved", false,
	  "at boot: memblock's reservations are not the memory map's plus `mem_map` at the lowest aligned fit, merged (or `total_size` counts a byte twice)" },
	{ "memblock.boot-free", false,
	  "at boot: the free ranges memblock hands the buddy are not exactly the whole pages of memory outside every reservation" },
	{ "kvm.result", false, "`kvmmake` returned NULL although no allocation failed" },
	{ "kvm.layout", false,
	  "a kernel-map leaf is not the identity, has bits other than its region's (or `U`), lies outside the regions, or is a 4 KiB leaf where a whole aligned 2 MiB block fits; or the mapped page count is wrong" },
	{ "kvm.leak", false,
	  "page-table pages allocated after a failed `kvmmake` or after `kvmfree` differ from before, or the build allocated tables it does not reach" },
	{ "vmalloc.spurious-failure", false,
	  "`vmalloc` or `vzalloc` returned NULL although the model had a gap for it, no fault was injected and the buddy did not run out" },
	{ "vmalloc.placement", false,
	  "an area not at the lowest gap of the window that holds its pages and a guard page, or an area where none fits (or for 0 bytes)" },
	{ "vmalloc.mapping", false,
	  "a page of a live area is not a 4 KiB leaf `V|R|W|G` (no `X`, no `U`) onto an allocated order-0 vmalloc block, or the kernel cannot read or write it through the MMU" },
	{ "vmalloc.contents", false,
	  "a `vzalloc` area has a nonzero byte, or a live area's contents changed" },
	{ "vmalloc.stray-mapping", false,
	  "a leaf in the window outside the live areas' pages: a guard page, a freed area, a failed call's page" },
	{ "vmalloc.stale-tlb", false,
	  "after `vfree` or `vunmap`, a page of the area still translates through the MMU: a TLB entry the kernel did not flush" },
	{ "vmalloc.pages", false,
	  "vmalloc blocks allocated in the buddy model differ from the pages of the live areas" },
	{ "percpu.parked-twice", false,
	  "an object in two places: parked twice (two arrays, or one twice), parked and handed out, or parked and free in its slab" },
	{ "percpu.parked-count", false,
	  "objects parked in a cache's per-CPU arrays and shared pool plus the free objects of its slabs differ from the slab model's free count; an array holds more than its limit or an object of no slab of its cache; or an object is neither handed out, parked nor free" },
	{ "percpu.free-count", false,
	  "a cache's own count of free objects on its slab lists differs from what its slabs hold" },
	{ "percpu.drain", false,
	  "after `kmem_cache_shrink` or `kmem_cache_destroy` an array of the cache is not empty, or after `cache_reap` an array does not hold what the reap rule leaves" },
	{ "spinlock.deadlock", false,
	  "a CPU takes a spinlock that is held (by itself, or by a CPU that will not release it)" },
	{ "spinlock.not-owner", false, "a CPU releases a spinlock it does not hold" },
	{ "spinlock.sleep-in-atomic", false,
	  "an allocation that may sleep made while the CPU holds a spinlock or has interrupts off" },
	{ "spinlock.held-at-exit", false,
	  "an op ended with a spinlock held or interrupts off on a CPU" },
	{ "leak.<class> at mm_exit", false,
	  "after the harness released an mm: an allocated `pgtable` block no live mm reaches, or a `user` / `cow` block no live leaf maps. The signature's op is `mm_exit`, or `mm_new` / `fork` for a reused slot, or `end`" },
	{ "leak.<class> at check", false, "the same accounting at a `check` op" },
	{ "leak.<class> after alloc failure", false,
	  "the same accounting after an op in which an allocation failed (injected or a legal out-of-memory)" },
	{ "slab.calloc-overflow", false,
	  "`kcalloc_wrap`: kcalloc returned an object for a count whose product with the size overflows" },
	{ "byte.overlap", true, "a new block overlaps a live one, as asked" },
	{ "byte.usable-overlap", true, "a new block's usable size overlaps a live one's" },
	{ "byte.outside-source", true,
	  "(`confined`) a block, to its usable end, not inside one page-source block" },
	{ "byte.misaligned", true, "a block not aligned to `min_align` or to the asked alignment" },
	{ "byte.usable-size", true, "`usable_size` smaller than the size asked" },
	{ "byte.not-zeroed", true, "calloc's block had a nonzero byte" },
	{ "byte.corrupted", true, "a live block's contents changed" },
	{ "byte.realloc-prefix", true, "realloc lost part of the old contents" },
	{ "byte.realloc-moved", true,
	  "(`SHRINK_IN_PLACE` / `GROW_IN_USABLE`) realloc moved a block it promised to keep in place" },
	{ "byte.calloc-overflow", true, "calloc returned a block for a wrapping `n * size`" },
	{ "byte.zero-size", true, "a 0-byte request broke the declared zero-size policy" },
	{ "byte.spurious-failure", true,
	  "(`NO_SPURIOUS_FAILURE`) a request within `max_size` failed while the page source did not" },
	{ "byte.over-max-size", true, "a request above `max_size` succeeded" },
	{ "leak.source", true, "(`confined`) page-source blocks still held after `fini`" },
	{ "alloc.error", true, "the allocator called `MMRIG_ALLOC_ERROR`" },
	{ "alloc.claim", true, "claims at `init` overlap each other" },
	{ "harness.init", true, "`init` returned -1" },
	{ "harness.unknown-check", false,
	  "a harness bug: an oracle recorded a name this list lacks (the name is in the report's expected line)" },
	{ "harness.bad-op", false,
	  "a harness bug: the executor was handed an op kind it has no case for (the kind is in the report's actual line)" },
	{ "harness.not-applicable", false,
	  "not a finding: the program has an op the allocator cannot run (mmrig-replay prints N/A)" },
};

static const struct check_family families[] = {
	{ "buddy.", "buddy model",
	  "every block handed out was entirely free and aligned; a failure only when no free block of that order exists or a fault was injected; per-order free counts equal the canonical structure after every op; at `check` and at the end the free lists equal the model exactly" },
	{ "page.", "page contents",
	  "a block keeps what was written into it while it is live; `zero` blocks are zeroed" },
	{ "slab.", "object and slab models",
	  "live objects are disjoint, inside their own cache's slabs (or their own large-kmalloc block), aligned, zeroed and constructed as asked, with contents preserved; `kmalloc` takes the smallest class or buddy order that fits; a cache grows only with no free object, destroys only empty slabs, and fails only when no free object exists and growing failed (docs/oracles.md)" },
	{ "leak.", "leak oracle",
	  "when the program ends everything is released and the free structure is the boot one; page-table, user and COW pages are accounted after every mm release, at `check` and after every failed allocation" },
	{ "vm.", "address-space model",
	  "every mm op's result, VMA list and break equal the reference model's, mmap placement included; every user or kernel access of 1 to 16385 bytes reads what the model expects or faults where it does; -ENOMEM only when an allocation without a fallback failed; at `check` every mapped byte, refcount and sharing equals the model's" },
	{ "zone.", "zone model",
	  "at boot each zone spans its side of the geometry's `dma32` line with Linux's watermarks and lowmem reserve; after every op each zone's free pages equal the model's" },
	{ "gfp.", "zone policy",
	  "every page allocation comes from the zone the zonelist and watermark rule pick for its gfp (low mark, then min lowered for `high` / `atomic`, then `nofail`'s reserves), fails only when the rule finds none, and warns exactly when it fails without `nowarn` (docs/zones.md)" },
	{ "memblock.", "boot memory model",
	  "at every boot memblock holds the memory map's banks and reservations, merged, places `mem_map` at the lowest free fit and hands exactly memory minus reserved, in whole pages, to the buddy" },
	{ "kvm.", "kernel page table",
	  "`kvmmake` maps every region as the identity with its bits, superpages wherever they fit, and `kvmfree` gives back every table page" },
	{ "vmalloc.", "vmalloc window model",
	  "every area at the lowest gap that holds it and a guard page, NULL only without one or after a failed allocation; every page of a live area mapped `R|W|G` onto its own vmalloc block, contents preserved through the MMU (zero after `vzalloc`); nothing mapped in the window but live areas, nor left in the TLB after `vfree`; vmalloc blocks equal live pages" },
	{ "percpu.", "per-CPU caches",
	  "(programs naming CPUs) objects parked in per-CPU arrays and shared pools plus the free objects in the slabs equal the slab model's free objects after every op; no object in two places; an array within its limit; drains, shrinks and reaps leave what their rule says (docs/cpus.md)" },
	{ "spinlock.", "lock discipline",
	  "no spinlock taken twice or released by a CPU that does not hold it, no allocation that may sleep under a spinlock or with interrupts off, every lock released and interrupts back on when an op ends" },
	{ "byte.", "byte-allocator model",
	  "(plugged byte allocators) objects disjoint, inside the page source, aligned, usable size honoured, realloc and calloc semantics, no spurious failure" },
	{ "alloc.", "allocator's own report",
	  "(plugged allocators) the allocator called `MMRIG_ALLOC_ERROR`, or its claims overlap" },
	{ "harness.", "harness",
	  "not a bug in the allocator: init failed, an unknown check name or op kind, or an op the allocator cannot run" },
	{ "panic.", "kernel checks",
	  "the kernel's own assertions: double or bad free, wrong order, refcount underflow, slab double or bad free, a cache destroyed with live objects, the address-space walk at `check`" },
	{ "asan.", "sanitizers",
	  "ASan (free memory is poisoned by the kernel's own hooks) and UBSan (`ubsan`)" },
	{ "crash.", "crashes",
	  "a signal or an exit no oracle explained (without sanitizers, `crash.signal-N in FUNC`: the child's faulting frames, symbolized by the parent; triage keeps the sanitizer build's signature and lists this one as its alias), a timeout or the memory limit (`timeout`, `oom`)" },
};

const struct check_family *check_families(size_t *n)
{
	*n = sizeof(families) / sizeof(families[0]);
	return families;
}

const struct check_info *check_list(size_t *n)
{
	*n = sizeof(checks) / sizeof(checks[0]);
	return checks;
}

/* s matches pattern, where "<class>" in the pattern takes one word of
 * lower-case letters and dashes. */
static bool matches(const char *pattern, const char *s)
{
	const char *hole = strchr(pattern, '<'); /* only "<class>" has one */
	size_t head;

	if (!hole)
		return strcmp(pattern, s) == 0;
	head = (size_t)(hole - pattern);
	if (strlen(s) < head || memcmp(pattern, s, head) != 0)
		return false;
	s += head;
	if (!((*s >= 'a' && *s <= 'z') || *s == '-'))
		return false;
	while ((*s >= 'a' && *s <= 'z') || *s == '-')
		s++;
	return strcmp(hole + strlen("<class>"), s) == 0;
}

const struct check_info *check_find(const char *name)
{
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (matches(checks[i].name, name))
			return &checks[i];
	return NULL;
}
