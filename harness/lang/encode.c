/* Program -> canonical binary form: the current format byte, then opcode =
 * kind, every field as its in-range value, sizes in table form when
 * possible. Canonical bytes make "same program" a byte comparison (corpus
 * dedup, minimizer progress). */
#include <string.h>

#include "lang_internal.h"

size_t prog_encode_op(const struct op *in, const struct op_set *set, uint8_t *out)
{
	struct op op;
	size_t n = 0;

	op_canon(in, &op);
	out[n++] = set ? set->index[op.kind] : op.kind;
	for (const uint8_t *f = op_descs[op.kind].fields; *f != F_END; f++) {
		switch (*f) {
		case F_DST:
			out[n++] = op.dst;
			break;
		case F_SRC:
			out[n++] = op.src;
			break;
		case F_ORDER:
			out[n++] = (uint8_t)(op.order | op.mt << OP_ORDER_MT_SHIFT);
			break;
		case F_GFP:
			out[n++] = op.gfp;
			break;
		case F_COUNT:
			out[n++] = op.n;
			break;
		case F_NTH:
			out[n++] = (uint8_t)(op.n - 1);
			break;
		case F_SIZE:
			/* op_canon left an encodable size */
			size_encode(op.size, out + n);
			n += 3;
			break;
		case F_ALIGN:
			out[n++] = op.align;
			break;
		case F_FLAGS:
			out[n++] = op.flags;
			break;
		case F_PROT:
			out[n++] = op.prot;
			break;
		case F_MFLAGS:
			out[n++] = op.mflags;
			break;
		case F_PGOFF:
			out[n++] = (uint8_t)(op.pgoff & 0xff);
			out[n++] = (uint8_t)(op.pgoff >> 8);
			break;
		case F_WRITEVAL:
			out[n++] = op.gfp;
			out[n++] = op.n;
			break;
		case F_RAW:
			out[n++] = op.raw ? (uint8_t)(OPR_MARK | op.raw) : 0;
			break;
		case F_KVMEDGE:
			out[n++] = op.raw;
			break;
		case F_CPU:
			out[n++] = op.cpu;
			break;
		}
	}
	return n;
}

/* Stops before the first op that does not fit in cap: the bytes written
 * are always whole ops, a valid program on their own. */
size_t prog_encode_set(const struct program *p, const struct op_set *set, uint8_t *out, size_t cap)
{
	size_t len = 0;
	size_t nops = p->n < PROG_MAX_OPS ? p->n : PROG_MAX_OPS;
	uint8_t head[1 + GEOM_MAX_BYTES];
	size_t nhead;

	head[0] = PROG_FORMAT_BYTE;
	nhead = 1 + geom_encode(&p->geom, head + 1);
	/* Without its header the ops would run on another machine: nothing. */
	if (nhead > cap)
		return 0;
	memcpy(out, head, nhead);
	len = nhead;

	for (size_t i = 0; i < nops; i++) {
		uint8_t buf[PROG_MAX_OP_BYTES];
		if (set && !op_set_has(set, p->ops[i].kind))
			break;
		size_t n = prog_encode_op(&p->ops[i], set, buf);
		if (n > cap - len)
			break;
		memcpy(out + len, buf, n);
		len += n;
	}
	return len;
}

size_t prog_encode(const struct program *p, uint8_t *out, size_t cap)
{
	return prog_encode_set(p, NULL, out, cap);
}
