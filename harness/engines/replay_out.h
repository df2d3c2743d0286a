/* mmrig-replay's results and their two renderings (text lines, JSON). */
#ifndef MMRIG_REPLAY_OUT_H
#define MMRIG_REPLAY_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "allocator.h"
#include "prog.h"

/* A child's exit status for a program the allocator cannot run. */
#define REPLAY_NOT_APPLICABLE 4

struct replay_opts {
	bool json, text_only, no_fork, quiet;
	enum prog_form form;
	const struct allocator *allocator;
	size_t arena_mb;               /* 0: each program's geometry */
	struct prog_geometry geometry; /* with has_geometry: every program's */
	bool has_geometry;
	unsigned int timeout, rss_mb;
};

struct replay_result {
	const char *path;
	int status; /* child exit status, or 128 + signal */
	/* "timeout in OP" or "oom in OP" when the watching parent stopped it */
	char stop_signature[128];
	char *output; /* what the child printed */
	/* A text program's "# expect: pass" or "# expect: SIGNATURE" (a
	 * known-open bug) header; empty when it has none. */
	char expect[256];
};

struct replay_results {
	struct replay_result *v;
	size_t n, cap;
	unsigned long passed, failed, errors;
	unsigned long known_open;     /* failed with the signature they expect */
	unsigned long not_applicable; /* an op the allocator cannot run */
};

char *read_all(int fd);
/* Fills r->expect from the header comments of a text program at path. */
void read_expectation(const char *path, struct replay_result *r);
void replay_result_add(struct replay_results *res, const struct replay_result *r,
		       const struct replay_opts *opts);
void replay_results_finish(struct replay_results *res, const struct replay_opts *opts);

#endif
