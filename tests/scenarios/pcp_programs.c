/* Random page programs on 2 to 4 CPUs, built op by op (fixed seed): small
 * blocks allocated on one CPU and freed on another so the per-CPU lists
 * refill, reach their high marks and drain, GFP_KERNEL and atomic requests
 * near the watermarks, and interleavings at the lock points. Every program
 * must pass on the clean kernel; linked with a planted pcp bug, some
 * program must find it (docs/pcp.md). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "exec.h"

#define PROGRAMS 400
#define OPS 160

static uint64_t rng = 0x70637032ull;

static unsigned int pick(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)(rng % n);
}

static void random_program(struct program *p)
{
	unsigned int cpus = 2 + pick(3);

	memset(p, 0, sizeof(*p));
	p->n = 0;
	for (int i = 0; i < OPS; i++) {
		struct op *op = &p->ops[p->n++];
		unsigned int r = pick(100);

		if (r < 12) {
			op->kind = OP_CPU;
			op->cpu = (uint8_t)pick(cpus);
		} else if (r < 55) {
			/* mostly orders 0..3 (the lists), some bigger */
			static const uint8_t gfps[] = {
				0, 0, 0, OPG_ATOMIC, OPG_HIGH, OPG_NOWAIT, OPG_ZERO, OPG_NOWARN
			};

			op->kind = OP_ALLOC_PAGES;
			op->dst = (uint8_t)pick(64);
			op->order = (uint8_t)(pick(8) ? pick(4) : 4 + pick(7));
			op->gfp = gfps[pick(sizeof(gfps))];
			op->mt = (uint8_t)pick(3);
		} else if (r < 90) {
			op->kind = OP_FREE_PAGES;
			op->dst = (uint8_t)pick(64);
		} else if (r < 94 && i + 2 < OPS) {
			op->kind = OP_PREEMPT;
			op->n = (uint8_t)pick(6);
			op->cpu = (uint8_t)pick(cpus);
		} else if (r < 97) {
			op->kind = OP_GET_PAGE;
			op->dst = (uint8_t)pick(64);
		} else {
			op->kind = OP_CHECK;
		}
	}
	/* name the top CPU so the program runs on exactly `cpus` */
	p->ops[0].kind = OP_CPU;
	p->ops[0].cpu = (uint8_t)(cpus - 1);
}

int main(void)
{
	static struct program prog;
	struct exec_config cfg = { 0 };
	struct exec *e = exec_create(&cfg);
	struct divergence d;

	CHECK(e != NULL);
	if (!e)
		return check_finish("pcp_programs");
	crash_handlers_install();
	for (int i = 0; i < PROGRAMS; i++) {
		random_program(&prog);
		int rc = exec_run(e, &prog, &d);
		if (rc) {
			fprintf(stderr, "program %d diverged:\n", i);
			exec_report(&prog, &d, stderr);
		}
		CHECK(rc == 0);
		if (rc)
			break;
	}
	printf("pcp_programs: %d programs of %d ops\n", PROGRAMS, OPS);
	return check_finish("pcp_programs");
}
