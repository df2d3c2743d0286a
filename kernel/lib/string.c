/* The libc subset the freestanding kernel needs. The hosted build links the
 * host libc instead (same contracts), so this file is only compiled for the
 * freestanding target. */
#include "lib.h"

/* GCC may turn these loops back into calls to the very function being
 * defined; forbid that transformation here. Clang already skips functions
 * with these names. */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NO_LIBCALL
#endif

NO_LIBCALL void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;

	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

NO_LIBCALL void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

NO_LIBCALL void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp == sp || n == 0)
		return d;
	/* Copy backwards when the destination overlaps the end of the source. */
	if ((uintptr_t)dp > (uintptr_t)sp && (uintptr_t)dp - (uintptr_t)sp < n) {
		while (n--)
			dp[n] = sp[n];
		return d;
	}
	while (n--)
		*dp++ = *sp++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *pa = a, *pb = b;

	for (; n; n--, pa++, pb++) {
		if (*pa != *pb)
			return *pa < *pb ? -1 : 1;
	}
	return 0;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}
