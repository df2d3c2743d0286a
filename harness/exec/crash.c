/* When the run does not return - a kernel panic, an ASan or UBSan report,
 * a fatal signal - this prints the op context and a SIGNATURE:
 *
 *     <class> in <innermost in-project function>
 *
 * (for a fatal signal without sanitizers, the frames the watching parent
 * turns into that line). Only the innermost function: callers further out
 * come and go with inlining, tail calls and the optimisation level. No op
 * kind either: one bug is reached from many ops (a double free from kfree,
 * krealloc and the final release), and triage should see it once; the
 * report's op context still says where this run hit it. Nothing in it is
 * an address, a line or a file name, so the same bug keeps its signature
 * across rebuilds and between the hosted and in-kernel replay
 * (harness/targets/riscv-replay/crash.c prints the same). */
#include <execinfo.h>
#include <link.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "exec.h"
#include "world.h"

/* The sanitizer runtime is linked statically: a weak reference would not
 * pull its functions in, so they are named only in sanitizer builds. */

#ifdef HOST_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define symbolize_pc __sanitizer_symbolize_pc
#else
/* No symbolizer in the process: a panic names its own function, and a
 * fatal signal's frames are symbolized by the parent. */
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
		"harness/exec/crash.c",
		"kernel/arch/host/",
		"kernel/lib/panic.c",
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

/* The crediting rule, one for every way frames are symbolized: the first
 * frame, innermost first with inlined frames before the function they
 * were inlined into, whose file (FILE or FILE:LINE:COL) is the project's
 * and not the crash machinery's. A function inlined at -O2 is then named
 * as at -O0. */
bool crash_credited(const char *func, const char *file, char *fn, size_t cap)
{
	if (!func[0] || !strcmp(func, "??") || skipped_file(file))
		return false;
	snprintf(fn, cap, "%s", func);
	return true;
}

/* The innermost in-project function of this stack into fn; false when
 * there is none or nothing to symbolize with. */
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
			if (!space)
				continue;
			*space = '\0';
			if (crash_credited(line, space + 1, fn, cap))
				return true;
		}
	}
	return false;
}

/* Set once a report is out: the abort() after a panic's report is not a
 * second crash. */
static volatile sig_atomic_t crash_reported;

/* A divergence already recorded in this run is the bug's first sign: an
 * oracle saw it at the op, and what crashes afterwards depends on the
 * build (a sanitizer stops an overflowing copy a plain build lets
 * through). Reported as the divergence, so every build signs it alike. */
static bool report_pending_divergence(const char *cls)
{
	if (!exec_now.div || !exec_now.div->hit || !exec_now.prog)
		return false;
	fprintf(stderr, "mmrig: %s after a divergence; the divergence is the finding\n", cls);
	exec_report(exec_now.prog, exec_now.div, stderr);
	return true;
}

static void print_crash(const char *cls, const char *panic_func)
{
	char fn[256] = "?";

	crash_reported = 1;
	if (report_pending_divergence(cls))
		return;
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

/* ---- a fatal signal in a build without sanitizers ----
 *
 * Nothing reports the crash but the signal, so the handler names where it
 * happened: the op context, and the faulting frames as offsets into the
 * executable, which the watching parent symbolizes from the binary's debug
 * info (harness/engines/child.c). Taking the frames is async-signal-safe
 * (the unwinder is loaded at install, the offsets are formatted by hand);
 * the op context goes through stdio, as the sanitizer death callback's
 * does. */

#ifndef HOST_ASAN
static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };

/* The executable's load bias and the span of its loaded segments: a PC
 * minus the bias is the address its debug info knows. */
static uintptr_t exe_bias, exe_lo, exe_hi;
static char alt_stack[1 << 16];

static int find_exe(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	(void)arg;
	exe_bias = info->dlpi_addr;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD)
			continue;
		if (!exe_lo || lo < exe_lo)
			exe_lo = lo;
		if (lo + ph->p_memsz > exe_hi)
			exe_hi = lo + ph->p_memsz;
	}
	return 1; /* the first object is the executable */
}

static void put(const char *s)
{
	ssize_t r = write(STDERR_FILENO, s, strlen(s));

	(void)r;
}

/* Number formatting without stdio: base 10 or 16. */
static void put_num(uintptr_t v, unsigned int base)
{
	char buf[24];
	size_t i = sizeof(buf);

	buf[--i] = '\0';
	do
		buf[--i] = "0123456789abcdef"[v % base];
	while ((v /= base) && i > 2);
	if (base == 16) {
		buf[--i] = 'x';
		buf[--i] = '0';
	}
	put(buf + i);
}

static uintptr_t fault_pc(const void *ucv)
{
	const ucontext_t *uc = ucv;

#if defined(__x86_64__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__riscv)
	return (uintptr_t)uc->uc_mcontext.__gregs[REG_PC];
#elif defined(__aarch64__)
	return (uintptr_t)uc->uc_mcontext.pc;
#else
	(void)uc;
	return 0;
#endif
}

/* "frames: " and the executable's addresses, innermost first: the
 * faulting instruction itself, then each caller's call (its return
 * address minus one, so a call that ends a function is not credited to
 * the next). The handler's own frames and libc's are not in it. */
static void put_frames(uintptr_t pc)
{
	void *pcs[MAX_FRAMES];
	int n = backtrace(pcs, MAX_FRAMES), first = 0;

	for (int i = 0; i < n; i++)
		if ((uintptr_t)pcs[i] == pc)
			first = i;
	put("frames:   ");
	for (int i = first; i < n; i++) {
		uintptr_t a = (uintptr_t)pcs[i];

		if (!(i == first && a == pc))
			a--;
		if (a < exe_lo || a >= exe_hi)
			continue;
		put(" ");
		put_num(a - exe_bias, 16);
	}
	put("\n");
}

static void on_fatal_signal(int sig, siginfo_t *si, void *ucv)
{
	(void)si;
	if (!crash_reported && report_pending_divergence(CRASH_SIGNAL_CLASS)) {
		crash_reported = 1;
	} else if (!crash_reported) {
		crash_reported = 1;
		put("==== mmrig: crash ====\ncheck:     " CRASH_SIGNAL_CLASS);
		put_num((uintptr_t)sig, 10);
		put("\n");
		if (exec_now.allocator) {
			put("allocator: ");
			put(exec_now.allocator);
			put("\n");
		}
		report_context(exec_now.prog, exec_now.op_index, stderr);
		fflush(stderr);
		put_frames(fault_pc(ucv));
	}
	/* SA_RESETHAND made the action the default: the signal, raised again
	 * or the fault taken again on return, ends the process with its own
	 * status. */
	raise(sig);
}

static void fatal_signals_install(void)
{
	void *warm[2];
	stack_t ss = { .ss_sp = alt_stack, .ss_size = sizeof(alt_stack) };

	dl_iterate_phdr(find_exe, NULL);
	/* The unwinder is loaded now, not in the handler. */
	backtrace(warm, 2);
	if (sigaltstack(&ss, NULL))
		return;
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++) {
		struct sigaction old, sa = { .sa_sigaction = on_fatal_signal,
					     .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND };

		/* An engine's own handler (libFuzzer's) stays: it saves the
		 * input, which matters more than a name. */
		if (sigaction(fatal_signals[i], NULL, &old) || old.sa_handler != SIG_DFL)
			continue;
		sigemptyset(&sa.sa_mask);
		sigaction(fatal_signals[i], &sa, NULL);
	}
}
#endif

void crash_handlers_install(void)
{
#ifdef HOST_ASAN
	__sanitizer_set_death_callback(on_death);
#else
	(void)on_death;
	fatal_signals_install();
#endif
}
