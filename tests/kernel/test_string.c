/* kernel/lib/string.c checked against libc. The host build uses libc's
 * functions of those names, so string.c is built as a module of its own
 * (KSTRING_MODULE) and its functions are looked up in it by name. */
#include <dlfcn.h>
#include <string.h>

#include "check.h"

static void *(*kstr_memset)(void *s, int c, size_t n);
static void *(*kstr_memcpy)(void *restrict d, const void *restrict s, size_t n);
static void *(*kstr_memmove)(void *d, const void *s, size_t n);
static int (*kstr_memcmp)(const void *a, const void *b, size_t n);
static size_t (*kstr_strlen)(const char *s);

static unsigned char a[300], b[300], ref[300];

static void pattern(unsigned char *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 131 + i * 7);
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

/* dlsym with the module's handle finds the module's own definition first,
 * not libc's. A function missing from the module is a failure. */
static void *lookup(void *module, const char *name)
{
	void *f = dlsym(module, name);
	Dl_info info;

	CHECK(f != NULL);
	if (!f)
		exit(check_finish("test_string"));
	CHECK(dladdr(f, &info) && info.dli_fname && strstr(info.dli_fname, "kstring"));
	return f;
}

int main(void)
{
	void *module = dlopen(KSTRING_MODULE, RTLD_NOW | RTLD_LOCAL);

	if (!module) {
		fprintf(stderr, "test_string: %s\n", dlerror());
		return 1;
	}
	*(void **)&kstr_memset = lookup(module, "memset");
	*(void **)&kstr_memcpy = lookup(module, "memcpy");
	*(void **)&kstr_memmove = lookup(module, "memmove");
	*(void **)&kstr_memcmp = lookup(module, "memcmp");
	*(void **)&kstr_strlen = lookup(module, "strlen");
	for (size_t n = 0; n < 40; n++) {
		pattern(a, sizeof(a), 1);
		memcpy(ref, a, sizeof(a));
		CHECK(kstr_memset(a + 3, 0xa5, n) == a + 3);
		memset(ref + 3, 0xa5, n);
		CHECK(memcmp(a, ref, sizeof(a)) == 0);

		pattern(a, sizeof(a), 2);
		pattern(b, sizeof(b), 3);
		memcpy(ref, b, sizeof(b));
		CHECK(kstr_memcpy(b + 1, a + 5, n) == b + 1);
		memcpy(ref + 1, a + 5, n);
		CHECK(memcmp(b, ref, sizeof(b)) == 0);
	}
	/* memmove over every overlap, both directions. */
	for (size_t src = 0; src < 24; src++) {
		for (size_t dst = 0; dst < 24; dst++) {
			for (size_t n = 0; n < 24; n++) {
				pattern(a, 64, 4);
				memcpy(ref, a, 64);
				CHECK(kstr_memmove(a + dst, a + src, n) == a + dst);
				memmove(ref + dst, ref + src, n);
				CHECK(memcmp(a, ref, 64) == 0);
			}
		}
	}
	pattern(a, 50, 5);
	memcpy(b, a, 50);
	CHECK(kstr_memcmp(a, b, 50) == 0);
	CHECK(kstr_memcmp(a, b, 0) == 0);
	b[20] = (unsigned char)(a[20] + 1);
	CHECK(sign(kstr_memcmp(a, b, 50)) == sign(memcmp(a, b, 50)));
	CHECK(sign(kstr_memcmp(b, a, 50)) == sign(memcmp(b, a, 50)));
	a[20] = 0xff; /* comparison is unsigned */
	b[20] = 0x01;
	CHECK(kstr_memcmp(a, b, 50) > 0);
	CHECK_EQ_UL(kstr_strlen(""), 0);
	CHECK_EQ_UL(kstr_strlen("kernel"), 6);
	return check_finish("test_string");
}
