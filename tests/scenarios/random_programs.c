/* Random differential testing inside ctest: thousands of random byte
 * strings (fixed seed, so every run is the same) decoded and executed on
 * the clean kernel; every one must pass every oracle. A divergence here is
 * either a kernel bug or an oracle that is too strict. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "exec.h"

#define PROGRAMS 3000
#define MAX_LEN 400

static uint64_t rng = 0x6d6d726967ull; /* "mmrig" */

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(void)
{
	static struct program prog;
	static uint8_t buf[MAX_LEN];
	struct exec_config cfg = { 0 };
	struct exec *e = exec_create(&cfg);
	struct divergence d;
	unsigned long ops = 0;

	CHECK(e != NULL);
	if (!e)
		return check_finish("random_programs");
	crash_handlers_install();
	for (int i = 0; i < PROGRAMS; i++) {
		size_t len = next() % MAX_LEN;

		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)next();
		prog_decode_body(buf, len, PROG_FORMAT_VERSION, exec_op_set(e), &prog);
		ops += prog.n;
		int rc = exec_run(e, &prog, &d);
		if (rc) {
			fprintf(stderr, "program %d (%zu bytes) diverged:\n", i, len);
			exec_report(&prog, &d, stderr);
		}
		CHECK(rc == 0);
		if (rc)
			break;
	}
	printf("random_programs: %d programs, %lu ops\n", PROGRAMS, ops);
	return check_finish("random_programs");
}
