/* One candidate run: the program in a watched child (harness/engines/
 * child.c, as in mmrig-replay), its SIGNATURE line read back. A kernel
 * panic or sanitizer abort ends only the child; a hang or runaway memory
 * is stopped by the parent and named "timeout in OP" / "oom in OP". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "child.h"
#include "min.h"

struct candidate {
	struct min_runner *r;
	const struct program *p;
};

static int child(void *arg)
{
	struct candidate *c = arg;
	struct divergence d;

	crash_handlers_install();
	int failed = exec_run(c->r->exec, c->p, &d);
	if (failed)
		exec_report(c->p, &d, stdout);
	return failed;
}

int min_run(struct min_runner *r, const struct program *p, char *sig, size_t cap)
{
	const struct allocator *a = exec_allocator(r->exec);
	struct child_limits lim = { .timeout_s = r->timeout,
				    .rss_mb = r->rss_mb,
				    .allocator = a->kind != ALLOC_KERNEL ? a->name : NULL };
	struct candidate c = { r, p };
	struct child_result res;

	sig[0] = '\0';
	if (r->runs >= r->max_runs)
		return -1;
	r->runs++;
	if (child_run(&lim, child, &c, &res))
		return -1;
	if (res.end == CHILD_EXITED && res.status == 0) {
		free(res.output);
		return 0;
	}
	child_signature(res.stop_signature, res.output, res.status, lim.allocator, sig, cap);
	free(res.output);
	return 1;
}
