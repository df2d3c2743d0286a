/* Divergence reports. The SIGNATURE line names the oracle and the kind of
 * op, nothing that moves between builds (no address, no line number), so
 * triage can group findings by it. */
#include <string.h>

#include "exec.h"

#define CONTEXT_OPS 8

const char *exec_phase(long op_index)
{
	if (op_index == EXEC_AT_BOOT)
		return "boot";
	if (op_index == EXEC_AT_RESET)
		return "reset";
	return NULL;
}

static const char *where(const struct program *p, long op_index)
{
	if (exec_phase(op_index))
		return exec_phase(op_index);
	if (op_index < 0 || (size_t)op_index >= p->n)
		return "end";
	return op_name(p->ops[op_index].kind);
}

/* The one rule for every signature, divergence or crash: "CHECK in WHERE"
 * and, for any allocator but the kernel, " [NAME]", so findings of two
 * allocators never merge. */
void signature_format(char *buf, size_t cap, const char *check, const char *where,
		      const char *allocator)
{
	int n = where ? snprintf(buf, cap, "%s in %s", check, where)
		      : snprintf(buf, cap, "%s", check);

	if (allocator && *allocator && n >= 0 && (size_t)n < cap)
		snprintf(buf + n, cap - (size_t)n, " [%s]", allocator);
}

void exec_signature(const struct program *p, const struct divergence *d, char *buf, size_t cap)
{
	signature_format(buf, cap, d->check, d->func[0] ? d->func : where(p, d->op_index),
			 d->allocator);
}

void report_context(const struct program *p, long op_index, FILE *out)
{
	char line[160];

	if (!p)
		return;
	/* What the finding needs besides the ops: the machine it ran on,
	 * which a replay's --geometry may have chosen instead of p's. */
	struct prog_geometry g;

	geom_canon(exec_now.geom ? exec_now.geom : &p->geom, &g);
	if (!geom_is_default(&g)) {
		geom_format(&g, line, sizeof(line));
		fprintf(out, "geometry:  %s\n", line);
	}
	if (op_index == EXEC_AT_BOOT) {
		fprintf(out, "op:        boot (the allocator's init, before the first op)\n");
		return;
	}
	/* The whole program ran and was released: no op is nearer than any
	 * other, so none is listed. */
	if (op_index == EXEC_AT_RESET) {
		fprintf(out,
			"op:        reset (the kernel back to its boot state, after all %zu "
			"ops and the final release)\n",
			p->n);
		return;
	}
	if (op_index < 0 || (size_t)op_index >= p->n) {
		fprintf(out, "op:        end of program (releasing everything, leak check)\n");
		op_index = (long)p->n;
	} else {
		op_format(&p->ops[op_index], line, sizeof(line));
		fprintf(out, "op:        #%ld  %s\n", op_index, line);
	}
	long first = op_index > CONTEXT_OPS ? op_index - CONTEXT_OPS : 0;
	if (first < op_index)
		fprintf(out, "preceding:\n");
	for (long i = first; i < op_index; i++) {
		op_format(&p->ops[i], line, sizeof(line));
		fprintf(out, "  #%-5ld %s\n", i, line);
	}
}

void exec_report(const struct program *p, const struct divergence *d, FILE *out)
{
	char sig[192];

	fprintf(out, "==== mmrig: divergence ====\n");
	fprintf(out, "check:     %s\n", d->check);
	if (d->allocator[0])
		fprintf(out, "allocator: %s\n", d->allocator);
	report_context(p, d->op_index, out);
	fprintf(out, "expected:  %s\n", d->expected);
	fprintf(out, "actual:    %s\n", d->actual);
	exec_signature(p, d, sig, sizeof(sig));
	fprintf(out, "SIGNATURE: %s\n", sig);
	fflush(out);
}
