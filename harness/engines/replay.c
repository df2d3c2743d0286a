/* mmrig-replay: runs programs (files or directories, binary or text) with
 * no fuzzing engine, one child process per file so a crash in one cannot
 * hide the rest. Never writes to its inputs. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "exec.h"
#include "replay_out.h"

static struct replay_opts opts = { .timeout = 30, .rss_mb = 2048 };
static struct exec *exec;
static struct program prog;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mmrig-replay [options] PATH...\n"
		"Runs each program (a file, or every file below a directory) against the\n"
		"kernel and the reference models; prints PASS or FAIL per file.\n"
		"  --json             one JSON document with every result\n"
		"  --text             print each program as text instead of running it\n"
		"  --form auto|binary|text  how to read inputs (auto: *.mmr is text)\n"
		"  --allocator NAME   allocator under test (default: $MMRIG_ALLOCATOR, else\n"
		"                     kbuddy, the kernel); a program with an op it cannot\n"
		"                     run is N/A, not PASS\n"
		"  --list-allocators  list the allocators built in: name, grain, summary\n"
		"  --list-checks[=plugged|=families]  every check (or those judged on\n"
		"                     plugged allocators, or the oracles with their\n"
		"                     checks) as the rows of a Markdown table\n"
		"  --list-ops         every op: its text form with its fields 0, and\n"
		"                     which kinds of allocator run it (a Markdown table)\n"
		"  --geometry G       run every program on geometry G (\"pages=N [align=A]\n"
		"                     [hole=START+LEN]...\", docs/op-language.md), not its own\n"
		"  --arena-mb N       run every program on an N MiB arena laid out as before\n"
		"                     geometries (a hole half-way in), N up to 4096\n"
		"  --timeout SECS     per-program wall-time limit (default 30): \"timeout in OP\"\n"
		"  --rss-mb N         per-program resident-memory limit (default 2048, 0: none):\n"
		"                     \"oom in OP\"\n"
		"  --no-fork          run in this process (a crash ends the replay)\n"
		"  --quiet            no report text for failures, just the lines\n"
		"exit: 0 all passed, 1 a program failed, 2 bad usage or unreadable input\n");
}

/* Loads and runs one program; the verdict is the exit status. */
static int run_one(const char *path, FILE *out)
{
	static struct op_set ops;
	struct parse_error err;
	struct divergence d;
	int rc;

	/* A binary program is decoded as a fuzz target of this allocator
	 * decoded it. */
	allocator_op_set(opts.allocator, &ops);
	rc = prog_load_set(path, opts.form, &ops, &prog, &err);

	if (rc == -1) {
		fprintf(out, "%s: cannot read: %s\n", path, strerror(errno));
		return 2;
	}
	if (rc == -2) {
		prog_error_print(out, path, &err);
		return 2;
	}
	if (opts.text_only) {
		prog_print(&prog, out);
		return 0;
	}
	if (!exec) {
		struct exec_config cfg = { .allocator = opts.allocator,
					   .geometry = opts.has_geometry ? &opts.geometry : NULL,
					   .arena_size = opts.arena_mb << 20 };
		exec = exec_create(&cfg);
		if (!exec)
			return 3;
		crash_handlers_install();
	}
	int failed = exec_run(exec, &prog, &d);

	if (failed == EXEC_NOT_APPLICABLE && d.op_index < 0) {
		fprintf(out, "op:        boot (%s)\nnot applicable here: it needs %s\n", d.actual,
			d.expected);
		return REPLAY_NOT_APPLICABLE;
	}
	if (failed == EXEC_NOT_APPLICABLE) {
		char line[160];

		op_format(&prog.ops[d.op_index], line, sizeof(line));
		fprintf(out, "op:        #%ld  %s\nallocator %s cannot run '%s' (%s)\n", d.op_index,
			line, exec_allocator(exec)->name, op_name(prog.ops[d.op_index].kind),
			exec_allocator(exec)->kind == ALLOC_PAGE
				? "a page allocator runs page ops"
				: "a byte allocator runs the kmalloc-family ops it has functions for");
		return REPLAY_NOT_APPLICABLE;
	}
	if (failed)
		exec_report(&prog, &d, out);
	/* For --json: lets two builds' runs be compared, not just verdicts. */
	if (opts.json)
		fprintf(out, "DIGEST: %016llx\n", (unsigned long long)exec_digest(exec));
	return failed;
}

static int child(void *path)
{
	return run_one(path, stderr);
}

static int replay_file(const char *path, struct replay_results *res)
{
	struct replay_result r = { .path = path };

	read_expectation(path, &r);
	if (opts.no_fork || opts.text_only) {
		r.status = run_one(path, opts.text_only ? stdout : stderr);
		r.output = strdup("");
	} else {
		struct child_limits lim = { .timeout_s = opts.timeout,
					    .rss_mb = opts.rss_mb,
					    .allocator = opts.allocator->kind != ALLOC_KERNEL
								 ? opts.allocator->name
								 : NULL };
		struct child_result cr;

		if (child_run(&lim, child, (void *)path, &cr))
			return 2;
		r.status = cr.status;
		r.output = cr.output;
		snprintf(r.stop_signature, sizeof(r.stop_signature), "%s", cr.stop_signature);
	}
	replay_result_add(res, &r, &opts);
	return r.status == 2 ? 2 : 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files below a directory in name order, so two replays print alike.
 * Hidden entries and engine bookkeeping files are not programs. */
static int replay_path(const char *path, struct replay_results *res, bool top)
{
	struct stat st;

	if (stat(path, &st)) {
		fprintf(stderr, "mmrig-replay: %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (!top && !S_ISREG(st.st_mode))
			return 0;
		return replay_file(path, res);
	}
	DIR *dir = opendir(path);
	if (!dir) {
		fprintf(stderr, "mmrig-replay: %s: %s\n", path, strerror(errno));
		return 2;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "README.txt") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(dir);
	qsort(names, n, sizeof(*names), cmp_names);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(path) + strlen(names[i]) + 2;
		char *sub = malloc(len);
		bool slash = path[strlen(path) - 1] == '/';
		snprintf(sub, len, "%s%s%s", path, slash ? "" : "/", names[i]);
		if (replay_path(sub, res, false))
			rc = 2;
		free(names[i]);
		free(sub);
	}
	free(names);
	return rc;
}

/* README's table: each oracle with the checks it records (a signature
 * family with none shows its prefix). */
static void list_families(void)
{
	size_t nf, n;
	const struct check_family *f = check_families(&nf);
	const struct check_info *c = check_list(&n);

	printf("| oracle | what must hold | checks |\n|---|---|---|\n");
	for (size_t i = 0; i < nf; i++) {
		size_t len = strlen(f[i].prefix), shown = 0;

		printf("| %s | %s | ", f[i].oracle, f[i].holds);
		for (size_t k = 0; k < n; k++)
			if (!strncmp(c[k].name, f[i].prefix, len))
				printf("%s`%s`", shown++ ? " " : "", c[k].name);
		if (!shown)
			printf("`%s*`", f[i].prefix);
		printf(" |\n");
	}
}

static void list_checks(bool plugged_only)
{
	size_t n;
	const struct check_info *c = check_list(&n);

	printf("| check | meaning |\n|---|---|\n");
	for (size_t i = 0; i < n; i++)
		if (!plugged_only || c[i].plugged)
			printf("| `%s` | %s |\n", c[i].name, c[i].meaning);
}

/* Which byte allocators run an op: every one, or only those with one of
 * the optional functions. Never called: allocator_op_set asks only which
 * functions are there. */
static const char *byte_support(unsigned int kind)
{
	static const struct mmrig_byte_allocator base = { .malloc = malloc, .free = free };
	static const struct mmrig_byte_allocator with_calloc = { .malloc = malloc,
								 .free = free,
								 .calloc = calloc };
	static const struct mmrig_byte_allocator with_realloc = { .malloc = malloc,
								  .free = free,
								  .realloc = realloc };
	static const struct mmrig_byte_allocator with_aligned = { .malloc = malloc,
								  .free = free,
								  .aligned_alloc = aligned_alloc };
	static const struct {
		const struct mmrig_byte_allocator *b;
		const char *says;
	} kinds[] = {
		{ &base, "yes" },
		{ &with_calloc, "with `calloc`" },
		{ &with_realloc, "with `realloc`" },
		{ &with_aligned, "with `aligned_alloc`" },
	};
	struct op_set ops;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct allocator a = { .name = "list-ops", .kind = ALLOC_BYTE, .byte = kinds[i].b };

		allocator_op_set(&a, &ops);
		if (op_set_has(&ops, kind))
			return kinds[i].says;
	}
	return "no";
}

/* docs/op-language.md's op table: the op language's own table, read
 * through its printer, and the op sets the executor gives each kind. */
static void list_ops(void)
{
	struct allocator kernel = { .name = "list-ops", .kind = ALLOC_KERNEL };
	struct allocator page = { .name = "list-ops", .kind = ALLOC_PAGE };
	struct op_set kernel_ops, page_ops;

	allocator_op_set(&kernel, &kernel_ops);
	allocator_op_set(&page, &page_ops);
	printf("| op | text form (fields 0, made canonical) | kernel | page allocators | byte allocators |\n"
	       "|---|---|---|---|---|\n");
	for (unsigned int k = 0; k < NR_OPS; k++) {
		struct op o = { .kind = (uint8_t)k };
		char line[160];

		op_format(&o, line, sizeof(line));
		printf("| `%s` | `%s` | %s | %s | %s |\n", op_name(k), line,
		       op_set_has(&kernel_ops, k) ? "yes" : "no",
		       op_set_has(&page_ops, k) ? "yes" : "no", byte_support(k));
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "text", no_argument, NULL, 't' },
		{ "form", required_argument, NULL, 'f' },
		{ "allocator", required_argument, NULL, 'a' },
		{ "list-allocators", no_argument, NULL, 'l' },
		{ "list-checks", optional_argument, NULL, 'c' },
		{ "list-ops", no_argument, NULL, 'o' },
		{ "arena-mb", required_argument, NULL, 'm' },
		{ "geometry", required_argument, NULL, 'g' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "rss-mb", required_argument, NULL, 'R' },
		{ "no-fork", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	char *end;
	const char *allocator_name = NULL;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opts.json = true;
			break;
		case 't':
			opts.text_only = true;
			break;
		case 'n':
			opts.no_fork = true;
			break;
		case 'q':
			opts.quiet = true;
			break;
		case 'f':
			if (!strcmp(optarg, "auto"))
				opts.form = PROG_FORM_AUTO;
			else if (!strcmp(optarg, "binary"))
				opts.form = PROG_FORM_BINARY;
			else if (!strcmp(optarg, "text"))
				opts.form = PROG_FORM_TEXT;
			else {
				fprintf(stderr, "mmrig-replay: --form: auto, binary or text\n");
				return 2;
			}
			break;
		case 'a':
			allocator_name = optarg;
			break;
		case 'l':
			for (const struct allocator *const *a = allocator_list(); *a; a++)
				printf("%-16s %-6s %s\n", (*a)->name, allocator_grain((*a)->kind),
				       (*a)->summary);
			return 0;
		case 'c':
			if (optarg && !strcmp(optarg, "families")) {
				list_families();
				return 0;
			}
			if (optarg && strcmp(optarg, "plugged")) {
				fprintf(stderr, "mmrig-replay: --list-checks: nothing, =plugged or "
						"=families\n");
				return 2;
			}
			list_checks(optarg != NULL);
			return 0;
		case 'o':
			list_ops();
			return 0;
		case 'm':
			opts.arena_mb = strtoul(optarg, &end, 10);
			if (*end || opts.arena_mb < 4 || opts.arena_mb > 4096) {
				fprintf(stderr,
					"mmrig-replay: --arena-mb: a number of MiB, 4..4096\n");
				return 2;
			}
			break;
		case 'g': {
			struct parse_error err;

			if (geom_parse(optarg, &opts.geometry, &err)) {
				fprintf(stderr, "--geometry:%d:%d: error: %s\n", err.line, err.col,
					err.msg);
				return 2;
			}
			opts.has_geometry = true;
			break;
		}
		case 'T':
			opts.timeout = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !opts.timeout) {
				fprintf(stderr,
					"mmrig-replay: --timeout: a positive number of seconds\n");
				return 2;
			}
			break;
		case 'R':
			opts.rss_mb = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !*optarg) {
				fprintf(stderr,
					"mmrig-replay: --rss-mb: a number of MiB (0: no limit)\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	opts.allocator = allocator_select(allocator_name, "mmrig-replay");
	if (!opts.allocator)
		return 2;
	struct replay_results res = { 0 };
	int rc = 0;
	for (int i = optind; i < argc; i++)
		if (replay_path(argv[i], &res, true))
			rc = 2;
	replay_results_finish(&res, &opts);
	if (rc || res.errors)
		return 2;
	return res.failed ? 1 : 0;
}
