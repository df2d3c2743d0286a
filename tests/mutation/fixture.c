/* Fixture of the mutant generator (check_mutation.py generator): every
 * operator once or twice, and everything it must leave alone: this
 * comment (a < b, x && y, return 0;), strings, chars, preprocessor lines,
 * file-level initializers and declarations. */
#include "fixture.h"
#define LIMIT(a, b) ((a) < (b) ? \
		     (a) : (b))

struct pair { int a, b; };
static const int table[] = { 1 + 2, 3 << 1 };

static bool in_range(unsigned long x, unsigned long lo)
{
	return x >= lo && x < lo + 16;
}

int fill(struct pair *p, unsigned int flags)
{
	int n = 0;
	const char *s = "a < b || c";

	if (!p)
		return -EINVAL;
	while (n < 4) {
		p->a |= flags & (F_A | F_B);
		copy(p, s);
		n++;
	}
	list_for_each(pos, &head) {
		n--;
	}
	return 0;
}

struct pair *pick(struct pair *p, char c)
{
	if (c == '<')
		return p;
	return NULL;
}

static int twice(int a, int b)
{
	return add(a, b) << 1;
}
