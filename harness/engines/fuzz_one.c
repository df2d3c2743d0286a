#include <stdlib.h>

#include "exec.h"
#include "fuzz_one.h"

static struct exec *exec;
static struct program prog; /* 64 KiB: static, not on the stack */

void fuzz_init(void)
{
	struct exec_config cfg = { 0 };

	if (exec)
		return;
	exec = exec_create(&cfg);
	if (!exec)
		abort();
	crash_handlers_install();
}

void fuzz_one(const uint8_t *data, size_t size)
{
	struct divergence d;

	fuzz_init();
	prog_decode(data, size, &prog);
	if (exec_run(exec, &prog, &d)) {
		exec_report(&prog, &d, stderr);
		abort();
	}
}
