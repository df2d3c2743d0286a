/* The parent keeps a child's output when it runs out of memory to hold
 * it all: what it captured stays, a marker line ends it, and the result
 * says it was truncated (linked with --wrap=realloc, which fails every
 * growth past a limit while armed). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "child.h"

void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);

static size_t limit; /* 0: no limit */
static int refused;

void *__wrap_realloc(void *p, size_t n)
{
	if (limit && n > limit) {
		refused++;
		return NULL;
	}
	return __real_realloc(p, n);
}

#define LINES 4000

/* 4000 numbered lines, about 100 KB. */
static int talk(void *arg)
{
	(void)arg;
	for (int i = 0; i < LINES; i++)
		printf("line %05d of the child's output, long enough to need a few reallocs\n", i);
	return 0;
}

static int run(size_t cap, struct child_result *res)
{
	struct child_limits lim = { .timeout_s = 60 };

	limit = cap;
	refused = 0;
	int rc = child_run(&lim, talk, NULL, res);

	limit = 0;
	return rc;
}

int main(void)
{
	struct child_result res;
	char first[96];

	snprintf(first, sizeof first, "line %05d of the child's", 0);

	/* Room enough: everything, no marker. */
	CHECK(run(0, &res) == 0);
	CHECK(!res.truncated && res.output && strstr(res.output, "line 03999 ") &&
	      !strstr(res.output, "truncated"));
	free(res.output);

	/* Growth past 16 KiB refused: the first 16 KiB kept, in order and
	 * without gaps, then the marker; nothing after it. */
	CHECK(run(16384, &res) == 0);
	CHECK(refused > 0);
	CHECK(res.truncated && res.output);
	if (res.output) {
		size_t len = strlen(res.output);
		const char *mark = strstr(res.output, "[mmrig: output truncated here");

		CHECK(strncmp(res.output, first, strlen(first)) == 0);
		CHECK(strstr(res.output, "line 00100 ") != NULL);
		CHECK(mark != NULL && len > 8000 && len < 16384);
		CHECK(mark && strchr(mark, '\n') == res.output + len - 1);
		/* a prefix of what the child wrote: line k follows line k-1 */
		int prev = -1, lines = 0;

		for (const char *l = res.output; l && l < mark; l = strchr(l, '\n')) {
			int k;

			if (*l == '\n')
				l++;
			if (sscanf(l, "line %d ", &k) == 1) {
				CHECK(k == prev + 1);
				prev = k;
				lines++;
			}
		}
		CHECK(lines > 100 && lines < LINES);
	}
	free(res.output);
	CHECK(res.status == 0 && res.end == CHILD_EXITED);
	return check_finish("test_child_sink");
}
