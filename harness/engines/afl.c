/* AFL++ persistent-mode entry point: the test case arrives in shared
 * memory and one process runs many of them. Built with another compiler
 * it reads one input from a file or stdin, so it can replay a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h> /* __AFL_FUZZ_INIT reads the test case with read() */

#include "fuzz_one.h"
#include "prog.h"

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();
#endif

#define MAX_INPUT (1u << 20)

static int run_file(const char *path)
{
	static unsigned char buf[MAX_INPUT];
	FILE *f = path ? fopen(path, "rb") : stdin;

	if (!f) {
		perror(path);
		return 2;
	}
	size_t n = fread(buf, 1, sizeof(buf), f);
	if (path)
		fclose(f);
	if (fuzz_one(buf, n) < 0) {
		char why[384];

		prog_format_explain(buf, n, why, sizeof(why));
		fprintf(stderr, "%s: error: %s\n", path ? path : "stdin", why);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	fuzz_init();
#ifdef __AFL_FUZZ_TESTCASE_LEN
	/* Outside afl-fuzz (no shared memory) it still replays files, all in
	 * this one process as the persistent loop would run them. */
	if (argc > 1 && !getenv("__AFL_SHM_ID")) {
		for (int i = 1; i < argc; i++)
			if (run_file(argv[i]))
				return 2;
		return 0;
	}
	__AFL_INIT();
	unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(10000))
		fuzz_one(buf, (size_t)__AFL_FUZZ_TESTCASE_LEN);
	return 0;
#else
	return run_file(argc > 1 ? argv[1] : NULL);
#endif
}
