/* vsnprintk against the host's snprintf for every supported format: the
 * riscv replay image's snprintf is vsnprintk, and its reports must read as
 * the hosted build's. */
#include <limits.h>
#include <stdarg.h>

#include "check.h"
#include "lib.h"

#include <string.h>

static char got[256], want[256];

/* Format with both; compare the text and the returned length. */
#define SAME(...)                                                                  \
	do {                                                                       \
		int g = snprintk(got, sizeof(got), __VA_ARGS__);                   \
		int w = snprintf(want, sizeof(want), __VA_ARGS__);                 \
		CHECK_EQ_UL(g, w);                                                 \
		CHECK(strcmp(got, want) == 0);                                     \
		if (strcmp(got, want))                                             \
			fprintf(stderr, "  got \"%s\", want \"%s\"\n", got, want); \
	} while (0)

static void test_formats(void)
{
	int x = 0;

	SAME("plain text");
	SAME("%d %i %d %d", 0, -1, INT_MAX, INT_MIN);
	SAME("%u %u", 0u, UINT_MAX);
	SAME("%x %X %x", 0xdeadbeefu, 0xabcu, 0u);
	SAME("%lx %lu %ld %ld", ULONG_MAX, ULONG_MAX, LONG_MIN, LONG_MAX);
	SAME("%lld %llu %llx", LLONG_MIN, ULLONG_MAX, 0x123456789abcULL);
	SAME("%zu %zx", (size_t)SIZE_MAX, (size_t)4096);
	SAME("%hd %hu %hhu", (short)-5, (unsigned short)65535, (unsigned char)200);
	SAME("[%s] [%c] [%%]", "str", 'q');
	SAME("[%5d] [%-5d] [%05d] [%05d]", 42, 42, 42, -42);
	SAME("[%8s] [%-8s] [%2s]", "ab", "ab", "abcdef");
	SAME("[%08lx] [%4u]", 0xbeefUL, 123456u);
	SAME("%p", (void *)&x);
	SAME("%p", (void *)(uintptr_t)0x1000);
	SAME("%s, %lu pages at %zu", "order 3", 8UL, (size_t)12);
	SAME("[%p] [%12p] [%-8p]|", (void *)0, (void *)0, (void *)0);
	SAME("[%-14p] [%18p]", (void *)(uintptr_t)0xabc, (void *)&x);
}

/* What the harness's own formats use beyond the kernel's. */
static void test_c_formats(void)
{
	SAME("[%+d] [% d] [%+d] [% i]", 5, 5, -5, 0);
	SAME("[%.3d] [%.0d] [%.0x] [%5.2d] [%-6.3x] [%.5d]", 7, 0, 0u, 3, 0xau, -42);
	SAME("[%#x] [%#X] [%#o] [%o] [%#o] [%#x] [%#08x]", 255u, 255u, 8u, 8u, 0u, 0u, 0x1fu);
	SAME("[%*d] [%-*d] [%*d] [%.*s] [%.*d]", 6, 42, 6, 42, -6, 42, 3, "abcdef", -1, 7);
	SAME("[%jd] [%ju] [%jx] [%td] [%zd]", INTMAX_MIN, UINTMAX_MAX, (uintmax_t)1 << 63,
	     (ptrdiff_t)-3, (ptrdiff_t)-4);
	SAME("[%hhd] [%hhx] [%hx] [%llo]", (signed char)-128, (unsigned char)0xff,
	     (unsigned short)0xbeef, 0777ULL);
	SAME("[%5c] [%-3c] [%c]", 'a', 'b', 'c');
	SAME("[%.2s] [%-6.3s] [%6.0s] [%.10s]", "abcdef", "xy", "q", "short");
	SAME("%d%%|%%%s", 50, "x");
}

/* Flags C says to ignore, which compilers warn about in a literal. */
static void test_ignored_flags(void)
{
	const char *volatile f; /* hidden from format checking */

	f = "[%05.1d] [%-05d] [%08.3x] [%+ d] [% +d]";
	SAME(f, 3, 9, 0xabu, 4, 4);
	f = "[%+s] [%#s] [%0c]";
	SAME(f, "a", "b", 'c');
	/* An unknown conversion prints as written; its argument stays unread. */
	f = "a%yb%dc";
	CHECK_EQ_UL(snprintk(got, sizeof(got), f, 12), 7);
	CHECK(strcmp(got, "a%yb12c") == 0);
}

static void test_bounds(void)
{
	char small[8];

	memset(small, 'x', sizeof(small));
	CHECK_EQ_UL(snprintk(small, sizeof(small), "%s", "0123456789"), 10);
	CHECK(strcmp(small, "0123456") == 0);

	memset(small, 'x', sizeof(small));
	CHECK_EQ_UL(snprintk(small, 0, "abc"), 3);
	CHECK(small[0] == 'x');

	CHECK_EQ_UL(snprintk(small, 1, "abc"), 1 + 2);
	CHECK(small[0] == '\0');

	/* NULL strings do not crash the kernel's reporting. */
	const char *volatile nul = NULL; /* hidden from format checking */
	CHECK_EQ_UL(snprintk(got, sizeof(got), "%s", nul), 6);
	CHECK(strcmp(got, "(null)") == 0);
}

int main(void)
{
	test_formats();
	test_c_formats();
	test_ignored_flags();
	test_bounds();
	return check_finish("test_printk");
}
