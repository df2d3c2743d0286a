/* Executor internals shared by its files: the world of handles the program
 * acts on, the models, and the divergence being built. */
#ifndef MMRIG_WORLD_H
#define MMRIG_WORLD_H

#include <stdint.h>

#include "as_model.h"
#include "host.h"
#include "buddy_model.h"
#include "zone_model.h"
#include "migrate_model.h"
#include "vmalloc_model.h"
#include "pcp_model.h"
#include "exec.h"
#include "mm/vm.h"
#include "mm/slab.h"

struct page_slot {
	bool live;
	void *addr;
	unsigned int order;
	int refs;      /* references the program holds */
	uint64_t seed; /* content tag */
};

struct obj_slot {
	bool live;
	void *ptr;     /* may be ZERO_SIZE_PTR */
	size_t size;   /* bytes the program asked for */
	size_t usable; /* byte allocators: bytes it may use (usable_size) */
	int cache;     /* cache slot, or -1 for kmalloc */
	uint64_t seed;
};

struct cache_slot {
	bool live;
	struct kmem_cache *cache;
	size_t size;
	unsigned int align;
	bool hwalign, ctor;
};

/* A vmalloc or vmap area in an object handle (ops_vmalloc.c). */
struct vm_slot {
	bool live;
	bool zero; /* vzalloc */
	int block; /* vmap: the page slot whose block it maps; -1 for vmalloc */
	uintptr_t addr;
	uintptr_t pages;
	uint64_t seed; /* content tag of page 0; each page has its own */
};

struct pt_tally;

struct mm_slot {
	bool live;
	struct mm_struct *mm;
};

/* A range mmap returned, kept as a label: it outlives munmap and mm_exit
 * (later ops on it then fault or do nothing), so stale-address bugs show. */
struct region_slot {
	bool live;
	int mm; /* the mm that mapped it */
	uintptr_t addr;
	size_t len;
};

/* Pages a plugged page allocator claimed for its metadata: in the model
 * they are allocated blocks of this class, never leaks. */
#define CLS_CLAIMED (BM_NR_CLASSES - 1)
/* Blocks parked on a CPU's per-CPU list: allocated as far as the buddy's
 * free lists go, free to their CPU (pcp_check.c). */
#define CLS_PCP (BM_NR_CLASSES - 2)
#define MAX_CLAIMS 32
/* op_index while the allocator boots: its free structure is judged then,
 * and a finding is reported "in boot". */
#define OP_AT_BOOT EXEC_AT_BOOT

struct exec {
	const struct allocator *al;
	/* The page allocator the buddy oracles judge: a plugged one, or the
	 * kernel's buddy (also under a byte allocator: its page source). */
	const struct mmrig_page_allocator *pa;
	const struct mmrig_byte_allocator *ba; /* ALLOC_BYTE */
	/* The kernel runs and its tracepoints feed the model (not so under a
	 * plugged page allocator, whose results the harness feeds it). */
	bool traced;
	struct op_set ops; /* what the allocator can run */
	struct host_arena arena;
	/* The geometry the arena and the model are laid out for, resolved
	 * (pages 0: none yet); a config's geometry overrides the program's,
	 * and a config's arena size fixes one layout for every program. */
	struct prog_geometry geom;
	struct prog_geometry override;
	bool has_override, fixed_layout;
	struct buddy_model *model;
	struct migrate_model *mgm;               /* pageblock types (the kernel's, traced) */
	struct pcp_model *pm;                    /* the per-CPU page lists (traced) */
	struct bm_range usable[HOST_MAX_RANGES]; /* what the model starts free */
	int nr_usable;
	struct mmrig_range claims[MAX_CLAIMS];
	int nr_claims;

	struct page_slot pages[NR_PAGE_SLOTS];
	struct obj_slot objs[NR_OBJ_SLOTS];
	struct cache_slot caches[NR_CACHE_SLOTS];
	struct mm_slot mms[NR_MM_SLOTS];
	struct region_slot regions[NR_REGION_SLOTS];
	struct as_model *as; /* reference address-space model */
	struct vm_slot vms[NR_OBJ_SLOTS];
	struct vmalloc_model vmodel;
	pagetable_t vm_kpt; /* the vmalloc window's table: NULL until a vmalloc op */
	uint8_t *vm_buf;    /* one page: what the harness reads or writes through the MMU */
	/* Live objects (size > 0) in address order: they are disjoint, so a
	 * new object can only overlap its two neighbours. */
	uint8_t by_addr[NR_OBJ_SLOTS];
	int nr_by_addr;

	/* fault injection: fail the fail_in-th allocation from now (0: off) */
	unsigned int fail_in;
	bool injected;        /* an injected failure fired during this op */
	bool injected_grow;   /* ... and it was a slab page's allocation */
	bool page_fail_legal; /* the buddy legally ran out during this op */
	/* An allocation below superpage size failed (injected or legally) in
	 * this op. Every superpage attempt of the VM layer has a 4 KiB
	 * fallback, so only such a failure may end a VM op with -ENOMEM. */
	bool small_fail;
	/* A 2 MiB (order-9) allocation failed in this op: the one excuse for
	 * a 4 KiB mapping where the kernel's rule asks for a superpage. */
	bool big_fail;
	/* The fault injector's last consultation, until an allocation's
	 * tracepoint takes it (hooks.c: judge_consult). */
	bool consulted;
	gfp_t consult_gfp;
	size_t consult_size;
	/* The gfp words of the op now running when it allocates for a caller
	 * (the kmalloc family, kmem_cache_alloc): its slab pages and large
	 * blocks must carry them; -1 for any other op. */
	int caller_opg;
	/* pcp_check.c: the page allocation in progress (from its consultation
	 * to its block or failure) as the per-CPU lists see it. */
	struct pcp_request {
		bool zone_judged;       /* at its first refilled block */
		bool drained;           /* its slowpath drained every CPU's lists */
		unsigned int zone;      /* of the refill */
		unsigned long refilled; /* blocks the refill parked */
	} preq;
	bool pcp_drain_all; /* a drain_all_pages op is running */
	/* Pages a bulk free still owes, per CPU and zone, after a free took
	 * the CPU to its high mark. */
	unsigned long pcp_owed[PM_MAX_CPUS][PM_NR_ZONES];
	/* A freed block the rule parks: its pcp_add must follow. */
	bool pcp_expect;
	unsigned long pcp_expect_pfn;
	struct zone_model zm; /* the kernel's zones: watermarks from boot */
	unsigned int warned;  /* warn_alloc() calls since the last verdict */
	uint64_t digest;      /* of the run's results: see exec_digest() */

	/* The last harness-class block the tracepoints reported in this op:
	 * lets the page ops confirm the interface's result without a model
	 * lookup. */
	unsigned long traced_alloc_pfn, traced_free_pfn;
	int traced_alloc_order; /* -1: none this op */
	bool traced_free;
	/* Page-table blocks the kernel has allocated since boot: a refused
	 * kvmmake may have taken the root and nothing more. */
	unsigned long pgtable_allocs;

	unsigned char *walk_seen; /* scratch for the free-list walk, one byte a page */
	struct slab_model *slabs; /* the kernel's slabs, from its tracepoints */
	uint8_t *touch_buf;       /* the bytes of one touch, up to the longest */
	bool fresh;               /* the last run ended with a clean reset: boot need not redo it */
	struct pt_tally *pt_tally; /* scratch for the page-table walk */

	/* ops_cpu.c: the simulated CPUs (docs/cpus.md). */
	unsigned int nr_cpus; /* 1 when the program names no CPU */
	unsigned int cpu;     /* the CPU ops run on */
	struct race {
		bool armed;     /* a preempt op's first op is running */
		bool nestable;  /* its second op may run inside it */
		bool in_nested; /* the second op is running */
		bool ran;       /* ... and has run, inside the first */
		unsigned int at, seen, cpu;
		const struct op *nested;
		long nested_index;
	} race;

	uint64_t generation; /* makes every tag distinct */
	long op_index;
	struct divergence *div;
};

static inline unsigned long pfn_of(const void *p)
{
	return (unsigned long)((uintptr_t)p >> PAGE_SHIFT);
}

/* Takes the model's blocks that tile [pfn, end) (take) or gives them back:
 * the largest aligned block at each step, up to the allocator's max
 * order. A plugged page allocator's unaligned runs and its claims enter
 * the model this way. */
enum bm_status model_tile(struct exec *e, unsigned long pfn, unsigned long end, unsigned int cls,
			  bool take);

/* Records the first divergence of the run; later ones are ignored. */
/* Folds one result into the run's digest (FNV-1a over its 8 bytes). */
static inline void digest_add(struct exec *e, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		e->digest = (e->digest ^ (v & 0xff)) * 0x100000001b3ULL;
}

void diverge(struct exec *e, const char *check, const char *expected_fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diverge_actual(struct exec *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline bool diverged(const struct exec *e)
{
	return e->div->hit;
}

/* Op kinds grouped by the family run_op hands them to, as case labels
 * ("case OP_CASES_PAGE:"). Every switch over op kinds names its own kinds
 * one by one and the other families by these, with no default: built
 * with -Wswitch-enum, a kind added to the enum is an error at each switch
 * until it has its place there. */
/* clang-format off */
#define OP_CASES_PAGE OP_ALLOC_PAGES: case OP_FREE_PAGES: case OP_GET_PAGE: case OP_PUT_PAGE
#define OP_CASES_SLAB                                                                       \
	OP_KMALLOC: case OP_KZALLOC: case OP_KCALLOC: case OP_KREALLOC: case OP_KFREE:       \
	case OP_CACHE_CREATE: case OP_CACHE_ALLOC: case OP_CACHE_FREE: case OP_CACHE_SHRINK: \
	case OP_CACHE_DESTROY: case OP_KCALLOC_WRAP
#define OP_CASES_MM                                                                     \
	OP_MM_NEW: case OP_MM_FORK: case OP_MM_EXIT: case OP_MMAP: case OP_MUNMAP:       \
	case OP_MPROTECT: case OP_BRK: case OP_TOUCH
/* The executor's own ops and the CPU ops (ops_cpu.c) */
#define OP_CASES_CONTROL OP_FAIL_NTH: case OP_CHECK: case OP_CPU: case OP_PREEMPT: case OP_CACHE_REAP: \
	case OP_DRAIN_ALL_PAGES
#define OP_CASES_VMALLOC OP_VMALLOC: case OP_VFREE: case OP_VMAP: case OP_VUNMAP
/* clang-format on */
/* A kind a switch has no business with (outside the enum, or another
 * family's): a harness bug, reported as harness.bad-op, never run as
 * some other op. */
void exec_bad_op(struct exec *e, const struct op *op, const char *where);

/* objindex.c: live objects by address */
int objs_rank(const struct exec *e, uintptr_t a);
void objs_insert(struct exec *e, int slot, int at);
void objs_remove(struct exec *e, int slot);

/* ops_byte.c: the kmalloc-family ops on a plugged byte allocator */
void op_byte(struct exec *e, const struct op *op);
void byte_slot_release(struct exec *e, int slot);
bool bytes_verify_all(struct exec *e);

/* boot.c: fresh state before every program, per kind of allocator, and
 * the ops each kind can run. 0, -1 (init failed), or BOOT_TOO_SMALL: the
 * geometry lacks the block a byte allocator declared it needs. */
#define BOOT_TOO_SMALL 1
int allocator_boot(struct exec *e);
/* The kernel (the kernel's allocators, a byte allocator's page source)
 * back to its boot state and the model with it; a plugged page allocator
 * has no kernel state to reset. */
void allocator_reset(struct exec *e);

/* ops_page.c / ops_slab.c */
void op_page(struct exec *e, const struct op *op);
void op_slab(struct exec *e, const struct op *op);
void page_slot_release(struct exec *e, int slot);
void obj_slot_release(struct exec *e, int slot);
void cache_slot_release(struct exec *e, int slot);
bool objects_verify_all(struct exec *e);
bool pages_verify_all(struct exec *e);

/* ops_mm.c */
void op_mm(struct exec *e, const struct op *op);
void op_kvmmake(struct exec *e, const struct op *op);
void mm_slot_release(struct exec *e, int slot);
bool mms_check_all(struct exec *e);
void mm_world_reset(struct exec *e);

/* ops_vmalloc.c */
void op_vmalloc(struct exec *e, const struct op *op);
void vm_slot_release(struct exec *e, int slot);
/* Page slot's block is about to be freed: unmap the vmap areas of it. */
void vmap_block_released(struct exec *e, int page_slot);
bool vmalloc_check_all(struct exec *e);
void vmalloc_world_release(struct exec *e);
void vmalloc_world_reset(struct exec *e);

/* pt_walk.c: page tables of all live mms. At check ops the full set
 * (structure, sharing, refcounts, contents, accounting); the accounting
 * alone whenever a leak could have just happened. */
struct pt_tally;
enum vm_when { VM_AT_CHECK, VM_AT_MM_EXIT, VM_AFTER_ALLOC_FAILURE };
bool oracle_page_tables(struct exec *e);
bool oracle_vm_leaks(struct exec *e, enum vm_when when);
struct pt_tally *pt_tally_alloc(unsigned long nr_pfns);
void pt_tally_free(struct pt_tally *t);
/* The entry a walk of va ends at: a leaf, or the invalid entry that stops
 * it, with its level. false when a table on the way is not an allocated
 * pgtable block (the structure oracles report that; this only declines). */
struct pt_probe {
	int level;
	pte_t pte;
};
bool pt_probe(const struct exec *e, pagetable_t pgd, uintptr_t va, struct pt_probe *out);

/* fault_rule.c: the kernel's choices on a user fault, judged around it */
struct fault_before {
	bool want_super; /* not present, and a superpage fits */
	bool cow;        /* a write to a COW leaf */
	bool cow_super;  /* ... a 2 MiB one */
	bool one_ref;    /* ... whose block has no other reference */
	phys_addr_t pa;  /* ... mapping this */
};
void fault_rule_before(struct exec *e, int id, uintptr_t va, unsigned int access,
		       struct fault_before *b);
void fault_rule_after(struct exec *e, int id, uintptr_t va, const struct fault_before *b);

/* oracle.c */
bool page_model_could(struct exec *e, unsigned int order);
void oracle_free_counts(struct exec *e);
void oracle_free_lists(struct exec *e);
/* migrate_check.c: at check, each free block on its pageblock type's list. */
void oracle_migrate_free_lists(struct exec *e);
/* Before the buddy model takes an allocation: its list and order, and the
 * pageblock types it changes; after a free, the types a merge changes;
 * after each op, every pageblock's type against the model's. */
void migrate_judge_alloc(struct exec *e, unsigned long pfn, unsigned int order, gfp_t gfp);
void migrate_note_free(struct exec *e, unsigned long pfn);
void oracle_pageblocks(struct exec *e);
/* zone_check.c: the zone policy (docs/zones.md). op_gfp: an op's gfp
 * words as the kernel's flags (GFP_KERNEL unless nowait). */
gfp_t op_gfp(uint8_t opg);
void zone_model_boot(struct exec *e);  /* after the model's boot state */
void oracle_zones(struct exec *e);     /* at boot: spans, watermarks, reserves */
void oracle_zone_free(struct exec *e); /* after every op */
/* Before the buddy model takes the block. */
void zone_judge_alloc(struct exec *e, unsigned long pfn, unsigned int order, gfp_t gfp);
/* Records what is wrong about a failure (a missing or extra warning; a
 * failure the rule forbids unless excused); true when it was legal. */
bool zone_judge_fail(struct exec *e, unsigned int order, gfp_t gfp, bool excused);
bool zone_nofail_would_panic(struct exec *e, unsigned int order, gfp_t gfp);
/* The running op's caller gfp (caller_opg) as kernel flags; GFP_KERNEL
 * for an op without one. */
gfp_t caller_gfp(const struct exec *e);
/* Would the rule fail this allocation now? (a caller's excuse) */
bool zone_alloc_fails(struct exec *e, unsigned int order, gfp_t gfp);
/* Would the low and min passes fail it on the state now (before a drain)? */
bool zone_alloc_fails_now(struct exec *e, unsigned int order, gfp_t gfp);

/* pcp_check.c: the per-CPU page lists (docs/pcp.md). */
void pcp_boot(struct exec *e); /* once the program's CPUs are known */
void pcp_hooks(struct host_hooks *h);
void pcp_request_begin(struct exec *e); /* a page allocation consults */
/* A traced block handed out: from a CPU's list or the buddy, as the rule
 * says. True when it came from a list (the models are updated). */
enum pcp_verdict {
	PCP_NOT_PARKING, /* the order does not park: judged as ever */
	PCP_FROM_LIST,   /* the block came off a list: the models have it */
	PCP_FROM_BUDDY,  /* it should have come off a list: judged, not taken */
};
enum pcp_verdict pcp_judge_alloc(struct exec *e, unsigned long pfn, unsigned int order,
				 unsigned int pgc);
static inline bool pfn_parked(const struct exec *e, unsigned long pfn)
{
	unsigned int c, z, l;

	return pm_where(e->pm, pfn, &c, &z, &l);
}
/* A traced block freed: true when the rule parks it (the models are
 * updated and its pcp_add is expected). */
bool pcp_takes_free(struct exec *e, unsigned long pfn, unsigned int order);
/* A traced failure: a caller that may sleep must have drained first. */
void pcp_judge_fail(struct exec *e, unsigned int order, gfp_t gfp);
void pcp_request_end(struct exec *e);
/* Lend the parked blocks to the buddy model (what a drain would leave) or
 * take them back: for predictions only. */
void pcp_lend(struct exec *e, bool lend);
void oracle_pcp(struct exec *e); /* after every op with CPUs */
void op_drain_all_pages(struct exec *e);
const char *bm_status_check(enum bm_status s);

/* memblock_check.c: the kernel's boot memory against the arena's memory map. */
void oracle_memblock(struct exec *e);
void oracle_leaks(struct exec *e);
void oracle_page_state(struct exec *e);

/* tags.c: content stamps written on allocation and verified later. Small
 * objects are filled whole; large ones carry a word at each page edge. */
void tag_stamp(void *p, size_t len, uint64_t seed);
/* Offset of the first byte that differs from the stamp, or -1. Only the
 * first limit bytes are compared (krealloc's kept prefix). */
long tag_verify(const void *p, size_t len, uint64_t seed, size_t limit);
long first_nonzero(const void *p, size_t len);
/* The same stamps for a page block (len a multiple of PAGE_SIZE), faster. */
void tag_stamp_block(void *p, size_t len, uint64_t seed);
long tag_verify_block(const void *p, size_t len, uint64_t seed);
uint64_t tag_seed(struct exec *e, unsigned int slot);

/* slabs.c: the slab model */
struct slab_model;
struct slab_model *slab_model_create(unsigned long nr_pfns);
void slab_model_destroy(struct slab_model *s);
void slab_model_reset(struct slab_model *s, unsigned long nr_pfns);
void slab_model_hooks(struct host_hooks *h);
long slab_model_free_objects(struct exec *e, const struct kmem_cache *c);
long slab_model_free_named(struct exec *e, const char *name);
const struct kmem_cache *slab_model_owner(struct exec *e, const void *p);
/* The caches the model knows (with their free objects), up to max. */
int slab_model_caches(struct exec *e, const struct kmem_cache **out, long *free, int max);
/* The head pfn offset of the slab holding p, with its live objects and
 * capacity; -1 when p is in no slab. */
long slab_model_slab(struct exec *e, const void *p, unsigned int *live, unsigned int *num);
void oracle_slabs(struct exec *e);

/* ops_cpu.c: CPUs, interleavings, the per-CPU and lock oracles */
void cpus_boot(struct exec *e, const struct program *p);
void op_cpu(struct exec *e, const struct op *op);
/* Runs ops[i + 1] with ops[i + 2] interleaved as ops[i] (a preempt) says;
 * step runs one op with its oracles. Returns the ops it consumed after i. */
size_t race_run(struct exec *e, const struct program *p, size_t i,
		void (*step)(struct exec *e, const struct program *p, size_t i));
/* The op being judged had another CPU's op run inside it: its results
 * were decided before or after that op's, so the rules that compare them
 * with the state at the end are relaxed (docs/cpus.md). */
static inline bool race_interleaved(const struct exec *e)
{
	return e->race.ran && !e->race.in_nested;
}
void cpus_hooks(struct host_hooks *h);
/* After a shrink: every array of c empty (percpu.drain). */
void percpu_check_drained(struct exec *e, const struct kmem_cache *c);
void oracle_cpus(struct exec *e);
/* Objects parked in the local arrays of every CPU (the shared pool not
 * included): free in the model, but no other CPU can take them. */
long percpu_parked_local(const struct kmem_cache *c);
/* Parked objects per slab, counted at the last oracle_cpus / percpu_tally. */
void percpu_tally(struct exec *e);
unsigned int percpu_parked_in(const struct exec *e, unsigned long head_off);

/* crash.c: prints the context of a kernel panic before the arch aborts */
void crash_on_panic(void *ctx, const char *check, const char *func, const char *msg);

/* hooks.c */
void hooks_attach(struct exec *e);
void hooks_detach(void);
/* Fault injection for allocators that do not consult should_fail_alloc. */
bool inject_now(struct exec *e);

#endif
