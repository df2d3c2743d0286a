#include <stdlib.h>

#include "exec.h"
#include "fuzz_one.h"

static struct exec *exec;
static const struct op_set *ops;
static struct program prog; /* 64 KiB: static, not on the stack */

/* Both engines' targets take the allocator from MMRIG_ALLOCATOR (neither
 * engine passes its own flags through to the target), and decode every
 * input into the ops that allocator can run. */
void fuzz_init(void)
{
	struct exec_config cfg = { 0 };

	if (exec)
		return;
	cfg.allocator = allocator_select(NULL, "mmrig-fuzz");
	if (!cfg.allocator)
		exit(2);
	exec = exec_create(&cfg);
	if (!exec)
		abort();
	ops = exec_op_set(exec);
	crash_handlers_install();
}

int fuzz_one(const uint8_t *data, size_t size)
{
	struct divergence d;

	fuzz_init();
	/* Not a version this build reads: a mutation of the format byte,
	 * which the engine should not keep. */
	if (prog_decode_set(data, size, ops, &prog) < 0)
		return -1;
	if (exec_run(exec, &prog, &d)) {
		exec_report(&prog, &d, stderr);
		abort();
	}
	return 0;
}
