/* Binary form -> program. After the format byte (version.c) every byte
 * string is a program: the opcode and each field are taken modulo their
 * range, and bytes missing at the end read as 0, so a fuzzer never wastes
 * an input and truncating one (as a minimizer does) still gives a program
 * with the same leading ops. */
#include <string.h>

#include "lang_internal.h"

struct reader {
	const uint8_t *data;
	size_t len, pos;
	int version;
};

static uint8_t next(struct reader *r)
{
	if (r->pos >= r->len)
		return 0;
	return r->data[r->pos++];
}

static void decode_field(struct reader *r, const struct op_desc *d, int f, struct op *op)
{
	uint8_t b0, b1;

	switch (f) {
	case F_DST:
		op->dst = (uint8_t)(next(r) % slot_count(d->dst_kind));
		break;
	case F_SRC:
		op->src = (uint8_t)(next(r) % slot_count(d->src_kind));
		break;
	case F_ORDER:
		b0 = next(r);
		if (r->version >= PROG_FORMAT_MIGRATE) {
			op->order = (b0 & OP_ORDER_MASK) % (PROG_MAX_ORDER_ARG + 1);
			op->mt = (uint8_t)((b0 >> OP_ORDER_MT_SHIFT) % NR_OPMT);
		} else {
			op->order = b0 % (PROG_MAX_ORDER_ARG + 1);
		}
		break;
	case F_GFP:
		if (!op_field_in_version(op->kind, f, r->version))
			break; /* no byte yet: GFP_KERNEL */
		/* before version 3 the byte only said zero or not */
		op->gfp = next(r);
		op->gfp = r->version >= PROG_FORMAT_ZONES ? op_gfp_canon(op->kind, op->gfp)
							  : op->gfp % 2;
		break;
	case F_COUNT:
		op->n = next(r);
		break;
	case F_NTH:
		op->n = 1 + next(r) % PROG_MAX_FAIL_NTH;
		break;
	case F_SIZE:
		/* three reads in sequence: argument order is unspecified in C */
		b0 = next(r);
		b1 = next(r);
		op->size = size_decode(b0, b1, next(r));
		break;
	case F_ALIGN:
		op->align = next(r) % NR_ALIGNS;
		break;
	case F_FLAGS:
		op->flags = next(r) % 8;
		break;
	case F_PROT:
		op->prot = next(r) % 16;
		break;
	case F_MFLAGS:
		op->mflags = op_mflags_canon(next(r));
		break;
	case F_PGOFF:
		b0 = next(r);
		b1 = next(r);
		op->pgoff = (uint16_t)(b0 | b1 << 8);
		/* mmap: an address only when fixed or hinted (canonical 0 otherwise) */
		if (op_has_field(d, F_MFLAGS) && !(op->mflags & OPM_ADDR))
			op->pgoff = 0;
		break;
	case F_WRITEVAL:
		op->gfp = op_touch_gfp_canon(next(r));
		op->n = next(r);
		if (!(op->gfp & OPT_WRITE)) /* a read has no value */
			op->n = 0;
		break;
	case F_RAW:
		op->raw = op_raw_from_byte(next(r));
		break;
	case F_KVMEDGE:
		op->raw = op_kvm_edge_canon(next(r));
		break;
	case F_CPU:
		op->cpu = next(r) % PROG_MAX_CPUS;
		break;
	}
}

static void decode_op(struct reader *r, const struct op_set *set, unsigned int nr_opcodes,
		      struct op *op)
{
	const struct op_desc *d;
	uint8_t b;

	memset(op, 0, sizeof *op);
	b = next(r);
	op->kind = set ? set->kinds[b % nr_opcodes] : b % nr_opcodes;
	d = &op_descs[op->kind];
	for (const uint8_t *f = d->fields; *f != F_END; f++)
		decode_field(r, d, *f, op);
	op_raw_fixup(d, op);
}

void prog_decode_body(const uint8_t *data, size_t len, int version, const struct op_set *set,
		      struct program *p)
{
	struct reader r = { data, len, 0, version };
	unsigned int nr_opcodes;

	if (set && set->n == 0)
		set = NULL;
	nr_opcodes = version_opcodes(version, set);
	p->n = 0;
	memset(&p->geom, 0, sizeof p->geom);
	if (len > 0 && data[0] == GEOM_MARK)
		r.pos = geom_decode(data, len, version, &p->geom);
	while (r.pos < r.len && p->n < PROG_MAX_OPS)
		decode_op(&r, set, nr_opcodes, &p->ops[p->n++]);
}

int prog_decode_set(const uint8_t *data, size_t len, const struct op_set *set, struct program *p)
{
	int version = prog_format_of(data, len);

	if (version <= PROG_FORMAT_LEGACY || !prog_format_known(version)) {
		p->n = 0;
		memset(&p->geom, 0, sizeof p->geom);
		return -1;
	}
	/* an empty input is the empty program, of every version */
	prog_decode_body(len ? data + 1 : data, len ? len - 1 : 0, version, set, p);
	return 0;
}

int prog_decode(const uint8_t *data, size_t len, struct program *p)
{
	return prog_decode_set(data, len, NULL, p);
}
