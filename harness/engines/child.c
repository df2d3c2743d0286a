/* The child runner of mmrig-replay and mmrig-min. Limits are enforced by
 * the parent, not by the child on itself: a child spinning in the kernel
 * or growing without bound cannot be trusted to stop, and sanitizer
 * builds rule out address-space rlimits. The parent also names the op the
 * child was stopped in, from a shared page the run loop publishes to, so
 * a hang or runaway gets a signature like any other failure. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "exec.h"

/* How often the parent looks at the child's time and memory. */
#define WATCH_MS 20

static struct exec_progress *shared_progress(void)
{
	static struct exec_progress *page;

	if (!page) {
		void *p = mmap(NULL, sizeof(*page), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED)
			page = p;
	}
	return page;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long rss_mb(pid_t pid)
{
	char path[64], buf[128];
	unsigned long size = 0, resident = 0;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%lu %lu", &size, &resident) != 2)
		return 0;
	return resident * (unsigned long)sysconf(_SC_PAGESIZE) >> 20;
}

/* The child's output. Room for the truncation marker is always kept, so
 * a parent out of memory still keeps what it captured, says so, and
 * keeps no later piece after a gap. */
#define TRUNCATED_MARK "\n[mmrig: output truncated here: no memory to capture more]\n"

struct sink {
	char *buf;
	size_t n, cap;
	bool truncated;
};

static void sink_add(struct sink *s, const char *p, size_t len)
{
	size_t reserve = sizeof(TRUNCATED_MARK); /* with the NUL */

	if (s->truncated)
		return;
	if (s->n + len + reserve > s->cap) {
		size_t cap = s->cap ? s->cap : 8192;
		char *more;

		while (s->n + len + reserve > cap)
			cap *= 2;
		more = realloc(s->buf, cap);
		if (!more) {
			s->truncated = true;
			if (!s->buf)
				return;
			len = s->cap - s->n - reserve; /* what still fits */
		} else {
			s->buf = more;
			s->cap = cap;
		}
	}
	memcpy(s->buf + s->n, p, len);
	s->n += len;
	s->buf[s->n] = '\0';
}

/* The output as the caller gets it: malloc'ed, marked when truncated. */
static char *sink_finish(struct sink *s)
{
	if (!s->truncated)
		return s->buf ? s->buf : strdup("");
	if (!s->buf)
		return strdup(TRUNCATED_MARK);
	memcpy(s->buf + s->n, TRUNCATED_MARK, sizeof(TRUNCATED_MARK));
	return s->buf;
}

static void name_stop(struct child_result *res, const char *what, const struct exec_progress *pg,
		      const char *allocator)
{
	const char *op = "start";

	if (pg && pg->op_kind >= 0)
		op = op_name((unsigned int)pg->op_kind);
	else if (pg && exec_phase(pg->op_index))
		op = exec_phase(pg->op_index);
	else if (pg && pg->op_index >= 0)
		op = "end";
	signature_format(res->stop_signature, sizeof(res->stop_signature), what, op, allocator);
}

/* The class a child's end gives it when nothing else names it. */
static void end_class(int status, char *cls, size_t cap)
{
	if (status >= 128)
		snprintf(cls, cap, CRASH_SIGNAL_CLASS "%d", status - 128);
	else
		snprintf(cls, cap, "crash.exit-%d", status);
}

#define MAX_FRAMES 64

struct symbolizer_run {
	const char *tool, *exe;
	char **addrs;
	int n;
};

/* In the child: llvm-symbolizer or binutils' addr2line on the executable. */
static int exec_symbolizer(void *arg)
{
	const struct symbolizer_run *r = arg;
	bool llvm = !strstr(r->tool, "addr2line");
	char obj[4200], *argv[MAX_FRAMES + 8];
	int argc = 0;

	argv[argc++] = (char *)r->tool;
	if (llvm) {
		snprintf(obj, sizeof(obj), "--obj=%s", r->exe);
		argv[argc++] = obj;
		argv[argc++] = "--inlines";
		argv[argc++] = "--functions=linkage";
	} else {
		argv[argc++] = "-f";
		argv[argc++] = "-i";
		argv[argc++] = "-e";
		argv[argc++] = (char *)r->exe;
	}
	for (int i = 0; i < r->n; i++)
		argv[argc++] = r->addrs[i];
	argv[argc] = NULL;
	/* Only the frames are read back: a warning would shift the pairs. */
	int devnull = open("/dev/null", O_WRONLY);
	if (devnull >= 0)
		dup2(devnull, STDERR_FILENO);
	execvp(argv[0], argv);
	return 127;
}

/* The function a crashed child's "frames:" line credits (crash.c's rule),
 * symbolized from this executable, which the child was a fork of. Tried
 * in order: the symbolizer the sanitizers are given, llvm-symbolizer,
 * addr2line; each prints, per address, a function line and a
 * FILE:LINE[:COL] line for every inlined frame, innermost first
 * (llvm-symbolizer adds a blank line per address). */
static bool frames_function(const char *output, char *fn, size_t cap)
{
	static const char key[] = "\nframes:   ";
	const char *line = strstr(output, key), *env = getenv("ASAN_SYMBOLIZER_PATH");
	const char *tools[] = { env && *env ? env : "llvm-symbolizer", "llvm-symbolizer",
				"addr2line" };
	char exe[4096], frames[MAX_FRAMES * 20], *addrs[MAX_FRAMES], *save = NULL;
	struct symbolizer_run run = { .exe = exe, .addrs = addrs };
	struct child_limits lim = { .timeout_s = 60 };
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (!line || len <= 0)
		return false;
	exe[len] = '\0';
	line += strlen(key);
	snprintf(frames, sizeof(frames), "%.*s", (int)strcspn(line, "\n"), line);
	for (char *a = strtok_r(frames, " ", &save); a && run.n < MAX_FRAMES;
	     a = strtok_r(NULL, " ", &save))
		addrs[run.n++] = a;
	for (size_t t = 0; run.n && t < sizeof(tools) / sizeof(tools[0]); t++) {
		struct child_result res;
		const char *func = NULL;
		bool found = false;

		run.tool = tools[t];
		if (child_run(&lim, exec_symbolizer, &run, &res))
			return false;
		if (res.end != CHILD_EXITED || res.status != 0) {
			free(res.output);
			continue;
		}
		for (char *l = strtok_r(res.output, "\n", &save); l && !found;
		     l = strtok_r(NULL, "\n", &save)) {
			if (!func)
				func = l;
			else if (crash_credited(func, l, fn, cap))
				found = true;
			else
				func = NULL;
		}
		free(res.output);
		return found;
	}
	return false;
}

/* A child of a build without sanitizers reports a fatal signal with its
 * frames but cannot name the function (symbolizing is no work for a
 * signal handler): the parent, the same executable, does, and completes
 * the report with the SIGNATURE line the child would have printed. */
static void name_signal_crash(struct sink *out, int status, const char *allocator)
{
	char cls[32], fn[256], sig[512], line[600];

	if (!out->buf || strstr(out->buf, "SIGNATURE: ") ||
	    !frames_function(out->buf, fn, sizeof(fn)))
		return;
	end_class(status, cls, sizeof(cls));
	signature_format(sig, sizeof(sig), cls, fn, allocator);
	snprintf(line, sizeof(line), "SIGNATURE: %s\n", sig);
	sink_add(out, line, strlen(line));
}

int child_run(const struct child_limits *lim, int (*fn)(void *), void *arg,
	      struct child_result *res)
{
	struct exec_progress *pg = shared_progress();
	struct sink out = { 0 };
	int pipefd[2], ws = 0;
	bool eof = false;
	pid_t parent = getpid();

	memset(res, 0, sizeof(*res));
	if (pg) {
		pg->op_index = -1;
		pg->op_kind = -1;
	}
	fflush(NULL);
	if (pipe(pipefd))
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		/* A triage killed midway leaves no orphan running on. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		close(pipefd[0]);
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[1]);
		exec_progress = pg;
		int rc = fn(arg);
		fflush(NULL);
		_exit(rc);
	}
	close(pipefd[1]);

	double deadline = lim->timeout_s ? now_s() + lim->timeout_s : 0;
	double drain_until = 0;
	enum child_end stopped = CHILD_EXITED;
	bool exited = false;
	useconds_t idle_us = 250;

	/* After the child ends, what it wrote is still read; a helper it
	 * started (the symbolizer) may hold the pipe a moment longer. */
	while (!(exited && (eof || now_s() > drain_until))) {
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		char chunk[4096];

		if (!eof && poll(&pfd, 1, WATCH_MS) > 0) {
			ssize_t got = read(pipefd[0], chunk, sizeof(chunk));

			if (got > 0)
				sink_add(&out, chunk, (size_t)got);
			else if (got == 0 || errno != EINTR)
				eof = true;
		} else if (eof) {
			/* The child closed its output: it is almost always
			 * exiting, so look again soon, backing off to the watch
			 * interval if it lingers. */
			usleep(idle_us);
			if (idle_us < WATCH_MS * 1000)
				idle_us *= 2;
		}
		if (exited)
			continue;
		if (waitpid(pid, &ws, WNOHANG) == pid) {
			exited = true;
			drain_until = now_s() + 2;
			continue;
		}
		if (stopped != CHILD_EXITED)
			continue; /* killed, waiting for it to go */
		if (deadline && now_s() > deadline)
			stopped = CHILD_TIMEOUT;
		else if (lim->rss_mb && rss_mb(pid) > lim->rss_mb)
			stopped = CHILD_OOM;
		if (stopped != CHILD_EXITED) {
			name_stop(res, stopped == CHILD_TIMEOUT ? "timeout" : "oom", pg,
				  lim->allocator);
			kill(pid, SIGKILL);
		}
	}
	close(pipefd[0]);
	if (stopped == CHILD_EXITED && WIFSIGNALED(ws))
		name_signal_crash(&out, 128 + WTERMSIG(ws), lim->allocator);
	res->output = sink_finish(&out);
	res->truncated = out.truncated;
	res->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	if (stopped != CHILD_EXITED)
		res->end = stopped;
	else
		res->end = WIFEXITED(ws) ? CHILD_EXITED : CHILD_SIGNALED;
	return 0;
}

void child_signature(const char *stop, const char *output, int status, const char *allocator,
		     char *buf, size_t cap)
{
	const char *line = output ? strstr(output, "SIGNATURE: ") : NULL;
	char cls[32];

	if (stop && stop[0]) {
		snprintf(buf, cap, "%s", stop);
	} else if (line) {
		line += strlen("SIGNATURE: ");
		snprintf(buf, cap, "%.*s", (int)strcspn(line, "\n"), line);
	} else {
		end_class(status, cls, sizeof(cls));
		signature_format(buf, cap, cls, NULL, allocator);
	}
}
