/* Number tokens of the text form. Plain numbers are decimal or 0x-hex;
 * sizes add a K / M unit and a +N / -N offset (4K+1, 2M, 0x1000-8), which is
 * how people write sizes around class and page boundaries. Values are
 * computed in 64 bits and capped, so no token can overflow. */
#include "lang_internal.h"

#define NUM_CAP UINT64_C(0xffffffff)

static int digit_value(char c, int base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return v < base ? v : -1;
}

/* The whole of s[0..len) must be one number. */
static enum num_status parse_u64(const char *s, size_t len, uint64_t *v)
{
	int base = 10;
	uint64_t x = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (len == 0)
		return NUM_BAD;
	for (size_t i = 0; i < len; i++) {
		int d = digit_value(s[i], base);
		if (d < 0)
			return NUM_BAD;
		x = x * (uint64_t)base + (uint64_t)d;
		if (x > NUM_CAP)
			x = NUM_CAP + 1; /* saturate: keep scanning for bad digits */
	}
	*v = x;
	return NUM_OK;
}

enum num_status num_parse(const char *s, size_t len, uint32_t *v)
{
	uint64_t x;
	enum num_status st = parse_u64(s, len, &x);

	if (st != NUM_OK)
		return st;
	if (x > NUM_CAP)
		return NUM_RANGE;
	*v = (uint32_t)x;
	return NUM_OK;
}

/* Length of the leading number of a size token: up to the unit or the
 * sign. Hex digits never include K, M, + or -. */
static size_t base_len(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && s[i] != 'K' && s[i] != 'k' && s[i] != 'M' && s[i] != 'm' && s[i] != '+' &&
	       s[i] != '-')
		i++;
	return i;
}

/* NUM [K|M] [(+|-) NUM], 0..PROG_MAX_SIZE. Encodability is the caller's. */
enum num_status size_parse(const char *s, size_t len, uint32_t *v)
{
	size_t i = base_len(s, len);
	uint64_t base, off = 0, unit = 1;
	int neg = 0;

	if (parse_u64(s, i, &base) != NUM_OK)
		return NUM_BAD;
	if (i < len && (s[i] == 'K' || s[i] == 'k')) {
		unit = 1024;
		i++;
	} else if (i < len && (s[i] == 'M' || s[i] == 'm')) {
		unit = 1024 * 1024;
		i++;
	}
	if (i < len && (s[i] == '+' || s[i] == '-')) {
		neg = s[i] == '-';
		i++;
		if (parse_u64(s + i, len - i, &off) != NUM_OK)
			return NUM_BAD;
		i = len;
	}
	if (i != len)
		return NUM_BAD;

	/* base and off are at most 2^32, unit 2^20: no 64-bit overflow */
	base *= unit;
	if (neg ? off > base : base + off > PROG_MAX_SIZE)
		return NUM_RANGE;
	base = neg ? base - off : base + off;
	if (base > PROG_MAX_SIZE)
		return NUM_RANGE;
	*v = (uint32_t)base;
	return NUM_OK;
}
