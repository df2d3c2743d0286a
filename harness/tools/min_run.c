/* One candidate run: fork, run the program in the child with its output on
 * a pipe, read the SIGNATURE line back. A kernel panic or sanitizer abort
 * ends only the child, as in mmrig-replay; a hang ends at the alarm. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "min.h"

static void child(struct min_runner *r, const struct program *p, int fd)
{
	struct divergence d;

	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	alarm(r->timeout);
	crash_handlers_install();
	int failed = exec_run(r->exec, p, &d);
	if (failed)
		exec_report(p, &d, stdout);
	fflush(stdout);
	_exit(failed);
}

/* The child's whole output: the signature line can follow kilobytes of a
 * sanitizer report, and the child blocks if the pipe is not drained. */
static char *drain(int fd)
{
	size_t n = 0, cap = 8192;
	char *buf = malloc(cap);
	ssize_t got;

	if (!buf)
		return NULL;
	for (;;) {
		got = read(fd, buf + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
		if (cap - n < 2) {
			char *more = realloc(buf, cap * 2);
			if (!more)
				break;
			buf = more;
			cap *= 2;
		}
	}
	buf[n] = '\0';
	return buf;
}

/* Same fallbacks as mmrig-replay, so a crash that printed no report of its
 * own still minimizes against a stable name. */
static void signature_of(const char *out, int ws, char *sig, size_t cap)
{
	const char *p = out ? strstr(out, "SIGNATURE: ") : NULL;

	if (p) {
		p += strlen("SIGNATURE: ");
		snprintf(sig, cap, "%.*s", (int)strcspn(p, "\n"), p);
	} else if (WIFSIGNALED(ws) && WTERMSIG(ws) == SIGALRM) {
		snprintf(sig, cap, "timeout");
	} else if (WIFSIGNALED(ws)) {
		snprintf(sig, cap, "crash.signal-%d", WTERMSIG(ws));
	} else {
		snprintf(sig, cap, "crash.exit-%d", WEXITSTATUS(ws));
	}
}

int min_run(struct min_runner *r, const struct program *p, char *sig, size_t cap)
{
	int pipefd[2], ws;

	sig[0] = '\0';
	if (r->runs >= r->max_runs)
		return -1;
	r->runs++;
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
		close(pipefd[0]);
		child(r, p, pipefd[1]);
	}
	close(pipefd[1]);
	char *out = drain(pipefd[0]);
	close(pipefd[0]);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0) {
		free(out);
		return 0;
	}
	signature_of(out, ws, sig, cap);
	free(out);
	return 1;
}
