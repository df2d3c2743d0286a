/* When the run does not return - a kernel panic, an ASan or UBSan report -
 * this prints the op context and a SIGNATURE built from the bug class and
 * the top in-project frames by function name (never addresses or lines). */
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
/* Without a symbolizer the signature falls back to the panicking function. */
#define symbolize_pc NULL
#endif

#define MAX_FRAMES 64
#define SIG_FRAMES 3

/* Frames of the crash machinery itself are not the bug's. */
static bool skipped_file(const char *file)
{
	static const char *const skip[] = {
		"harness/exec/crash.c", "kernel/arch/host/", "kernel/lib/panic.c",
	};
	size_t root = strlen(MMRIG_SOURCE_DIR);

	if (strncmp(file, MMRIG_SOURCE_DIR, root) != 0)
		return true;
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (strncmp(file + root, skip[i], strlen(skip[i])) == 0)
			return true;
	return false;
}

/* Appends " < fn" for up to SIG_FRAMES in-project frames of this stack.
 * Inlined frames come back one per line from the symbolizer. */
static void append_frames(char *sig, size_t cap)
{
	void *pcs[MAX_FRAMES];
	int n = backtrace(pcs, MAX_FRAMES), taken = 0;
	char buf[2048];

	void (*sym)(void *, const char *, char *, size_t) = symbolize_pc;

	if (!sym)
		return;
	for (int i = 0; i < n && taken < SIG_FRAMES; i++) {
		sym((char *)pcs[i] - 1, "%f %s\n", buf, sizeof(buf));
		for (char *line = buf, *next; line && *line && taken < SIG_FRAMES; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			char *space = strchr(line, ' ');
			if (!space || skipped_file(space + 1))
				continue;
			*space = '\0';
			size_t len = strlen(sig);
			snprintf(sig + len, cap - len, "%s%s", taken ? " < " : " in ", line);
			taken++;
		}
	}
}

static void print_crash(const char *cls, const char *fallback_func)
{
	char sig[512];

	fprintf(stderr, "==== mmrig: crash ====\n");
	fprintf(stderr, "check:     %s\n", cls);
	report_context(exec_now.prog, exec_now.op_index, stderr);
	snprintf(sig, sizeof(sig), "%s", cls);
	append_frames(sig, sizeof(sig));
	if (!strchr(sig, ' ') && fallback_func) {
		size_t len = strlen(sig);
		snprintf(sig + len, sizeof(sig) - len, " in %s", fallback_func);
	}
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
