/* Minimal assertion helpers for the ctest programs: each failed CHECK prints
 * file:line and the expression, and the program exits 1 at the end. */
#ifndef MMRIG_TEST_CHECK_H
#define MMRIG_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		check_count++;                                                                   \
		if (!(cond)) {                                                                   \
			check_failures++;                                                        \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                                \
	} while (0)

#define CHECK_EQ_UL(a, b)                                                                         \
	do {                                                                                      \
		unsigned long _a = (unsigned long)(a), _b = (unsigned long)(b);                   \
		check_count++;                                                                    \
		if (_a != _b) {                                                                   \
			check_failures++;                                                         \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lu != %lu)\n", __FILE__, \
				__LINE__, #a, #b, _a, _b);                                        \
		}                                                                                 \
	} while (0)

static inline int check_finish(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
	if (check_count == 0) {
		fprintf(stderr, "%s: no checks ran\n", name);
		return 1;
	}
	return check_failures ? 1 : 0;
}

#endif
