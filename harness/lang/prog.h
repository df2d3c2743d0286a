/* The op language: a program is a bounded list of ops over a small world of
 * handles (page blocks, objects, caches). Binary form: every byte string is
 * a valid program. Text form (*.mmr): one op a line, for people. */
#ifndef MMRIG_PROG_H
#define MMRIG_PROG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROG_MAX_OPS 4096
#define NR_PAGE_SLOTS 64
#define NR_OBJ_SLOTS 64
#define NR_CACHE_SLOTS 8
#define NR_MM_SLOTS 8         /* address spaces, text m<N> */
#define NR_REGION_SLOTS 32    /* mmap'ed ranges, text r<N> */
#define PROG_MAX_ORDER_ARG 11 /* orders 0..11; 11 is above MAX_ORDER and must fail */
/* alloc_pages' migrate type (the kernel's enum migratetype, 0: unmovable).
 * Binary from format version 5: the order byte's upper nibble % 3, the
 * order its lower nibble % 12; before, the order is the byte % 12. */
#define OPMT_UNMOVABLE 0
#define OPMT_MOVABLE 1
#define OPMT_RECLAIMABLE 2
#define NR_OPMT 3
#define OP_ORDER_MT_SHIFT 4
#define OP_ORDER_MASK 0x0fu
/* Size encoding, 3 bytes b0 b1 b2:
 *   b0 < 0x80: size_table[b0 % 32] + (int8_t)b1, clamped to 0..PROG_MAX_SIZE
 *              (canonical: b0 < 32, b2 == 0) - lands on class boundaries;
 *   b0 >= 0x80: ((b0 & 0x7f) << 16 | b1 << 8 | b2), i.e. 0..8 MiB-1 exactly.
 * A text size must be expressible one of these ways. */
#define SIZE_TABLE_LEN 32
extern const uint32_t size_table[SIZE_TABLE_LEN];
#define PROG_MAX_SIZE ((16u << 20) + 127)
#define PROG_MAX_FAIL_NTH 64
#define PROG_MAX_CPUS 8 /* cpu 0..7 (docs/cpus.md) */

enum op_kind {
	OP_ALLOC_PAGES,     /* dst=page slot, order, gfp */
	OP_FREE_PAGES,      /* dst=page slot */
	OP_GET_PAGE,        /* dst=page slot */
	OP_PUT_PAGE,        /* dst=page slot */
	OP_KMALLOC,         /* dst=obj slot, size, gfp (format 6 on) */
	OP_KZALLOC,         /* dst=obj slot, size, gfp (format 6 on) */
	OP_KCALLOC,         /* dst=obj slot, n, size, gfp (format 6 on) */
	OP_KREALLOC,        /* dst=obj slot, src=obj slot, size, gfp (format 6 on) */
	OP_KFREE,           /* dst=obj slot */
	OP_CACHE_CREATE,    /* dst=cache slot, size, align, flags */
	OP_CACHE_ALLOC,     /* dst=obj slot, src=cache slot, gfp */
	OP_CACHE_FREE,      /* dst=obj slot */
	OP_CACHE_SHRINK,    /* dst=cache slot */
	OP_CACHE_DESTROY,   /* dst=cache slot */
	OP_FAIL_NTH,        /* n: the n-th allocation from now fails (1..64) */
	OP_CHECK,           /* full consistency walk */
	OP_MM_NEW,          /* dst=mm slot */
	OP_MM_FORK,         /* dst=child mm slot, src=parent mm slot */
	OP_MM_EXIT,         /* dst=mm slot */
	OP_MMAP,            /* dst=region slot, src=mm slot, size=len, prot, mflags, pgoff (fixed),
			   * raw */
	OP_MUNMAP,          /* dst=mm slot, src=region slot, size=len (0: to the end), pgoff=offset,
			   * raw */
	OP_MPROTECT,        /* dst=mm slot, src=region slot, size=len (0: to the end), prot, pgoff,
			   * raw */
	OP_BRK,             /* dst=mm slot, size=heap size (brk = heap base + size), raw */
	OP_TOUCH,           /* dst=mm slot, src=region slot, size=byte offset, gfp=OPT_*, n=value */
	OP_KVMMAKE,         /* size=RAM size, pgoff=kernel text pages - 1, raw=OPK_* edge */
	OP_KCALLOC_WRAP,    /* dst=obj slot, n, size: count SIZE_MAX / size + 1 + n, so
			   * count * size wraps (to n * size) and the call must fail */
	OP_ALIGNED_ALLOC,   /* dst=obj slot, size, align (0: 1); byte allocators */
	OP_VMALLOC,         /* dst=obj slot (an area, not an object), size, gfp (zero: vzalloc) */
	OP_VFREE,           /* dst=obj slot: the area vmalloc made */
	OP_VMAP,            /* dst=obj slot (an area), src=page slot: every page of the block */
	OP_VUNMAP,          /* dst=obj slot: the area vmap made */
	OP_CPU,             /* cpu: the CPU the ops after it run on */
	OP_PREEMPT,         /* n=K, cpu: the next op is interrupted at its K-th preemption
			   * point by the op after it, run on cpu */
	OP_CACHE_REAP,      /* the periodic slab reaper, on the current CPU */
	OP_DRAIN_ALL_PAGES, /* every CPU's per-CPU page lists back to the buddy */
	NR_OPS
};

/* kcalloc_wrap's arguments: a count whose product with *each wraps to
 * n * each (each is the size, at least 2 so that the count fits). */
static inline size_t op_wrap_count(uint32_t size, uint8_t n, size_t *each)
{
	*each = size < 2 ? 2 : size;
	return (size_t)-1 / *each + 1 + n;
}

/* gfp argument bits. Binary: the whole gfp byte from format version 3
 * on (op_gfp_canon keeps what the op can use), byte % 2 (zero) before;
 * the kmalloc family has the byte from version 6 on (GFP_KERNEL before). */
#define OPG_ZERO 0x01u
#define OPG_NOWAIT 0x02u  /* cannot sleep: no __GFP_DIRECT_RECLAIM */
#define OPG_HIGH 0x04u    /* __GFP_HIGH; "atomic" is nowait + high (GFP_ATOMIC) */
#define OPG_DMA32 0x08u   /* __GFP_DMA32 */
#define OPG_NORETRY 0x10u /* __GFP_NORETRY */
#define OPG_NOFAIL 0x20u  /* __GFP_NOFAIL */
#define OPG_NOWARN 0x40u  /* __GFP_NOWARN */
#define OPG_COMP 0x80u    /* __GFP_COMP */
#define OPG_ATOMIC (OPG_NOWAIT | OPG_HIGH)

/* The gfp bits an op of this kind takes: alloc_pages all of them; a slab
 * allocation neither a zone (Linux warns and strips __GFP_DMA32 there) nor
 * a compound block (a large kmalloc is always one); kmem_cache_alloc no
 * __GFP_NOFAIL either (its meaning was fixed before the harness could judge
 * slab growth), the kmalloc family may; kzalloc and kcalloc always zero,
 * so they take no zero word; vmalloc only zero (it takes no gfp). A
 * __GFP_NOFAIL caller must be able to wait and must not give up early. */
static inline uint8_t op_gfp_canon(unsigned int kind, uint8_t b)
{
	switch (kind) {
	case OP_ALLOC_PAGES:
		break;
	case OP_VMALLOC:
		return b & OPG_ZERO;
	case OP_KZALLOC:
	case OP_KCALLOC:
		b &= (uint8_t)~OPG_ZERO;
		/* fall through */
	case OP_KMALLOC:
	case OP_KREALLOC:
		b &= (uint8_t) ~(OPG_DMA32 | OPG_COMP);
		break;
	default:
		b &= (uint8_t) ~(OPG_DMA32 | OPG_COMP | OPG_NOFAIL);
		break;
	}
	if (b & OPG_NOFAIL)
		b &= (uint8_t) ~(OPG_NOWAIT | OPG_NORETRY);
	return b;
}

/* touch argument bits (binary: the gfp byte): a write (else a read) of n;
 * by the kernel through copyout/copyin (else a user access via the MMU);
 * an instruction fetch by the user (exec: neither write nor kernel);
 * bits 3.. index op_touch_lens (modulo NR_TOUCH_LENS), how many bytes. */
#define OPT_WRITE 0x1u
#define OPT_KERNEL 0x2u
#define OPT_EXEC 0x4u
#define OPT_LEN_SHIFT 3
/* Lengths around powers of two up to 4 pages and 1: with any offset they
 * cross 4 KiB and 2 MiB boundaries, and stay cheap for the byte model. */
#define NR_TOUCH_LENS 32
extern const uint32_t op_touch_lens[NR_TOUCH_LENS];
uint32_t op_touch_lens_max(void);
static inline uint32_t op_touch_len(uint8_t gfp)
{
	return op_touch_lens[(gfp >> OPT_LEN_SHIFT) % NR_TOUCH_LENS];
}

/* cache flags argument bits (binary: flags byte % 8) */
#define OPC_HWALIGN 0x1u
#define OPC_CTOR 0x2u
#define OPC_EDGE_ALIGN 0x4u /* align indexes op_edge_aligns: values to refuse */

/* prot argument bits (binary: byte % 16) */
#define OPP_READ 0x1u
#define OPP_WRITE 0x2u
#define OPP_EXEC 0x4u
#define OPP_UNKNOWN 0x8u /* no such prot: mmap and mprotect must refuse it */

/* mmap flags argument bits (binary: byte % 16) */
#define OPM_SHARED 0x1u
#define OPM_FIXED 0x2u /* at MMAP_MIN_ADDR + pgoff pages; pgoff is 0 otherwise */
#define OPM_HINT 0x4u  /* not fixed: MMAP_MIN_ADDR + pgoff pages is a hint */
/* Canonical mflags: a fixed mapping has no hint, and only a fixed or
 * hinted one an address (pgoff). */
#define OPM_ADDR (OPM_FIXED | OPM_HINT)
/* with an address: it counts from the heap base (MM_BRK_BASE) instead,
 * where mappings meet the break */
#define OPM_HEAP 0x8u

/* align argument: index into op_align_values (binary: byte % NR_ALIGNS),
 * or with OPC_EDGE_ALIGN into op_edge_aligns: the alignments a cache's
 * argument check must refuse or take at its limit. */
#define NR_ALIGNS 8
extern const uint32_t op_align_values[NR_ALIGNS]; /* 0 8 16 32 64 128 256 4096 */
extern const uint32_t op_edge_aligns[NR_ALIGNS];  /* 1 24 4097 1M 4M 8M 2G 4G-1 */

/* The raw argument of munmap, mprotect, mmap and brk (binary: one byte,
 * OPR_MARK | bits; any byte below OPR_MARK is 0, the plain form, so a
 * fuzzer's ops stay mostly well-formed): where the address counts from,
 * one byte past it, and how LEN is read. Arguments the language could not
 * say otherwise - out of range, unaligned, overflowing - so the kernel's
 * argument checks are reached and judged. */
#define OPR_MARK 0xc0u
#define OPR_ANCHOR 0x7u    /* OPA_* */
#define OPR_UNALIGNED 0x8u /* the address plus one byte */
#define OPR_LEN_SHIFT 4    /* OPL_*, two bits */
#define OPR_BITS 0x3fu
enum op_anchor {
	OPA_DEFAULT, /* the op's own: the region (+ off pages), mmap's base, the heap base */
	OPA_NULL,    /* 0 */
	OPA_USER,    /* USER_BASE: the first user page */
	OPA_HEAP,    /* MM_BRK_BASE */
	OPA_MMAP,    /* MMAP_MIN_ADDR */
	OPA_TOP,     /* TASK_SIZE */
	OPA_MAX,     /* 2^64: off=-N is N pages below the wrap */
	OPA_4G,      /* 2^32: where a 32-bit truncation shows */
	NR_ANCHORS
};
enum op_len_mode {
	OPL_BYTES,    /* LEN bytes (0: to the region's end, for a region) */
	OPL_MIB,      /* LEN MiB: lengths up to 16 TiB */
	OPL_PAST_TOP, /* TASK_SIZE - address + LEN: 0 ends exactly at the top */
	OPL_NEG,      /* 2^64 - LEN: overflowing lengths; 0 is a length of 0 */
};
static inline uint8_t op_raw_anchor(uint8_t raw)
{
	return raw & OPR_ANCHOR;
}
static inline uint8_t op_raw_len_mode(uint8_t raw)
{
	return (raw >> OPR_LEN_SHIFT) & 3u;
}
/* The raw field from its byte (decode): bits, 0 below the mark. */
static inline uint8_t op_raw_from_byte(uint8_t b)
{
	return b >= OPR_MARK ? (uint8_t)(b & OPR_BITS) : 0;
}

/* kvmmake's edge region (binary: byte % 16, values past the last one 0):
 * one more region, mapped first, that the build must refuse (-EINVAL, and
 * before allocating more than the root) or map at a limit. */
enum op_kvm_edge {
	OPK_NONE,
	OPK_EMPTY,          /* size 0 */
	OPK_UNALIGNED_PA,   /* pa one byte past a page */
	OPK_UNALIGNED_SIZE, /* a page, a superpage, then one byte */
	OPK_WRAP,           /* pa + size wraps past 2^64 */
	OPK_TOP,            /* ends exactly at MAXVA: valid */
	OPK_PAST_TOP,       /* starts at MAXVA */
	OPK_STRADDLE,       /* a superpage each side of MAXVA */
	OPK_GAP,            /* no extra region: RAM starts 2 MiB past the text */
	NR_KVM_EDGES
};

/* The canonical value of an mflags or a touch gfp byte, for decode and
 * canon alike. */
static inline uint8_t op_mflags_canon(uint8_t b)
{
	b %= 16;
	if (b & OPM_FIXED)
		b &= (uint8_t)~OPM_HINT;
	if (!(b & OPM_ADDR))
		b &= (uint8_t)~OPM_HEAP;
	return b;
}

static inline uint8_t op_touch_gfp_canon(uint8_t b)
{
	uint8_t mode = b & (OPT_WRITE | OPT_KERNEL | OPT_EXEC);

	if (mode & OPT_EXEC)
		mode = OPT_EXEC; /* a fetch is the user's, and reads */
	return (uint8_t)(mode | (((b >> OPT_LEN_SHIFT) % NR_TOUCH_LENS) << OPT_LEN_SHIFT));
}

struct op {
	uint8_t kind;
	uint8_t dst; /* slot written or acted on */
	uint8_t src; /* krealloc source object, cache_alloc cache */
	uint8_t order;
	uint8_t gfp;
	uint8_t n;      /* kcalloc count (0..255), fail_nth (1..64) */
	uint8_t align;  /* index into op_align_values */
	uint8_t flags;  /* OPC_* */
	uint8_t prot;   /* OPP_* */
	uint8_t mflags; /* OPM_* */
	uint16_t pgoff; /* pages: mmap's fixed address, munmap/mprotect offset;
			 * signed (int16_t) from an anchor other than OPA_DEFAULT */
	uint8_t raw;    /* OPR_* bits (mm ops), OPK_* (kvmmake) */
	uint8_t cpu;    /* cpu, preempt: 0..PROG_MAX_CPUS - 1 */
	uint8_t mt;     /* alloc_pages: migrate type, OPMT_* */
	uint32_t size;  /* bytes, 0..PROG_MAX_SIZE */
};

/* A cache's align= value, from whichever list its flags select. */
static inline uint32_t op_align(const struct op *op)
{
	return (op->flags & OPC_EDGE_ALIGN ? op_edge_aligns
					   : op_align_values)[op->align % NR_ALIGNS];
}

/* The machine a program runs on: an arena of `pages` pages (its mem_map
 * at the start), usable memory starting at a pfn aligned to exactly
 * 1 << align_order pages (MAX_ORDER: at least), and up to GEOM_MAX_HOLES
 * reserved holes (pfn offsets from the arena's start). The top-order merge
 * and the boot free path only run where several MAX_ORDER blocks, other
 * start alignments or other holes exist, so the geometry is part of the
 * program: fuzzed, replayed and minimized with it. The first dma32 pages
 * form ZONE_DMA32 and the rest ZONE_NORMAL (0: all DMA32, as on a machine
 * with less than 4 GiB). pages == 0 is the
 * default, today's 16 MiB arena (GEOM_DEFAULT_*): a program without a
 * header means what it always meant. */
#define GEOM_MIN_PAGES 512      /* 2 MiB: not even one MAX_ORDER block */
#define GEOM_MAX_PAGES 16384    /* 64 MiB: sixteen of them */
#define GEOM_MAX_ALIGN_ORDER 10 /* the kernel's MAX_ORDER (exec checks) */
#define GEOM_MAX_HOLES 3
#define GEOM_MAX_HOLE_PAGES 256
#define GEOM_DEFAULT_PAGES 4096
#define GEOM_DEFAULT_HOLE_START 2061 /* pages / 2 + 13, 7 pages */
#define GEOM_DEFAULT_HOLE_PAGES 7
/* Binary: a program whose first byte is GEOM_MARK starts with a header
 * (docs/op-language.md); canonical ops never start with it, so canonical
 * binaries without a header keep their meaning. */
#define GEOM_MARK 0xffu
#define GEOM_MAX_BYTES (7 + 3 * GEOM_MAX_HOLES) /* v3: dma32 (2) after the holes */

struct prog_hole {
	uint16_t start, len; /* pfn offset, pages (1..GEOM_MAX_HOLE_PAGES) */
};
struct prog_geometry {
	uint16_t pages;      /* GEOM_MIN_PAGES..GEOM_MAX_PAGES; 0: default */
	uint8_t align_order; /* 0..GEOM_MAX_ALIGN_ORDER, 2 << it <= pages */
	uint8_t nr_holes;
	struct prog_hole holes[GEOM_MAX_HOLES]; /* ascending, apart, inside */
	uint16_t dma32;                         /* 1..pages-1; 0: all of it */
};

struct program {
	size_t n;
	struct prog_geometry geom;
	struct op ops[PROG_MAX_OPS];
};

/* geometry.c. canon: in range, holes sorted, clipped to the arena, a hole
 * overlapping or touching an earlier one dropped, and the default spelled
 * as pages == 0: what decode gives for encode's bytes. resolve: the
 * default spelled out (for the executor). */
void geom_canon(const struct prog_geometry *in, struct prog_geometry *out);
void geom_resolve(const struct prog_geometry *in, struct prog_geometry *out);
static inline int geom_is_default(const struct prog_geometry *g)
{
	return g->pages == 0;
}
/* "pages=N [align=A] [hole=START+LEN]...", the header line without its
 * keyword; returns the length as snprintf does. */
int geom_format(const struct prog_geometry *g, char *buf, size_t cap);
struct parse_error;
/* The same words (optionally after "geometry"), for a tool's --geometry
 * option: 0, or -1 with err (line 1, the column in text). */
int geom_parse(const char *text, struct prog_geometry *g, struct parse_error *err);

const char *op_name(unsigned int kind);

/* The ops one allocator can run. A fuzz input's opcode byte picks among
 * them (byte % n), so an allocator is never fed ops that do nothing; for
 * the kernel, whose set is every op but OP_ALIGNED_ALLOC, the opcode is
 * the kind itself up to there, and one less after it. */
struct op_set {
	unsigned int n;
	uint8_t kinds[NR_OPS];
	uint8_t index[NR_OPS]; /* kind -> opcode; 0xff: not in the set */
};
void op_set_init(struct op_set *s);                   /* empty */
void op_set_add(struct op_set *s, unsigned int kind); /* in kind order */
static inline int op_set_has(const struct op_set *s, unsigned int kind)
{
	return kind < NR_OPS && s->index[kind] != 0xff;
}

/* Binary form: the format byte, then the program. The format byte is
 * PROG_FORMAT_MARK | version; a version fixes how many op kinds the
 * opcode byte picks among, so appending an op (a new version) leaves the
 * meaning of every stored input alone (version.c, docs/op-language.md).
 * Version 0 (PROG_FORMAT_LEGACY) is the form of before, without the
 * byte: never guessed, read only when a caller asks for it. */
#define PROG_FORMAT_MARK 0xb0u
#define PROG_FORMAT_MARK_MASK 0xf0u
#define PROG_FORMAT_LEGACY 0
#define PROG_FORMAT_VERSION 7
/* The first version with the zone geometry and the full gfp byte. */
#define PROG_FORMAT_ZONES 3
/* The first version with alloc_pages' migrate type in the order byte. */
#define PROG_FORMAT_MIGRATE 5
/* The first version with a gfp byte on kmalloc, kzalloc, kcalloc, krealloc. */
#define PROG_FORMAT_KMALLOC_GFP 6
#define PROG_FORMAT_BYTE (PROG_FORMAT_MARK | PROG_FORMAT_VERSION)
/* The version an input says it is in: 0..15 from its format byte, known
 * to this build or not; -1 when the first byte is no format byte. An
 * empty input is the empty program, of the current version. */
int prog_format_of(const uint8_t *data, size_t len);
int prog_format_known(int version); /* this build reads it */
/* Why an input decode refused is not a program this build reads (the
 * version found, the one expected, what converts it): one line. */
void prog_format_explain(const uint8_t *data, size_t len, char *buf, size_t cap);

/* decode: 0, or -1 when the format byte is missing or names a version this
 * build does not read (p is then empty); past it every byte string is a
 * program. encode writes the current version's canonical bytes and
 * returns their count (at most PROG_MAX_BYTES). */
#define PROG_MAX_OP_BYTES 11 /* mmap: opcode dst src size(3) prot mflags pgoff(2) raw */
#define PROG_MAX_BYTES (1 + GEOM_MAX_BYTES + PROG_MAX_OPS * PROG_MAX_OP_BYTES)
int prog_decode(const uint8_t *data, size_t len, struct program *p);
size_t prog_encode(const struct program *p, uint8_t *out, size_t cap);
/* The same for an allocator's op set (NULL: every op). encode_set
 * stops before the first op outside the set: check with op_set_has. */
int prog_decode_set(const uint8_t *data, size_t len, const struct op_set *set, struct program *p);
size_t prog_encode_set(const struct program *p, const struct op_set *set, uint8_t *out, size_t cap);
/* The bytes after the format byte as a version reads them (for
 * PROG_FORMAT_LEGACY the whole input): never fails. */
void prog_decode_body(const uint8_t *data, size_t len, int version, const struct op_set *set,
		      struct program *p);
/* One op's bytes, without a format byte (dictionary entries): at most
 * PROG_MAX_OP_BYTES, returns the count. */
size_t prog_encode_op(const struct op *op, const struct op_set *set, uint8_t *out);
/* An input of a version this build reads (PROG_FORMAT_LEGACY: a
 * version-less one) as the same program in the current version, malloc'ed
 * (NULL: out of memory). Where both versions read the bytes alike, they
 * are kept as they are. */
uint8_t *prog_upgrade(const uint8_t *data, size_t len, int version, const struct op_set *set,
		      size_t *out_len);

/* Text form. op_format writes one canonical line (no newline) and returns
 * its length; names are p<slot>, o<slot>, c<slot>. */
int op_format(const struct op *op, char *buf, size_t cap);
void prog_print(const struct program *p, FILE *out);

struct parse_error {
	int line, col; /* 1-based */
	char msg[384];
};
/* Returns 0, or -1 with err filled in. text need not be NUL-terminated. */
int prog_parse(const char *text, size_t len, struct program *p, struct parse_error *err);

/* Reads a file in either form. AUTO: text exactly when the name ends in
 * .mmr, binary otherwise. Returns 0; -1 unreadable (errno set); -2 parse
 * error or a binary this build does not read (err filled: line 0 for a
 * binary). */
enum prog_form { PROG_FORM_AUTO, PROG_FORM_BINARY, PROG_FORM_TEXT };
int prog_load(const char *path, enum prog_form form, struct program *p, struct parse_error *err);
/* The same, a binary file decoded into an allocator's op set (NULL: all). */
int prog_load_set(const char *path, enum prog_form form, const struct op_set *set,
		  struct program *p, struct parse_error *err);
/* "PATH:LINE:COL: error: MSG", or "PATH: error: MSG" for line 0. */
void prog_error_print(FILE *f, const char *path, const struct parse_error *err);
/* The whole file, malloc'ed (at most 64 MiB): 0, or -1 with errno set. */
int prog_read_file(const char *path, char **data, size_t *len);

#endif
