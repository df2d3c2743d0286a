/* Handle names of the text form. p<N>, o<N>, c<N>, m<N>, r<N> (N below the slot count,
 * no leading zeros) are slots themselves. Any other name is a user name:
 * the op that first binds it gives its kind, and it takes the lowest slot
 * of that kind that no canonical name in the whole program and no earlier
 * user name holds - so hand-written seeds can say "inode = kzalloc 200"
 * without colliding with the p/o/c/m/r names a reproducer also uses. */
#include <string.h>

#include "lang_internal.h"

_Static_assert(NR_PAGE_SLOTS <= 64 && NR_OBJ_SLOTS <= 64 && NR_CACHE_SLOTS <= 64 &&
		       NR_MM_SLOTS <= 64 && NR_REGION_SLOTS <= 64,
	       "slot bitmaps are 64 bits");

/* The slot kind a name's first letter stands for, or SLOT_NONE. */
static int prefix_kind(char c)
{
	switch (c) {
	case 'p':
		return SLOT_PAGE;
	case 'o':
		return SLOT_OBJ;
	case 'c':
		return SLOT_CACHE;
	case 'm':
		return SLOT_MM;
	case 'r':
		return SLOT_REGION;
	}
	return SLOT_NONE;
}

static int is_ident(const char *s, size_t len)
{
	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return 0;
	}
	return 1;
}

/* Is s a canonical slot name? Three digits at most: every slot count is
 * below 1000, and longer runs cannot overflow the value. */
static int canonical(const char *s, size_t len, int *kind, unsigned int *slot)
{
	unsigned int v = 0;
	int k;

	if (len < 2 || len > 4 || (s[1] == '0' && len > 2))
		return 0;
	k = prefix_kind(s[0]);
	if (k == SLOT_NONE)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v >= slot_count(k))
		return 0;
	*kind = k;
	*slot = v;
	return 1;
}

/* p, o, c, m or r followed by digits only. */
static int slot_shaped(const char *s, size_t len)
{
	if (len < 2 || prefix_kind(s[0]) == SLOT_NONE)
		return 0;
	for (size_t i = 1; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

void names_init(struct names *nm)
{
	memset(nm, 0, sizeof *nm);
}

/* Pre-scan: every canonical name anywhere keeps its slot from user names. */
void names_reserve(struct names *nm, const char *s, size_t len)
{
	int kind;
	unsigned int slot;

	if (canonical(s, len, &kind, &slot))
		nm->used[kind] |= 1ull << slot;
}

static const struct user_name *find_user(const struct names *nm, const char *s, size_t len)
{
	for (size_t i = 0; i < nm->n; i++)
		if (nm->u[i].len == len && memcmp(nm->u[i].s, s, len) == 0)
			return &nm->u[i];
	return NULL;
}

/* Resolves a name already bound (or canonical); *got reports the kind a
 * mismatch found. */
enum name_status names_lookup(const struct names *nm, const char *s, size_t len, int want,
			      unsigned int *slot, int *got)
{
	const struct user_name *u;
	int kind;

	if (!is_ident(s, len))
		return NAME_BAD;
	if (canonical(s, len, &kind, slot)) {
		*got = kind;
		return kind == want ? NAME_OK : NAME_WRONG_KIND;
	}
	if (slot_shaped(s, len))
		return NAME_NOT_SLOT;
	u = find_user(nm, s, len);
	if (!u)
		return NAME_UNKNOWN;
	*got = u->kind;
	*slot = u->slot;
	return u->kind == want ? NAME_OK : NAME_WRONG_KIND;
}

/* The slot a result name would bind to, without binding it yet: the
 * arguments of the same statement must not see a name it introduces
 * ("x = krealloc x 8" needs an earlier x). */
enum name_status names_plan(const struct names *nm, const char *s, size_t len, int want,
			    unsigned int *slot, int *got)
{
	enum name_status st = names_lookup(nm, s, len, want, slot, got);

	if (st != NAME_UNKNOWN)
		return st;
	for (unsigned int i = 0; i < slot_count(want); i++) {
		if (!(nm->used[want] & 1ull << i)) {
			*slot = i;
			return NAME_OK;
		}
	}
	*got = want;
	return NAME_FULL;
}

/* Records a user name planned by names_plan; canonical and already-bound
 * names need nothing. */
void names_commit(struct names *nm, const char *s, size_t len, int kind, unsigned int slot)
{
	int k;
	unsigned int sl;
	struct user_name *u;

	if (canonical(s, len, &k, &sl) || find_user(nm, s, len))
		return;
	u = &nm->u[nm->n++];
	u->s = s;
	u->len = len;
	u->kind = (uint8_t)kind;
	u->slot = (uint8_t)slot;
	nm->used[kind] |= 1ull << slot;
}
