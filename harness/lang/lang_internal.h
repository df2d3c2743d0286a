/* Private to harness/lang: the op table that drives decode, encode, the
 * printer and the parser, plus the size codec and the text-parser pieces.
 * Everything outside harness/lang uses prog.h only. */
#ifndef MMRIG_LANG_INTERNAL_H
#define MMRIG_LANG_INTERNAL_H

#include "prog.h"

/* What a handle name refers to. */
enum slot_kind { SLOT_NONE, SLOT_PAGE, SLOT_OBJ, SLOT_CACHE, SLOT_MM, SLOT_REGION, NR_SLOT_KINDS };

/* One argument of an op. A kind lists its fields in binary byte order; the
 * text form uses the same order, with F_DST as the result name when the op
 * has one, and F_GFP / F_ALIGN / F_FLAGS / F_PROT / F_MFLAGS / F_PGOFF /
 * F_WRITEVAL as trailing keyword options (prot= is required). */
enum field {
	F_END,
	F_DST,      /* slot of desc.dst_kind */
	F_SRC,      /* slot of desc.src_kind */
	F_ORDER,    /* 0..PROG_MAX_ORDER_ARG */
	F_GFP,      /* OPG_* */
	F_COUNT,    /* op.n, kcalloc count 0..255 */
	F_NTH,      /* op.n, fail_nth 1..PROG_MAX_FAIL_NTH */
	F_SIZE,     /* 3 bytes */
	F_ALIGN,    /* index into op_align_values */
	F_FLAGS,    /* OPC_* */
	F_PROT,     /* OPP_*, byte % 8; text prot=none|r|w|rw|x|rx|wx|rwx */
	F_MFLAGS,   /* OPM_*, byte % 4; text shared, at=N (OPM_FIXED + pgoff) */
	F_PGOFF,    /* 2 bytes LE, pages; 0 unless OPM_FIXED when F_MFLAGS is there;
		  * text off=N unless F_MFLAGS carries it */
	F_WRITEVAL, /* gfp byte % 4 (OPT_*), then n (0 unless a write); write=V kernel */
	F_RAW,      /* op.raw, OPR_* bits (byte: OPR_MARK | bits, else 0); from=A unaligned
		  * mib past-top neg */
	F_KVMEDGE,  /* op.raw, OPK_* (byte % 16, past the last 0); edge=E */
	F_CPU,      /* op.cpu, byte % PROG_MAX_CPUS */
};

#define OP_MAX_FIELDS 7

struct op_desc {
	const char *name;
	uint8_t result;                    /* dst is a new handle: text "NAME = op ..." */
	uint8_t dst_kind;                  /* SLOT_* of F_DST */
	uint8_t src_kind;                  /* SLOT_* of F_SRC */
	uint8_t fields[OP_MAX_FIELDS + 1]; /* F_END terminated */
};

extern const struct op_desc op_descs[NR_OPS];

/* ops.c */
unsigned int slot_count(int slot_kind);
char slot_prefix(int slot_kind); /* 'p', 'o', 'c', 'm', 'r' */
int op_has_field(const struct op_desc *d, int field);
int prot_format(unsigned int prot, char *buf, size_t cap); /* "rw", "none" */
int op_lookup(const char *s, size_t len);                  /* kind, or -1 */
/* Whether a version's bytes hold the field of this op kind: the kmalloc
 * family's gfp is read from version 6 on (before, no byte: GFP_KERNEL). */
int op_field_in_version(unsigned int kind, int field, int version);

/* version.c: how many opcodes a version's op byte picks among, for an
 * op set (NULL or empty: every kind that version had). */
unsigned int version_opcodes(int version, const struct op_set *set);

/* size.c: the 3-byte size field. */
uint32_t size_decode(uint8_t b0, uint8_t b1, uint8_t b2);
int size_encode(uint32_t size, uint8_t b[3]);      /* 0, or -1 if unencodable */
int size_nearest_entry(uint32_t size, int *delta); /* table index or -1 */
uint32_t size_canon(uint32_t size);                /* nearest encodable size */
int size_format(uint32_t size, char *buf, size_t cap);

/* canon.c: every field in range, unused fields 0 - what encode writes. */
void op_canon(const struct op *in, struct op *out);
/* The rules between the raw field and the others (decode and canon). */
void op_raw_fixup(const struct op_desc *d, struct op *op);
uint8_t op_kvm_edge_canon(uint8_t v);

/* ops.c: the words of the raw field and kvmmake's edge, index = value. */
extern const char *const op_anchor_names[NR_ANCHORS];
extern const char *const op_len_mode_names[4]; /* [OPL_BYTES] = "" */
extern const char *const op_kvm_edge_names[NR_KVM_EDGES];
int op_word_index(const char *const *words, int n, const char *s, size_t len);

/* numbers.c: whole-token number syntax. */
enum num_status { NUM_OK, NUM_BAD, NUM_RANGE };
enum num_status num_parse(const char *s, size_t len, uint32_t *v);
enum num_status size_parse(const char *s, size_t len, uint32_t *v);

/* lex.c: one text line split into tokens. */
#define LINE_MAX_TOKS 20 /* a geometry header with every option has 16 */
struct tok {
	const char *s;
	int len, col; /* col is 1-based, in bytes */
};
struct line {
	const char *s; /* the line, without its newline or CR */
	size_t len;
	int lineno;
	struct tok tok[LINE_MAX_TOKS];
	int ntok;    /* stored tokens; later ones are dropped (see lex.c) */
	int end_col; /* column just past the last token */
};
int line_next(const char *text, size_t len, size_t *pos, struct line *ln);
int line_lex(struct line *ln); /* 0, or the column of a bad character */
int tok_is(const struct tok *t, const char *word);

/* geometry.c: the program's header, text and binary. */
int geom_is_header(const struct line *ln);
int geom_parse_line(const struct line *ln, struct prog_geometry *g, struct parse_error *err);
/* data[0] is GEOM_MARK: decodes the header, returns the bytes it took. */
size_t geom_decode(const uint8_t *data, size_t len, int version, struct prog_geometry *g);
/* Writes the canonical header (at most GEOM_MAX_BYTES); 0 for the default. */
size_t geom_encode(const struct prog_geometry *g, uint8_t *out);

/* names.c: handle names to slots. */
/* NAME_NOT_SLOT: p/o/c/m/r and digits that name no slot (p64, o07): most likely
 * a typo in a reproducer, so refused rather than taken as a user name. */
enum name_status { NAME_OK, NAME_UNKNOWN, NAME_WRONG_KIND, NAME_FULL, NAME_BAD, NAME_NOT_SLOT };
struct user_name {
	const char *s;
	size_t len;
	uint8_t kind, slot;
};
struct names {
	uint64_t used[NR_SLOT_KINDS]; /* slots taken by canonical or user names */
	struct user_name
		u[NR_PAGE_SLOTS + NR_OBJ_SLOTS + NR_CACHE_SLOTS + NR_MM_SLOTS + NR_REGION_SLOTS];
	size_t n;
};
void names_init(struct names *nm);
void names_reserve(struct names *nm, const char *s, size_t len);
enum name_status names_lookup(const struct names *nm, const char *s, size_t len, int want,
			      unsigned int *slot, int *got);
enum name_status names_plan(const struct names *nm, const char *s, size_t len, int want,
			    unsigned int *slot, int *got);
void names_commit(struct names *nm, const char *s, size_t len, int kind, unsigned int slot);

#endif
