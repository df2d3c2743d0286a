/* The list of checks (harness/exec/checks.c): names unique, families
 * matching their members and nothing else, and a name outside the list
 * recorded as harness.unknown-check rather than as itself. */
#include <string.h>

#include "../check.h"
#include "world.h"

int main(void)
{
	size_t n;
	const struct check_info *c = check_list(&n);

	CHECK(n > 60);
	for (size_t i = 0; i < n; i++) {
		CHECK(c[i].meaning && c[i].meaning[0]);
		for (size_t j = i + 1; j < n; j++)
			CHECK(strcmp(c[i].name, c[j].name) != 0);
		/* Every name matches its own entry or an earlier family. */
		CHECK(strchr(c[i].name, '<') || check_find(c[i].name) != NULL);
	}
	CHECK(check_find("byte.overlap") != NULL && check_find("byte.overlap")->plugged);
	CHECK(check_find("leak.pgtable at mm_exit") != NULL);
	CHECK(check_find("leak.vma at check") != NULL);
	CHECK(check_find("leak.user after alloc failure") != NULL);
	CHECK(check_find("leak.slab") != NULL);
	CHECK(check_find("leak.") == NULL);
	CHECK(check_find("leak.pgtable at") == NULL);
	CHECK(check_find("leak.Pgtable") == NULL);
	CHECK(check_find("byte.overlapped") == NULL);
	CHECK(check_find("") == NULL);

	/* diverge() with a name outside the list: the harness's own bug. */
	struct exec e;
	struct divergence d;

	memset(&e, 0, sizeof(e));
	memset(&d, 0, sizeof(d));
	e.div = &d;
	e.op_index = 3;
	diverge(&e, "byte.no-such-check", "something");
	CHECK(d.hit && strcmp(d.check, "harness.unknown-check") == 0);
	CHECK(strstr(d.expected, "byte.no-such-check") != NULL);
	memset(&d, 0, sizeof(d));
	diverge(&e, "byte.overlap", "o%d", 1);
	CHECK(d.hit && strcmp(d.check, "byte.overlap") == 0 && strcmp(d.expected, "o1") == 0);
	return check_finish("test_checks");
}
