/* The canonical op: what decode would produce from the bytes encode writes.
 * Encoder and printer both start from it, so an op built by hand (by a
 * minimizer shrinking arguments, say) encodes and prints the same way, and
 * decode(encode(op)) == op_canon(op). */
#include <string.h>

#include "lang_internal.h"

void op_canon(const struct op *in, struct op *out)
{
	const struct op_desc *d;
	struct op op;

	memset(&op, 0, sizeof op);
	op.kind = in->kind % NR_OPS;
	d = &op_descs[op.kind];

	/* Copy only the fields this kind has, so unused ones stay 0 and
	 * decoded ops compare with memcmp. */
	for (const uint8_t *f = d->fields; *f != F_END; f++) {
		switch (*f) {
		case F_DST:
			op.dst = (uint8_t)(in->dst % slot_count(d->dst_kind));
			break;
		case F_SRC:
			op.src = (uint8_t)(in->src % slot_count(d->src_kind));
			break;
		case F_ORDER:
			op.order = in->order % (PROG_MAX_ORDER_ARG + 1);
			op.mt = in->mt % NR_OPMT;
			break;
		case F_GFP:
			op.gfp = op_gfp_canon(op.kind, in->gfp);
			break;
		case F_COUNT:
			op.n = in->n;
			break;
		case F_NTH:
			/* the byte is n - 1, so n == 0 wraps to the top */
			op.n = (uint8_t)(in->n - 1) % PROG_MAX_FAIL_NTH + 1;
			break;
		case F_SIZE:
			op.size = size_canon(in->size);
			break;
		case F_ALIGN:
			op.align = in->align % NR_ALIGNS;
			break;
		case F_FLAGS:
			op.flags = in->flags % 8;
			break;
		case F_PROT:
			op.prot = in->prot % 16;
			break;
		case F_MFLAGS:
			op.mflags = op_mflags_canon(in->mflags);
			break;
		case F_PGOFF:
			op.pgoff = in->pgoff;
			break;
		case F_WRITEVAL:
			op.gfp = op_touch_gfp_canon(in->gfp);
			op.n = (op.gfp & OPT_WRITE) ? in->n : 0;
			break;
		case F_RAW:
			op.raw = in->raw & OPR_BITS;
			break;
		case F_KVMEDGE:
			op.raw = op_kvm_edge_canon(in->raw);
			break;
		case F_CPU:
			op.cpu = in->cpu % PROG_MAX_CPUS;
			break;
		}
	}
	op_raw_fixup(d, &op);
	/* mmap's pgoff is its fixed or hinted address: 0 without one */
	if (op_has_field(d, F_MFLAGS) && !(op.mflags & OPM_ADDR))
		op.pgoff = 0;
	*out = op;
}

uint8_t op_kvm_edge_canon(uint8_t v)
{
	return v % 16 < NR_KVM_EDGES ? v % 16 : OPK_NONE;
}

/* An mmap without an address has no anchor to move and no byte to add;
 * an anchor replaces mmap's heap base, and munmap's and mprotect's
 * region, whose slot is then 0. */
void op_raw_fixup(const struct op_desc *d, struct op *op)
{
	if (!op_has_field(d, F_RAW))
		return;
	if (op_has_field(d, F_MFLAGS)) {
		if (!(op->mflags & OPM_ADDR))
			op->raw &= (uint8_t) ~(OPR_ANCHOR | OPR_UNALIGNED);
		if (op_raw_anchor(op->raw) != OPA_DEFAULT)
			op->mflags &= (uint8_t)~OPM_HEAP;
	} else if (d->src_kind == SLOT_REGION && op_raw_anchor(op->raw) != OPA_DEFAULT) {
		op->src = 0;
	}
}
