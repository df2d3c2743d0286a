/* mmrig-min: shrinks a failing program to a small one with exactly the
 * same SIGNATURE, at op level: chunks of ops deleted, then arguments
 * lowered and handles renumbered, until nothing changes. The result is
 * canonical text with a header. The input is only ever read.
 * Exit 0 minimized, 1 the input does not fail, 2 bad usage or input. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "min.h"

struct min_opts {
	const char *in, *out;
	struct min_runner runner;
	const char *allocator;
	size_t arena_mb;
	struct prog_geometry geometry;
	bool has_geometry;
};

static void usage(FILE *f)
{
	fputs("usage: mmrig-min [options] FILE\n"
	      "Minimizes a failing program (binary, or text when FILE ends in .mmr)\n"
	      "at op level, keeping its SIGNATURE; writes canonical text.\n"
	      "  -o OUT             write the result to OUT (default stdout; never FILE)\n"
	      "  --timeout SECS     limit per run (default 10)\n"
	      "  --rss-mb N         memory limit per run (default 2048, 0: none)\n"
	      "  --max-runs N       run budget (default 5000); the best so far is kept\n"
	      "  --allocator NAME   allocator under test (default $MMRIG_ALLOCATOR, else kbuddy)\n"
	      "  --arena-mb N       physical memory size, as mmrig-replay's\n"
	      "  --geometry G       minimize the program as if its header said G (the\n"
	      "                     result carries it; mmrig-replay --geometry's syntax)\n"
	      "exit: 0 minimized, 1 FILE does not fail, 2 bad usage or input\n",
	      f);
}

/* -o onto the input would destroy the reproducer: refuse it under any path. */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (strcmp(a, b) == 0)
		return true;
	if (stat(a, &sa) || stat(b, &sb))
		return false;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int parse_opts(int argc, char **argv, struct min_opts *o)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 'T' },
		{ "max-runs", required_argument, NULL, 'R' },
		{ "rss-mb", required_argument, NULL, 'M' },
		{ "allocator", required_argument, NULL, 'a' },
		{ "arena-mb", required_argument, NULL, 'A' },
		{ "geometry", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	char *end;
	unsigned long v;

	while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 'T':
			v = strtoul(optarg, &end, 10);
			if (*end || !v || v > 86400) {
				fprintf(stderr, "mmrig-min: --timeout: seconds, 1..86400\n");
				return 2;
			}
			o->runner.timeout = (unsigned int)v;
			break;
		case 'R':
			v = strtoul(optarg, &end, 10);
			if (*end || !v) {
				fprintf(stderr, "mmrig-min: --max-runs: a positive number\n");
				return 2;
			}
			o->runner.max_runs = v;
			break;
		case 'M':
			v = strtoul(optarg, &end, 10);
			if (*end || !*optarg || v > 1u << 20) {
				fprintf(stderr,
					"mmrig-min: --rss-mb: MiB, 0..1048576 (0: no limit)\n");
				return 2;
			}
			o->runner.rss_mb = (unsigned int)v;
			break;
		case 'A':
			v = strtoul(optarg, &end, 10);
			if (*end || v < 4 || v > 4096) {
				fprintf(stderr,
					"mmrig-min: --arena-mb: a number of MiB, 4..4096\n");
				return 2;
			}
			o->arena_mb = v;
			break;
		case 'a':
			o->allocator = optarg;
			break;
		case 'g': {
			struct parse_error err;

			if (geom_parse(optarg, &o->geometry, &err)) {
				fprintf(stderr, "--geometry:%d:%d: error: %s\n", err.line, err.col,
					err.msg);
				return 2;
			}
			o->has_geometry = true;
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	o->in = argv[optind];
	if (o->out && same_file(o->in, o->out)) {
		fprintf(stderr, "mmrig-min: refusing to overwrite the input %s\n", o->in);
		return 2;
	}
	return -1;
}

/* The input as canonical ops (what a binary round trip gives), so the
 * passes compare and print it the way they will print the result. */
static int load(const char *path, const struct allocator *a, struct program *p)
{
	static struct op_set ops;
	struct parse_error err;
	int rc;

	allocator_op_set(a, &ops);
	rc = prog_load_set(path, PROG_FORM_AUTO, &ops, p, &err);

	if (rc == -1) {
		fprintf(stderr, "mmrig-min: %s: cannot read: %s\n", path, strerror(errno));
		return 2;
	}
	if (rc == -2) {
		prog_error_print(stderr, path, &err);
		return 2;
	}
	for (size_t i = 0; i < p->n; i++) {
		/* Minimizing toward "not applicable" would only find the op. */
		if (!op_set_has(&ops, p->ops[i].kind)) {
			fprintf(stderr,
				"mmrig-min: %s: op #%zu '%s' is not applicable to allocator %s\n",
				path, i, op_name(p->ops[i].kind), a->name);
			return 2;
		}
		min_canon(&p->ops[i]);
	}
	return 0;
}

static void minimize(struct min_state *s)
{
	bool changed = true;

	/* Deletion before shrinking: every op deleted is one fewer op whose
	 * arguments cost runs. Repeat because a lowered argument can make an
	 * op removable, and the other way round. */
	while (changed && !s->budget_out) {
		changed = min_delete(s);
		changed |= min_shrink(s);
		changed |= min_slots(s);
		changed |= min_geometry(s);
	}
}

static int write_result(const struct min_opts *o, const struct min_state *s, size_t before)
{
	FILE *f = o->out ? fopen(o->out, "w") : stdout;

	if (!f) {
		fprintf(stderr, "mmrig-min: %s: %s\n", o->out, strerror(errno));
		return 2;
	}
	/* No path, time or run count: two runs give the same bytes. */
	fprintf(f, "# minimized by mmrig-min from %zu ops to %zu\n", before, s->cur->n);
	fprintf(f, "# signature: %s\n", s->target);
	if (s->budget_out)
		fprintf(f, "# the run budget ran out: smaller may exist\n");
	prog_print(s->cur, f);
	int bad = fflush(f) != 0 || ferror(f);
	if (o->out && fclose(f) != 0)
		bad = 1;
	if (bad) {
		fprintf(stderr, "mmrig-min: %s: write failed\n", o->out ? o->out : "stdout");
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	/* Static: what the executor and the cache allocate stays reachable,
	 * so LeakSanitizer does not turn a clean exit into a failed one. */
	static struct program cur, cand;
	static struct min_opts o = { .runner = {
					     .timeout = 10, .rss_mb = 2048, .max_runs = 5000 } };
	static struct min_state s = { .runner = &o.runner, .cur = &cur, .cand = &cand };
	struct timespec t0, t1;
	int rc = parse_opts(argc, argv, &o);

	if (rc >= 0)
		return rc;
	struct exec_config cfg = { .allocator = allocator_select(o.allocator, "mmrig-min"),
				   .arena_size = o.arena_mb << 20 };

	if (!cfg.allocator)
		return 2;
	if ((rc = load(o.in, cfg.allocator, &cur)))
		return rc;
	if (o.has_geometry)
		cur.geom = o.geometry;
	o.runner.exec = exec_create(&cfg);
	s.seen = calloc(MIN_SEEN_SLOTS, sizeof(*s.seen));
	if (!o.runner.exec || !s.seen) {
		fprintf(stderr, "mmrig-min: cannot set up the executor\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = min_run(&o.runner, &cur, s.target, sizeof s.target);
	if (rc < 0) {
		fprintf(stderr, "mmrig-min: %s: cannot run the program\n", o.in);
		return 2;
	}
	if (rc == 0) {
		fprintf(stderr, "mmrig-min: %s passes: nothing to minimize\n", o.in);
		return 1;
	}
	size_t before = cur.n;
	minimize(&s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "mmrig-min: %s: %zu -> %zu ops, %lu runs, %.1f s%s\n  signature: %s\n",
		o.in, before, cur.n, o.runner.runs,
		(double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
		s.budget_out ? " (budget ran out)" : "", s.target);
	return write_result(&o, &s, before);
}
