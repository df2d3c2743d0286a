/* The corpus replay: after the boot self-test, kernel-replay.elf runs every
 * program linked into it through the harness's executor and models, and
 * prints what mmrig-replay prints - PASS or FAIL per program (a failure
 * with its report and SIGNATURE line, indented), then "replay: N passed,
 * M failed" - plus each run's DIGEST, which the hosted --json output
 * carries too, so the two builds can be compared program for program.
 * The verdict is one more self-test, "replay", and so becomes part of
 * qemu's exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "replay.h"
#include "uaccess_user.h"
#include "riscv.h"
#include "selftest.h"
#include "setup.h"

#define HEAP_SIZE (8UL << 20)
#define STACK_SIZE (256UL << 10)
#define REPORT_CAP (16UL << 10)

_Static_assert(-ELOOP == EXEC_TOUCH_LOOP, "user_touch's fault loop is the harness's");

/* V_NA: an op the kernel cannot run (a byte allocator's program), as
 * mmrig-replay's N/A. */
enum verdict { V_PASS, V_FAIL, V_ERROR, V_NA };

struct replay {
	struct exec *exec;
	unsigned long passed, failed, errors;
};

static struct program prog; /* 64 KiB: kept off the stack */
static char report[REPORT_CAP];
static FILE capture;

static bool is_text(const char *name)
{
	size_t n = strlen(name);

	return n >= 4 && !strcmp(name + n - 4, ".mmr");
}

/* Runs prog; a kernel panic comes back here as a failure, its report
 * already printed by the harness's panic hook. No local changes between
 * the save and a resume, so none needs to be volatile. */
static int run_guarded(struct exec *e, struct divergence *d, bool *panicked)
{
	struct rv_context ctx;

	if (rv_save_context(&ctx)) {
		*panicked = true;
		return 1;
	}
	replay_catch_panics(&ctx);
	int failed = exec_run(e, &prog, d);

	replay_catch_panics(NULL);
	return failed;
}

/* What mmrig-replay's child does for one file, its output captured. */
static enum verdict run_one(struct exec *e, const struct corpus_entry *c, bool *panicked)
{
	struct parse_error err;
	struct divergence d;

	if (!is_text(c->name)) {
		if (prog_decode(c->data, c->len, &prog) < 0) {
			char why[384];

			prog_format_explain(c->data, c->len, why, sizeof(why));
			fprintf(stderr, "%s: error: %s\n", c->name, why);
			return V_ERROR;
		}
	} else if (prog_parse((const char *)c->data, c->len, &prog, &err)) {
		fprintf(stderr, "%s:%d:%d: error: %s\n", c->name, err.line, err.col, err.msg);
		return V_ERROR;
	}
	int rc = run_guarded(e, &d, panicked);

	if (rc == 0)
		return V_PASS;
	if (rc == EXEC_NOT_APPLICABLE) {
		/* The arena is what RAM gave: a larger geometry is N/A, said so. */
		if (d.op_index < 0)
			fprintf(stderr, "N/A-GEOMETRY: %s, expected %s\n", d.actual, d.expected);
		return V_NA;
	}
	if (!*panicked)
		exec_report(&prog, &d, stderr);
	return V_FAIL;
}

static void print_indented(const char *text)
{
	while (*text) {
		const char *nl = strchr(text, '\n');
		int len = nl ? (int)(nl - text) : (int)strlen(text);

		printf("    %.*s\n", len, text);
		text += len + (nl != NULL);
	}
}

static void replay_entry(struct replay *r, const struct corpus_entry *c)
{
	FILE *out = stdout, *err = stderr;
	bool panicked = false;
	enum verdict v;

	hl_memstream(&capture, report, sizeof(report));
	stdout = stderr = &capture;
	v = run_one(r->exec, c, &panicked);
	/* A panicked run has no digest, as a crashed hosted child has none. */
	if (v != V_ERROR && v != V_NA && !panicked)
		fprintf(stderr, "DIGEST: %016llx\n", (unsigned long long)exec_digest(r->exec));
	stdout = out;
	stderr = err;
	switch (v) {
	case V_PASS:
		r->passed++;
		printf("PASS %s\n", c->name);
		break;
	case V_FAIL:
		r->failed++;
		printf("FAIL %s\n", c->name);
		break;
	case V_NA:
		printf("N/A %s\n", c->name);
		break;
	case V_ERROR:
		/* As mmrig-replay: the parser's message as it is, then the line. */
		r->errors++;
		printf("%sERROR %s\n", report, c->name);
		return;
	}
	print_indented(report);
}

static void replay_all(void *arg)
{
	struct replay *r = arg;

	for (size_t i = 0; i < corpus_count; i++)
		replay_entry(r, &corpus[i]);
}

void boot_payload(const struct fdt_info *fi)
{
	struct exec_config cfg = { 0 };
	struct replay r = { 0 };
	struct hl_heap_stats hs;
	uint64_t start = r_time();
	char *stack;

	st_begin("replay");
	if (replay_memory_init(HEAP_SIZE) || !(stack = malloc(STACK_SIZE)) ||
	    !(r.exec = exec_create(&cfg))) {
		st_check(false, "no memory for the harness");
		st_end();
		return;
	}
	crash_handlers_install();
	/* touch ops: real U-mode loads and stores, faults taken by the hart */
	exec_user_touch = user_touch;
	printf("replay: %zu programs linked into the image\n", corpus_count);
	rv_call_on_stack(replay_all, &r, stack + STACK_SIZE);
	printf("replay: %lu passed, %lu failed\n", r.passed, r.failed);
	printf("replay: %u U-mode runs, %u page faults taken since boot\n", user_touch_total.runs,
	       user_touch_total.faults);
	if (r.errors)
		printf("replay: %lu unreadable or malformed\n", r.errors);
	/* One check for the whole corpus: the lines above already name each
	 * failed program, in mmrig-replay's format. */
	st_check(!r.failed && !r.errors, "%lu of %zu programs failed, %lu unreadable", r.failed,
		 corpus_count, r.errors);
	hl_heap_stats(&hs);
	printf("replay: %lu ms, heap peak %zu KiB of %zu KiB\n",
	       fi->timebase_hz ? (unsigned long)((r_time() - start) * 1000 / fi->timebase_hz) : 0,
	       hs.peak >> 10, hs.size >> 10);
	st_end();
}
