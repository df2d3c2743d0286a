/* mmrig-min's pieces: a runner that executes a candidate program in a
 * child process and reads its SIGNATURE, and the reduction passes that
 * keep a candidate only when it fails with the target signature. */
#ifndef MMRIG_MIN_H
#define MMRIG_MIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exec.h"

#define MIN_SIG_CAP 512

struct min_runner {
	struct exec *exec;    /* created once in the parent; children inherit it */
	unsigned int timeout; /* seconds per run */
	unsigned int rss_mb;  /* resident memory per run, 0: no limit */
	unsigned long runs;   /* runs made so far */
	unsigned long max_runs;
};

/* Runs p in a forked child. Returns 0 when it passed, 1 when it failed
 * (sig holds its signature), -1 when the budget is spent or no child
 * could be started (sig empty). */
int min_run(struct min_runner *r, const struct program *p, char *sig, size_t cap);

/* A failed candidate's hash, so a later round does not run it again. Only
 * misses are remembered: a hash collision can then skip a candidate but
 * never accept a wrong one. */
#define MIN_SEEN_SLOTS (1u << 16)

struct min_state {
	struct min_runner *runner;
	char target[MIN_SIG_CAP]; /* the signature every accepted candidate keeps */
	struct program *cur;      /* the smallest program that keeps it so far */
	struct program *cand;     /* scratch for the passes */
	bool budget_out;
	uint64_t *seen; /* MIN_SEEN_SLOTS hashes, 0 = empty */
	unsigned long nseen;
};

/* True when cand still fails with the target signature; then cur becomes
 * cand. Only candidates simpler than cur should be offered (termination). */
bool min_try(struct min_state *s, const struct program *cand);

/* "a is simpler than b": fewer ops, else the first differing field (in
 * program order) is lower. Every pass only moves down this order, so the
 * fixpoint loop ends. */
bool min_simpler(const struct program *a, const struct program *b);

/* The op as decode would produce it from encode's bytes: an argument
 * changed by hand is brought back into the op table's ranges. */
void min_canon(struct op *op);

/* The passes; each returns true when it changed cur. */
bool min_delete(struct min_state *s);   /* drop chunks of ops, halves down to single ops */
bool min_shrink(struct min_state *s);   /* lower each op's arguments */
bool min_slots(struct min_state *s);    /* move handles to lower slot numbers */
bool min_geometry(struct min_state *s); /* the geometry toward the default */

/* The slot kind an op's dst or src names (min_slots.c), exported so a
 * test can hold the table against the printer's handle names. */
enum min_slot_kind { MS_NONE, MS_PAGE, MS_OBJ, MS_CACHE, MS_MM, MS_REGION, MS_COUNT };
int min_slot_kind(unsigned int op_kind, bool src);
unsigned int min_slot_count(int slot_kind);

#endif
