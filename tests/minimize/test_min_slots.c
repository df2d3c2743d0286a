/* mmrig-min's slot table is a copy of knowledge private to harness/lang.
 * This holds it against the printer: for every op kind, the handle names
 * op_format writes for dst and src must carry the prefix the table says,
 * and a kind the table gives no slot must print no handle there. */
#include <string.h>

#include "check.h"
#include "min.h"

static const char prefix[MS_COUNT] = { 0, 'p', 'o', 'c', 'm', 'r' };

/* Whether the line has the whitespace-separated token want. */
static int has_token(const char *line, const char *want)
{
	size_t len = strlen(want);

	for (const char *p = line; (p = strstr(p, want)); p++)
		if ((p == line || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
			return 1;
	return 0;
}

/* Any handle name with this slot number, of any kind. */
static int has_any_handle(const char *line, unsigned int slot)
{
	char tok[8];

	for (int k = MS_PAGE; k < MS_COUNT; k++) {
		snprintf(tok, sizeof tok, "%c%u", prefix[k], slot);
		if (has_token(line, tok))
			return 1;
	}
	return 0;
}

static void check_field(unsigned int kind, const char *line, bool src, unsigned int slot)
{
	int sk = min_slot_kind(kind, src);
	char tok[8];

	if (sk == MS_NONE) {
		if (has_any_handle(line, slot))
			fprintf(stderr, "%s: table says no %s slot\n", line, src ? "src" : "dst");
		CHECK(!has_any_handle(line, slot));
		return;
	}
	snprintf(tok, sizeof tok, "%c%u", prefix[sk], slot);
	if (!has_token(line, tok))
		fprintf(stderr, "%s: want %s\n", line, tok);
	CHECK(has_token(line, tok));
	CHECK(min_slot_count(sk) > slot);
}

int main(void)
{
	char line[256];

	for (unsigned int k = 0; k < NR_OPS; k++) {
		/* 5 and 6 exist in every slot kind (the smallest has 8). */
		struct op op = { .kind = (uint8_t)k, .dst = 5, .src = 6 };

		min_canon(&op);
		op_format(&op, line, sizeof line);
		check_field(k, line, false, 5);
		check_field(k, line, true, 6);
	}
	return check_finish("test_min_slots");
}
