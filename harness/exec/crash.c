/* When the run does not return - a kernel panic, an ASan or UBSan report -
 * this prints the op context and a SIGNATURE:
 *
 *     <class> in <innermost in-project function>
 *
 * Only the innermost function: callers further out come and go with
 * inlining, tail calls and the optimisation level, and a build without a
 * symbolizer knows only the function that panicked. No op kind either:
 * one bug is reached from many ops (a double free from kfree, krealloc
 * and the final release), and triage should see it once; the report's
 * op context still says where this run hit it. Nothing in
 * it is an address, a line or a file name, so the same bug keeps its
 * signature across rebuilds and between the hosted and in-kernel replay
 * (kernel/arch/riscv/replay/crash.c prints the same). */
#include <execinfo.h>
#include <string.h>

#include "exec.h"
#include "world.h"

/* The sanitizer runtime is linked statically: a weak reference would not
 * pull its functions in, so they are named only in sanitizer builds. */

#ifdef HOST_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define symbolize_pc __sanitizer_symbolize_pc
#else
/* Without a symbolizer there is no sanitizer report either: a crash is a
 * panic, and the panicking function is the innermost one. */
#define symbolize_pc NULL
#endif

#define MAX_FRAMES 64

/* MMRIG_CREDITED_DIRS: the out-of-tree adapter directories of this build
 * (cmake/adapters.cmake), ':'-separated, each ending in '/'. */
#ifndef MMRIG_CREDITED_DIRS
#define MMRIG_CREDITED_DIRS ""
#endif

/* A frame in an adapter directory is the allocator's: its bugs are signed
 * with its own function, not with the harness frame that called it. */
static bool credited_dir(const char *file)
{
	const char *d = MMRIG_CREDITED_DIRS;

	while (*d) {
		size_t len = strcspn(d, ":");

		if (len && strncmp(file, d, len) == 0)
			return true;
		d += len + (d[len] == ':');
	}
	return false;
}

/* A relative path is ours when the compiler was given the tree's files
 * relative to it (a build with -fdebug-prefix-map, say). */
static bool project_relative(const char *file)
{
	static const char *const tops[] = { "harness/", "kernel/", "allocators/", "tests/" };

	for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++)
		if (strncmp(file, tops[i], strlen(tops[i])) == 0)
			return true;
	return false;
}

/* Frames of the crash machinery itself are not the bug's. */
static bool skipped_file(const char *file)
{
	static const char *const skip[] = {
		"harness/exec/crash.c", "kernel/arch/host/", "kernel/lib/panic.c",
	};
	size_t root = strlen(MMRIG_SOURCE_DIR);

	if (credited_dir(file))
		return false;
	if (strncmp(file, MMRIG_SOURCE_DIR, root) == 0)
		file += root;
	else if (!project_relative(file))
		return true;
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (strncmp(file, skip[i], strlen(skip[i])) == 0)
			return true;
	return false;
}

/* The innermost in-project function of this stack into fn; false when
 * there is none or nothing to symbolize with. Inlined frames come back
 * one per line, innermost first, so a function inlined at -O2 is named
 * as at -O0. */
static bool innermost_frame(char *fn, size_t cap)
{
	void *pcs[MAX_FRAMES];
	int n = backtrace(pcs, MAX_FRAMES);
	char buf[2048];

	void (*sym)(void *, const char *, char *, size_t) = symbolize_pc;

	if (!sym)
		return false;
	for (int i = 0; i < n; i++) {
		sym((char *)pcs[i] - 1, "%f %s\n", buf, sizeof(buf));
		for (char *line = buf, *next; line && *line; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			char *space = strchr(line, ' ');
			if (!space || skipped_file(space + 1))
				continue;
			*space = '\0';
			snprintf(fn, cap, "%s", line);
			return true;
		}
	}
	return false;
}

static void print_crash(const char *cls, const char *panic_func)
{
	char fn[256] = "?";

	fprintf(stderr, "==== mmrig: crash ====\n");
	fprintf(stderr, "check:     %s\n", cls);
	if (exec_now.allocator)
		fprintf(stderr, "allocator: %s\n", exec_now.allocator);
	report_context(exec_now.prog, exec_now.op_index, stderr);
	/* A panic names its own function: no frame walk, so a plain build
	 * says the same as a sanitizer build. */
	if (panic_func)
		snprintf(fn, sizeof(fn), "%s", panic_func);
	else
		innermost_frame(fn, sizeof(fn));
	char sig[512];

	signature_format(sig, sizeof(sig), cls, fn, exec_now.allocator);
	fprintf(stderr, "SIGNATURE: %s\n", sig);
	fflush(stderr);
}

void crash_on_panic(void *ctx, const char *check, const char *func, const char *msg)
{
	char cls[96];

	(void)ctx;
	snprintf(cls, sizeof(cls), "panic.%s", check);
	fprintf(stderr, "kernel panic: %s in %s: %s\n", check, func, msg);
	print_crash(cls, func);
}

static void on_death(void)
{
	char cls[96] = "ubsan";

#ifdef HOST_ASAN
	if (__asan_report_present())
		snprintf(cls, sizeof(cls), "asan.%s", __asan_get_report_description());
#endif
	print_crash(cls, NULL);
}

void crash_handlers_install(void)
{
#ifdef HOST_ASAN
	__sanitizer_set_death_callback(on_death);
#else
	(void)on_death;
#endif
}
