/* Program -> canonical text. Handles print as p<slot>, o<slot>, c<slot>,
 * m<slot>, r<slot>; options appear only when set, except prot= (always); the output parses back to the same ops.
 * Reports print ops with op_format, so it takes any op (see op_canon). */
#include <stdio.h>
#include <string.h>

#include "lang_internal.h"

#define LINE_CAP 128 /* longest line is about 60 characters */

struct out {
	char buf[LINE_CAP];
	size_t len;
};

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (n > sizeof o->buf - 1 - o->len)
		n = sizeof o->buf - 1 - o->len;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

/* The gfp words in one fixed order; nowait and high together read as
 * "atomic", Linux's GFP_ATOMIC. */
static void format_gfp(struct out *o, uint8_t gfp)
{
	if (gfp & OPG_ZERO)
		put(o, " zero");
	if ((gfp & OPG_ATOMIC) == OPG_ATOMIC)
		put(o, " atomic");
	else if (gfp & OPG_NOWAIT)
		put(o, " nowait");
	else if (gfp & OPG_HIGH)
		put(o, " high");
	if (gfp & OPG_DMA32)
		put(o, " dma32");
	if (gfp & OPG_NORETRY)
		put(o, " noretry");
	if (gfp & OPG_NOFAIL)
		put(o, " nofail");
	if (gfp & OPG_NOWARN)
		put(o, " nowarn");
	if (gfp & OPG_COMP)
		put(o, " comp");
}

static void put_uint(struct out *o, const char *prefix, unsigned int v)
{
	char s[32];

	snprintf(s, sizeof s, "%s%u", prefix, v);
	put(o, s);
}

/* A page count: signed once an anchor moves the address (off=-1). */
static void put_pages(struct out *o, const char *prefix, const struct op *op)
{
	char s[32];

	if (op_raw_anchor(op->raw) != OPA_DEFAULT)
		snprintf(s, sizeof s, "%s%d", prefix, (int16_t)op->pgoff);
	else
		snprintf(s, sizeof s, "%s%u", prefix, op->pgoff);
	put(o, s);
}

static void put_slot(struct out *o, const char *before, int kind, unsigned int slot)
{
	char s[16];

	snprintf(s, sizeof s, "%s%c%u", before, slot_prefix(kind), slot);
	put(o, s);
}

static void put_field(struct out *o, const struct op_desc *d, int f, const struct op *op)
{
	char s[32];

	switch (f) {
	case F_DST:
		if (!d->result) /* a result was printed before the op name */
			put_slot(o, " ", d->dst_kind, op->dst);
		break;
	case F_SRC:
		put_slot(o, " ", d->src_kind, op->src);
		break;
	case F_ORDER:
		put_uint(o, " ", op->order);
		break;
	case F_COUNT:
	case F_NTH:
		put_uint(o, " ", op->n);
		break;
	case F_SIZE:
		size_format(op->size, s, sizeof s);
		put(o, " ");
		put(o, s);
		break;
	case F_GFP:
		format_gfp(o, op->gfp);
		if (op->mt == OPMT_MOVABLE)
			put(o, " movable");
		else if (op->mt == OPMT_RECLAIMABLE)
			put(o, " reclaimable");
		break;
	case F_ALIGN:
		if (op->align || (op->flags & OPC_EDGE_ALIGN))
			put_uint(o, " align=", op_align(op));
		break;
	case F_FLAGS:
		if (op->flags & OPC_HWALIGN)
			put(o, " hwalign");
		if (op->flags & OPC_CTOR)
			put(o, " ctor");
		break;
	case F_PROT:
		prot_format(op->prot, s, sizeof s);
		put(o, " prot=");
		put(o, s);
		break;
	case F_MFLAGS:
		if (op->mflags & OPM_SHARED)
			put(o, " shared");
		if (op->mflags & OPM_FIXED) /* at= carries pgoff */
			put_pages(o, " at=", op);
		else if (op->mflags & OPM_HINT)
			put_pages(o, " hint=", op);
		if (op->mflags & OPM_HEAP)
			put(o, " heap");
		break;
	case F_PGOFF:
		if (!op_has_field(d, F_MFLAGS) && op->pgoff)
			put_pages(o, " off=", op);
		break;
	case F_RAW:
		if (op_raw_anchor(op->raw) != OPA_DEFAULT) {
			put(o, " from=");
			put(o, op_anchor_names[op_raw_anchor(op->raw)]);
		}
		if (op->raw & OPR_UNALIGNED)
			put(o, " unaligned");
		if (op_raw_len_mode(op->raw) != OPL_BYTES) {
			put(o, " ");
			put(o, op_len_mode_names[op_raw_len_mode(op->raw)]);
		}
		break;
	case F_KVMEDGE:
		if (op->raw) {
			put(o, " edge=");
			put(o, op_kvm_edge_names[op->raw]);
		}
		break;
	case F_CPU:
		put_uint(o, " ", op->cpu);
		break;
	case F_WRITEVAL:
		if (op->gfp & OPT_WRITE)
			put_uint(o, " write=", op->n);
		if (op_touch_len(op->gfp) != 1)
			put_uint(o, " len=", op_touch_len(op->gfp));
		if (op->gfp & OPT_EXEC)
			put(o, " exec");
		if (op->gfp & OPT_KERNEL)
			put(o, " kernel");
		break;
	}
}

int op_format(const struct op *in, char *buf, size_t cap)
{
	struct op op;
	const struct op_desc *d;
	struct out o = { .len = 0 };

	op_canon(in, &op);
	d = &op_descs[op.kind];
	o.buf[0] = '\0';
	if (d->result) {
		put_slot(&o, "", d->dst_kind, op.dst);
		put(&o, " = ");
	}
	put(&o, d->name);
	for (const uint8_t *f = d->fields; *f != F_END; f++)
		put_field(&o, d, *f, &op);

	/* snprintf-style: the full length even when buf is too small */
	if (cap > 0)
		snprintf(buf, cap, "%s", o.buf);
	return (int)o.len;
}

void prog_print(const struct program *p, FILE *out)
{
	char line[LINE_CAP];
	size_t nops = p->n < PROG_MAX_OPS ? p->n : PROG_MAX_OPS;
	struct prog_geometry g;

	geom_canon(&p->geom, &g);
	if (!geom_is_default(&g)) {
		geom_format(&g, line, sizeof line);
		fprintf(out, "geometry %s\n", line);
	}
	for (size_t i = 0; i < nops; i++) {
		op_format(&p->ops[i], line, sizeof line);
		fprintf(out, "%s\n", line);
	}
}
