/* Text form -> program. One statement a line: [NAME =] OPNAME ARGS...,
 * positional arguments in the op table's field order, then keyword
 * options. The first error stops the parse with its line, column and a
 * message a person can act on; seeds and reproducers are hand-edited. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lang_internal.h"

#define SHOW_MAX 40 /* characters of a token quoted in a message */
#define TOK(t) ((t)->len > SHOW_MAX ? SHOW_MAX : (t)->len), (t)->s

static const char *const a_kind[NR_SLOT_KINDS] = { "nothing", "a page block",     "an object",
						   "a cache", "an address space", "a region" };
static const char *const kind_word[NR_SLOT_KINDS] = { "",      "page block",    "object",
						      "cache", "address space", "region" };

struct stmt {
	const struct line *ln;
	int i; /* next token */
	struct names *nm;
	struct parse_error *err;
	const struct op_desc *d;
	const struct tok *result; /* NAME of "NAME = op", or NULL */
	struct op op;
	unsigned int seen;           /* options already given: bits from take_option */
	const struct tok *pages_tok; /* the at=, hint= or off= value, for messages */
	int pages_neg;
};

__attribute__((format(printf, 4, 0))) static int vfail(struct parse_error *err, int line, int col,
						       const char *fmt, va_list ap)
{
	err->line = line;
	err->col = col;
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	return -1;
}

__attribute__((format(printf, 4, 5))) static int fail(struct parse_error *err, int line, int col,
						      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(err, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

/* An error at token t, or with t NULL where a missing token should have
 * been: just past the last one. */
__attribute__((format(printf, 3, 4))) static int fail_tok(struct stmt *st, const struct tok *t,
							  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(st->err, st->ln->lineno, t ? t->col : st->ln->end_col, fmt, ap);
	va_end(ap);
	return -1;
}

/* The next token, or NULL at the end of the line. */
static const struct tok *next_tok(struct stmt *st)
{
	return st->i < st->ln->ntok ? &st->ln->tok[st->i++] : NULL;
}

static int has_field(const struct op_desc *d, int field)
{
	return op_has_field(d, field);
}

static int is_option(int field)
{
	return field == F_GFP || field == F_ALIGN || field == F_FLAGS || field == F_PROT ||
	       field == F_MFLAGS || field == F_PGOFF || field == F_WRITEVAL || field == F_RAW ||
	       field == F_KVMEDGE;
}

/* "[NAME =] OPNAME": finds the op and checks that a result name is given
 * exactly when the op creates a handle. */
static int parse_head(struct stmt *st)
{
	const struct line *ln = st->ln;
	const struct tok *t = &ln->tok[0];
	int kind;

	if (tok_is(t, "="))
		return fail_tok(st, t, "missing result name before '='");
	if (ln->ntok >= 2 && tok_is(&ln->tok[1], "=")) {
		st->result = t;
		st->i = 2;
		if (ln->ntok < 3)
			return fail_tok(st, NULL, "missing op after '='");
		t = &ln->tok[2];
	}
	kind = op_lookup(t->s, (size_t)t->len);
	if (kind < 0) {
		/* "o1 kmalloc 8": a result name that lost its '=' */
		if (!st->result && ln->ntok >= 2 &&
		    op_lookup(ln->tok[1].s, (size_t)ln->tok[1].len) >= 0)
			return fail_tok(st, &ln->tok[1], "missing '=' after result name '%.*s'",
					TOK(t));
		return fail_tok(st, t, "unknown op '%.*s'", TOK(t));
	}
	st->i++;
	st->d = &op_descs[kind];
	st->op.kind = (uint8_t)kind;
	if (st->d->result && !st->result)
		return fail_tok(st, t, "missing result name: write 'NAME = %s ...'", st->d->name);
	if (!st->d->result && st->result)
		return fail_tok(st, st->result, "result name on %s, which has no result",
				st->d->name);
	return 0;
}

/* Turns a names_* status into a message at token t. */
static int name_error(struct stmt *st, const struct tok *t, enum name_status ns, int want, int got)
{
	switch (ns) {
	case NAME_OK:
		return 0;
	case NAME_BAD:
		return fail_tok(st, t, "expected %s name, got '%.*s'", a_kind[want], TOK(t));
	case NAME_UNKNOWN:
		return fail_tok(st, t, "unknown name '%.*s'", TOK(t));
	case NAME_WRONG_KIND:
		return fail_tok(st, t, "'%.*s' is %s, expected %s", TOK(t), a_kind[got],
				a_kind[want]);
	case NAME_FULL:
		return fail_tok(st, t, "too many %s names: all %u %s slots are taken",
				kind_word[want], slot_count(want), kind_word[want]);
	case NAME_NOT_SLOT:
		return fail_tok(st, t,
				"'%.*s' is not a slot (p0..p%u, o0..o%u, c0..c%u, "
				"m0..m%u, r0..r%u, no leading zeros)",
				TOK(t), NR_PAGE_SLOTS - 1, NR_OBJ_SLOTS - 1, NR_CACHE_SLOTS - 1,
				NR_MM_SLOTS - 1, NR_REGION_SLOTS - 1);
	}
	return -1;
}

/* Picks the result's slot now, for error order, but binds the name only
 * after the arguments are read (see names_plan). */
static int plan_result(struct stmt *st)
{
	const struct tok *t = st->result;
	unsigned int slot = 0;
	int got = SLOT_NONE;
	enum name_status ns = names_plan(st->nm, t->s, (size_t)t->len, st->d->dst_kind, &slot,
					 &got);

	if (ns != NAME_OK)
		return name_error(st, t, ns, st->d->dst_kind, got);
	st->op.dst = (uint8_t)slot;
	return 0;
}

static int parse_slot(struct stmt *st, const struct tok *t, int want, uint8_t *out)
{
	unsigned int slot = 0;
	int got = SLOT_NONE;
	enum name_status ns = names_lookup(st->nm, t->s, (size_t)t->len, want, &slot, &got);

	if (ns != NAME_OK)
		return name_error(st, t, ns, want, got);
	*out = (uint8_t)slot;
	return 0;
}

static int parse_range(struct stmt *st, const struct tok *t, const char *what, uint32_t lo,
		       uint32_t hi, uint8_t *out)
{
	uint32_t v = 0;
	enum num_status ns = num_parse(t->s, (size_t)t->len, &v);

	if (ns == NUM_BAD)
		return fail_tok(st, t, "expected %s (a number), got '%.*s'", what, TOK(t));
	if (ns == NUM_RANGE || v < lo || v > hi)
		return fail_tok(st, t, "%s out of range: '%.*s' (must be %u..%u)", what, TOK(t),
				(unsigned int)lo, (unsigned int)hi);
	*out = (uint8_t)v;
	return 0;
}

static int parse_size(struct stmt *st, const struct tok *t)
{
	uint32_t v = 0;
	uint8_t b[3];
	enum num_status ns = size_parse(t->s, (size_t)t->len, &v);

	if (ns == NUM_BAD)
		return fail_tok(st, t, "expected a size (96, 0x60, 4K, 4K+1, 2M-8), got '%.*s'",
				TOK(t));
	if (ns == NUM_RANGE || size_encode(v, b) < 0)
		return fail_tok(st, t,
				"size '%.*s' not encodable: must be below 8M or within "
				"-128..+127 of a size-table entry",
				TOK(t));
	st->op.size = v;
	return 0;
}

static const char *field_what(const struct op_desc *d, int f)
{
	switch (f) {
	case F_DST:
		return a_kind[d->dst_kind];
	case F_SRC:
		return a_kind[d->src_kind];
	case F_ORDER:
		return "an order";
	case F_COUNT:
		return "a count";
	case F_NTH:
		return "n";
	case F_CPU:
		return "a CPU";
	case F_SIZE:
		if (d == &op_descs[OP_KVMMAKE])
			return "a RAM size";
		if (has_field(d, F_PGOFF)) /* mmap, munmap, mprotect */
			return "a length";
		if (has_field(d, F_WRITEVAL))
			return "a byte offset";
		if (d->dst_kind == SLOT_MM)
			return "a heap size";
		return "a size";
	}
	return "an argument";
}

static int parse_positional(struct stmt *st, int f)
{
	const struct tok *t;

	t = next_tok(st);
	if (!t)
		return fail_tok(st, NULL, "missing argument: %s needs %s", st->d->name,
				field_what(st->d, f));
	if (tok_is(t, "="))
		return fail_tok(st, t, "unexpected '='");
	switch (f) {
	case F_DST:
		return parse_slot(st, t, st->d->dst_kind, &st->op.dst);
	case F_SRC:
		return parse_slot(st, t, st->d->src_kind, &st->op.src);
	case F_ORDER:
		return parse_range(st, t, "order", 0, PROG_MAX_ORDER_ARG, &st->op.order);
	case F_COUNT:
		return parse_range(st, t, "count", 0, 255, &st->op.n);
	case F_NTH:
		return parse_range(st, t, "n", 1, PROG_MAX_FAIL_NTH, &st->op.n);
	case F_CPU:
		return parse_range(st, t, "cpu", 0, PROG_MAX_CPUS - 1, &st->op.cpu);
	case F_SIZE:
		return parse_size(st, t);
	}
	return -1;
}

/* The "= VALUE" after a keyword (spaces around '=' allowed); *out is the
 * value token. */
static int option_value(struct stmt *st, const char *key, const struct tok **out)
{
	const struct tok *t = next_tok(st);

	if (!t || !tok_is(t, "="))
		return fail_tok(st, t, "missing '=' after %s", key);
	t = next_tok(st);
	if (!t)
		return fail_tok(st, t, "missing argument: %s= needs a value", key);
	*out = t;
	return 0;
}

/* "KEY=N" where N must be one of the n values: its index, or -1 after
 * an error that lists them. */
static int parse_listed(struct stmt *st, const char *key, const char *what, const uint32_t *values,
			int n)
{
	const struct tok *t = NULL;
	uint32_t v = 0;
	enum num_status ns;
	char list[64 * 7] = "";
	size_t at = 0;

	if (option_value(st, key, &t) < 0)
		return -1;
	ns = num_parse(t->s, (size_t)t->len, &v);
	if (ns == NUM_BAD)
		return fail_tok(st, t, "expected %s (a number), got '%.*s'", what, TOK(t));
	for (int i = 0; ns == NUM_OK && i < n; i++)
		if (values[i] == v)
			return i;
	for (int i = 0; i < n && at < sizeof(list); i++)
		at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%u", i ? " " : "",
				       values[i]);
	return fail_tok(st, t, "%s out of range: '%.*s' (must be one of %s)", key, TOK(t), list);
}

static int parse_align(struct stmt *st)
{
	uint32_t values[2 * NR_ALIGNS];
	int n = NR_ALIGNS, idx;

	/* A cache also takes the edge list, the values its check refuses. */
	memcpy(values, op_align_values, sizeof op_align_values);
	if (has_field(st->d, F_FLAGS)) {
		memcpy(values + NR_ALIGNS, op_edge_aligns, sizeof op_edge_aligns);
		n += NR_ALIGNS;
	}
	idx = parse_listed(st, "align", "an alignment", values, n);
	if (idx < 0)
		return -1;
	st->op.align = (uint8_t)(idx % NR_ALIGNS);
	if (idx >= NR_ALIGNS)
		st->op.flags |= OPC_EDGE_ALIGN;
	return 0;
}

static int parse_touch_len(struct stmt *st)
{
	int idx = parse_listed(st, "len", "a length", op_touch_lens, NR_TOUCH_LENS);

	if (idx < 0)
		return -1;
	st->op.gfp = (uint8_t)((st->op.gfp & (OPT_WRITE | OPT_KERNEL | OPT_EXEC)) |
			       idx << OPT_LEN_SHIFT);
	return 0;
}

/* "KEY=N" with N in lo..hi (decimal or 0x hex). */
static int parse_number_option(struct stmt *st, const char *key, uint32_t lo, uint32_t hi,
			       uint32_t *out)
{
	const struct tok *t = NULL;
	uint32_t v = 0;
	enum num_status ns;

	if (option_value(st, key, &t) < 0)
		return -1;
	ns = num_parse(t->s, (size_t)t->len, &v);
	if (ns == NUM_BAD)
		return fail_tok(st, t, "expected %s= a number, got '%.*s'", key, TOK(t));
	if (ns == NUM_RANGE || v < lo || v > hi)
		return fail_tok(st, t, "%s out of range: '%.*s' (must be %u..%u)", key, TOK(t),
				(unsigned int)lo, (unsigned int)hi);
	*out = v;
	return 0;
}

/* "KEY=N" in pages, -32768..65535: negative only from an anchor, which
 * the caller checks once every option is read. */
static int parse_pages_option(struct stmt *st, const char *key)
{
	const struct tok *t = NULL;
	uint32_t v = 0;
	int neg;
	enum num_status ns;

	if (option_value(st, key, &t) < 0)
		return -1;
	neg = t->len > 1 && t->s[0] == '-';
	ns = num_parse(t->s + neg, (size_t)(t->len - neg), &v);
	if (ns == NUM_BAD)
		return fail_tok(st, t, "expected %s= a number of pages, got '%.*s'", key, TOK(t));
	if (ns == NUM_RANGE || v > (neg ? 32768u : 65535u))
		return fail_tok(st, t,
				"%s out of range: '%.*s' (must be 0..65535, or "
				"-32768..32767 with from=)",
				key, TOK(t));
	st->op.pgoff = (uint16_t)(neg ? 0u - v : v);
	st->pages_tok = t;
	st->pages_neg = neg;
	return 0;
}

/* "KEY=WORD" with WORD one of words (empty ones skipped): its index. */
static int parse_word_option(struct stmt *st, const char *key, const char *const *words, int n)
{
	const struct tok *t = NULL;
	char list[160] = "";
	size_t at = 0;
	int idx;

	if (option_value(st, key, &t) < 0)
		return -1;
	idx = op_word_index(words, n, t->s, (size_t)t->len);
	if (idx >= 0)
		return idx;
	for (int i = 0; i < n && at < sizeof(list); i++)
		if (words[i][0])
			at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s", at ? " " : "",
					       words[i]);
	return fail_tok(st, t, "bad %s '%.*s' (must be one of %s)", key, TOK(t), list);
}

/* "prot=X": none, or the letters r, w, x in that order, each at most once. */
static int parse_prot(struct stmt *st)
{
	static const char letters[] = "rwxu";
	const struct tok *t = NULL;
	unsigned int prot = 0;
	int next = 0; /* index in letters of the next allowed letter */

	if (option_value(st, "prot", &t) < 0)
		return -1;
	if (tok_is(t, "none")) {
		st->op.prot = 0;
		return 0;
	}
	for (int i = 0; i < t->len; i++) {
		const char *c = memchr(letters + next, t->s[i], sizeof letters - 1 - (size_t)next);
		if (!c || t->s[i] == '\0')
			return fail_tok(
				st, t,
				"bad prot '%.*s' (must be none, or the letters r, w, x, u in "
				"that order: u is a bit no prot has)",
				TOK(t));
		next = (int)(c - letters) + 1;
		prot |= 1u << (c - letters); /* OPP_READ, OPP_WRITE, OPP_EXEC, OPP_UNKNOWN */
	}
	st->op.prot = (uint8_t)prot;
	return 0;
}

/* The keyword options an op takes, for messages: "zero", "align=N ...". */
static int list_options(const struct op_desc *d, char *buf, size_t cap)
{
	static const struct {
		int field;
		const char *words;
	} opts[] = {
		{ F_GFP, "zero" },
		{ F_ORDER, "movable reclaimable" },
		{ F_ALIGN, "align=N" },
		{ F_FLAGS, "hwalign ctor" },
		{ F_PROT, "prot=X" },
		{ F_MFLAGS, "shared at=N hint=N heap" },
		{ F_WRITEVAL, "write=V kernel exec len=N" },
		{ F_RAW, "from=A unaligned mib past-top neg" },
		{ F_KVMEDGE, "edge=E" },
	};
	size_t len = 0;
	int words = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		if (!has_field(d, opts[i].field))
			continue;
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? " " : "",
					opts[i].words);
		words += strchr(opts[i].words, ' ') ? 2 : 1;
	}
	/* off=N: the offset of munmap and mprotect (mmap's is at=N) */
	if (has_field(d, F_PGOFF) && !has_field(d, F_MFLAGS)) {
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? " " : "", "off=N");
		words++;
	}
	return words;
}

static int extra_argument(struct stmt *st, const struct tok *t)
{
	char opts[128];
	int n = list_options(st->d, opts, sizeof opts);

	if (n > 0)
		return fail_tok(st, t, "extra argument '%.*s' (%s takes the option%s: %s)", TOK(t),
				st->d->name, n > 1 ? "s" : "", opts);
	return fail_tok(st, t, "extra argument '%.*s'", TOK(t));
}

#define OPT_PROT 16u
/* movable or reclaimable: one migrate type per op */
#define OPT_MIGRATE (1u << 28)

/* One keyword option; bit is its flag in st->seen (no option twice). */
static int take_option(struct stmt *st, const struct tok *t, unsigned int bit)
{
	if (st->seen & bit)
		return fail_tok(st, t, "duplicate option '%.*s'", TOK(t));
	st->seen |= bit;
	return 0;
}

/* st->seen bits of the gfp words: their OPG_* bits, above the others. */
#define GFP_SEEN_SHIFT 20

/* The gfp words of an allocating op (docs/op-language.md); *bits gets
 * their OPG_* bits. */
static int gfp_word(const struct tok *t, uint32_t *bits)
{
	/* clang-format off */
	static const struct { const char *word; uint8_t bits; } words[] = {
		{ "zero", OPG_ZERO }, { "nowait", OPG_NOWAIT }, { "high", OPG_HIGH },
		{ "atomic", OPG_ATOMIC }, { "dma32", OPG_DMA32 }, { "noretry", OPG_NORETRY },
		{ "nofail", OPG_NOFAIL }, { "nowarn", OPG_NOWARN }, { "comp", OPG_COMP },
	};
	/* clang-format on */

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (tok_is(t, words[i].word)) {
			*bits = words[i].bits;
			return 1;
		}
	}
	return 0;
}

/* Why op_gfp_canon drops a word the text gave: what the op does not take. */
static const char *gfp_refusal(unsigned int kind, uint8_t gfp)
{
	switch (kind) {
	case OP_VMALLOC:
		return "no gfp word but zero";
	case OP_ALLOC_PAGES:
		break;
	case OP_KZALLOC:
	case OP_KCALLOC:
		if (gfp & OPG_ZERO)
			return "no zero (it always zeroes)";
		/* fall through */
	case OP_KMALLOC:
	case OP_KREALLOC:
		if (gfp & (OPG_DMA32 | OPG_COMP))
			return "no dma32 or comp (Linux strips __GFP_DMA32 from kmalloc with "
			       "a warning; a large kmalloc is always compound)";
		break;
	default:
		if (gfp & (OPG_DMA32 | OPG_COMP | OPG_NOFAIL))
			return "no dma32, comp or nofail";
		break;
	}
	return "nofail only with a caller that can wait and retry (no nowait, atomic or noretry)";
}

static int parse_options(struct stmt *st)
{
	const struct op_desc *d = st->d;
	const struct tok *t;

	while ((t = next_tok(st)) != NULL) {
		uint32_t v = 0;
		int rc;

		if (has_field(d, F_GFP) && gfp_word(t, &v)) {
			rc = take_option(st, t, v << GFP_SEEN_SHIFT);
			st->op.gfp |= (uint8_t)v;
		} else if (has_field(d, F_ORDER) &&
			   (tok_is(t, "movable") || tok_is(t, "reclaimable"))) {
			rc = take_option(st, t, OPT_MIGRATE);
			st->op.mt = tok_is(t, "movable") ? OPMT_MOVABLE : OPMT_RECLAIMABLE;
		} else if (has_field(d, F_FLAGS) && tok_is(t, "hwalign")) {
			rc = take_option(st, t, 2);
			st->op.flags |= OPC_HWALIGN;
		} else if (has_field(d, F_FLAGS) && tok_is(t, "ctor")) {
			rc = take_option(st, t, 4);
			st->op.flags |= OPC_CTOR;
		} else if (has_field(d, F_ALIGN) && tok_is(t, "align")) {
			rc = take_option(st, t, 8);
			if (rc == 0)
				rc = parse_align(st);
		} else if (has_field(d, F_PROT) && tok_is(t, "prot")) {
			rc = take_option(st, t, OPT_PROT);
			if (rc == 0)
				rc = parse_prot(st);
		} else if (has_field(d, F_MFLAGS) && tok_is(t, "shared")) {
			rc = take_option(st, t, 32);
			st->op.mflags |= OPM_SHARED;
		} else if (has_field(d, F_MFLAGS) && ((tok_is(t, "at") && (st->seen & 1024)) ||
						      (tok_is(t, "hint") && (st->seen & 64)))) {
			rc = fail_tok(st, t,
				      "at= and hint= exclude each other (a fixed mapping "
				      "takes no hint)");
		} else if (has_field(d, F_MFLAGS) && tok_is(t, "at")) {
			rc = take_option(st, t, 64);
			if (rc == 0)
				rc = parse_pages_option(st, "at");
			st->op.mflags |= OPM_FIXED;
		} else if (has_field(d, F_MFLAGS) && tok_is(t, "hint")) {
			rc = take_option(st, t, 1024);
			if (rc == 0)
				rc = parse_pages_option(st, "hint");
			st->op.mflags |= OPM_HINT;
		} else if (has_field(d, F_PGOFF) && !has_field(d, F_MFLAGS) && tok_is(t, "off")) {
			rc = take_option(st, t, 128);
			if (rc == 0)
				rc = parse_pages_option(st, "off");
		} else if (has_field(d, F_WRITEVAL) && tok_is(t, "write")) {
			rc = take_option(st, t, 256);
			if (rc == 0)
				rc = parse_number_option(st, "write", 0, 255, &v);
			st->op.gfp |= OPT_WRITE;
			st->op.n = (uint8_t)v;
		} else if (has_field(d, F_WRITEVAL) && tok_is(t, "kernel")) {
			rc = take_option(st, t, 512);
			st->op.gfp |= OPT_KERNEL;
		} else if (has_field(d, F_WRITEVAL) && tok_is(t, "exec")) {
			rc = take_option(st, t, 8192);
			st->op.gfp |= OPT_EXEC;
		} else if (has_field(d, F_WRITEVAL) && tok_is(t, "len")) {
			rc = take_option(st, t, 2048);
			if (rc == 0)
				rc = parse_touch_len(st);
		} else if (has_field(d, F_MFLAGS) && tok_is(t, "heap")) {
			rc = take_option(st, t, 4096);
			st->op.mflags |= OPM_HEAP;
		} else if (has_field(d, F_RAW) && tok_is(t, "from")) {
			rc = take_option(st, t, 16384);
			if (rc == 0)
				rc = parse_word_option(st, "from", op_anchor_names, NR_ANCHORS);
			if (rc > 0)
				st->op.raw |= (uint8_t)rc;
		} else if (has_field(d, F_RAW) && tok_is(t, "unaligned")) {
			rc = take_option(st, t, 32768);
			st->op.raw |= OPR_UNALIGNED;
		} else if (has_field(d, F_RAW) &&
			   (rc = op_word_index(op_len_mode_names, 4, t->s, (size_t)t->len)) > 0) {
			int mode = rc;

			if (st->seen & 65536)
				rc = fail_tok(st, t,
					      "mib, past-top and neg exclude each other (one "
					      "way to read LEN)");
			else
				rc = take_option(st, t, 65536);
			st->op.raw |= (uint8_t)(mode << OPR_LEN_SHIFT);
		} else if (has_field(d, F_KVMEDGE) && tok_is(t, "edge")) {
			rc = take_option(st, t, 131072);
			if (rc == 0)
				rc = parse_word_option(st, "edge", op_kvm_edge_names, NR_KVM_EDGES);
			if (rc > 0)
				st->op.raw = (uint8_t)rc;
		} else {
			rc = extra_argument(st, t);
		}
		if (rc < 0)
			return rc;
	}
	if (has_field(d, F_GFP) && op_gfp_canon(st->op.kind, st->op.gfp) != st->op.gfp)
		return fail_tok(st, NULL,
				"%s takes %s (docs/op-language.md: the gfp words each op takes)",
				d->name, gfp_refusal(st->op.kind, st->op.gfp));
	if ((st->op.gfp & OPT_EXEC) && has_field(d, F_WRITEVAL) &&
	    (st->op.gfp & (OPT_WRITE | OPT_KERNEL)))
		return fail_tok(st, NULL,
				"exec is the user's instruction fetch: it takes no "
				"write= and no kernel");
	if ((st->op.mflags & OPM_HEAP) && !(st->op.mflags & OPM_ADDR))
		return fail_tok(st, NULL,
				"heap needs at=N or hint=N: it says where they count from");
	if (has_field(d, F_MFLAGS) && (st->op.raw & (OPR_ANCHOR | OPR_UNALIGNED)) &&
	    !(st->op.mflags & OPM_ADDR))
		return fail_tok(st, NULL,
				"from= and unaligned need at=N or hint=N: they move the address");
	if ((st->op.mflags & OPM_HEAP) && op_raw_anchor(st->op.raw) != OPA_DEFAULT)
		return fail_tok(st, NULL,
				"heap and from= exclude each other (from=heap counts "
				"signed pages)");
	if (st->pages_tok && op_raw_anchor(st->op.raw) == OPA_DEFAULT && st->pages_neg)
		return fail_tok(st, st->pages_tok,
				"negative pages need from=ANCHOR: a region or a base counts up");
	if (st->pages_tok && op_raw_anchor(st->op.raw) != OPA_DEFAULT && !st->pages_neg &&
	    st->op.pgoff > 32767)
		return fail_tok(st, st->pages_tok,
				"pages from an anchor must be -32768..32767, got '%.*s'",
				TOK(st->pages_tok));
	/* prot is the main argument of mmap and mprotect: never implied */
	if (has_field(d, F_PROT) && !(st->seen & OPT_PROT))
		return fail_tok(st, NULL,
				"missing option: %s needs prot=X (none, r, w, rw, x, "
				"rx, wx or rwx)",
				d->name);
	return 0;
}

static int parse_stmt(const struct line *ln, struct names *nm, struct op *out,
		      struct parse_error *err)
{
	struct stmt st;

	memset(&st, 0, sizeof st);
	st.ln = ln;
	st.nm = nm;
	st.err = err;
	if (parse_head(&st) < 0)
		return -1;
	if (st.result && plan_result(&st) < 0)
		return -1;
	for (const uint8_t *f = st.d->fields; *f != F_END; f++) {
		if ((*f == F_DST && st.d->result) || is_option(*f))
			continue;
		if (parse_positional(&st, *f) < 0)
			return -1;
	}
	if (parse_options(&st) < 0)
		return -1;
	if (st.result)
		names_commit(nm, st.result->s, (size_t)st.result->len, st.d->dst_kind, st.op.dst);
	*out = st.op;
	return 0;
}

/* Canonical names anywhere in the program keep their slots from user
 * names, whichever comes first. Lines with errors are scanned as far as
 * they lex; the main pass reports the error. */
static void prescan(const char *text, size_t len, struct names *nm)
{
	struct line ln;
	size_t pos = 0;

	memset(&ln, 0, sizeof ln);
	while (line_next(text, len, &pos, &ln)) {
		line_lex(&ln);
		for (int i = 0; i < ln.ntok; i++)
			names_reserve(nm, ln.tok[i].s, (size_t)ln.tok[i].len);
	}
}

static int bad_character(struct parse_error *err, const struct line *ln, int col)
{
	unsigned char c = (unsigned char)ln->s[col - 1];

	if (c >= 0x21 && c < 0x7f)
		return fail(err, ln->lineno, col, "bad character '%c'", c);
	return fail(err, ln->lineno, col, "bad character 0x%02x", c);
}

int prog_parse(const char *text, size_t len, struct program *p, struct parse_error *err)
{
	struct parse_error dummy;
	struct names nm;
	struct line ln;
	size_t pos = 0;
	int bad, seen_geometry = 0;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof *err);
	memset(&ln, 0, sizeof ln);
	p->n = 0;
	memset(&p->geom, 0, sizeof p->geom);
	names_init(&nm);
	prescan(text, len, &nm);
	while (line_next(text, len, &pos, &ln)) {
		bad = line_lex(&ln);
		if (bad)
			return bad_character(err, &ln, bad);
		if (ln.ntok == 0)
			continue;
		/* The machine comes before anything runs on it. */
		if (geom_is_header(&ln)) {
			if (p->n || seen_geometry)
				return fail(err, ln.lineno, ln.tok[0].col,
					    "geometry must be the program's first statement");
			seen_geometry = 1;
			if (geom_parse_line(&ln, &p->geom, err) < 0)
				return -1;
			continue;
		}
		if (p->n == PROG_MAX_OPS)
			return fail(err, ln.lineno, ln.tok[0].col, "more than %d ops",
				    PROG_MAX_OPS);
		if (parse_stmt(&ln, &nm, &p->ops[p->n], err) < 0)
			return -1;
		p->n++;
	}
	return 0;
}
