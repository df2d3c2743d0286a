/* vsnprintk against the host's snprintf for every supported format. */
#include <limits.h>
#include <stdarg.h>

#include "check.h"
#include "lib.h"

#include <string.h>

static char got[256], want[256];

/* Format with both; compare the text and the returned length. */
#define SAME(...)                                                              \
	do {                                                                   \
		int g = snprintk(got, sizeof(got), __VA_ARGS__);               \
		int w = snprintf(want, sizeof(want), __VA_ARGS__);             \
		CHECK_EQ_UL(g, w);                                             \
		CHECK(strcmp(got, want) == 0);                                 \
		if (strcmp(got, want))                                         \
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
	test_bounds();
	return check_finish("test_printk");
}
