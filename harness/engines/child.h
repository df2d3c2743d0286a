/* One program run in a forked child, watched from the parent. */
#ifndef MMRIG_CHILD_H
#define MMRIG_CHILD_H

#include <stdbool.h>
#include <stddef.h>

struct child_limits {
	unsigned int timeout_s; /* wall time; 0: none */
	unsigned int rss_mb;    /* resident memory; 0: none */
	const char *allocator;  /* named in a stop signature; NULL: the kernel */
};

enum child_end { CHILD_EXITED, CHILD_SIGNALED, CHILD_TIMEOUT, CHILD_OOM };

struct child_result {
	enum child_end end;
	int status;   /* exit status, or 128 + signal */
	char *output; /* stdout and stderr of the child, malloc'ed */
	/* The parent had no memory to keep all of it: output is what it
	 * kept, ending in a line that says so. */
	bool truncated;
	/* For CHILD_TIMEOUT and CHILD_OOM: "timeout in <op>" / "oom in <op>",
	 * the op the child was in when the parent stopped it. */
	char stop_signature[128];
};

/* Runs fn(arg) in a child with stdout and stderr on a pipe; its return
 * value is the exit status. Returns -1 when no child could be started. */
int child_run(const struct child_limits *lim, int (*fn)(void *), void *arg,
	      struct child_result *res);

/* A finished child's signature, the same for every tool: what stopped it
 * (stop: "timeout in OP"), else its own SIGNATURE line, else a name from
 * how it ended (crash.signal-N, crash.exit-N), with the allocator's
 * suffix as signature_format gives it (allocator NULL: the kernel). */
void child_signature(const char *stop, const char *output, int status, const char *allocator,
		     char *buf, size_t cap);

#endif
