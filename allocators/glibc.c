/* Byte adapter: the process's own malloc family, NOT confined.
 *
 * What gets judged depends on the build: in a plain build (gcc, clang,
 * afl-clang-fast without ASan) these calls are glibc's ptmalloc; in an
 * ASan build (host-asan, libfuzzer, AFL++'s ASan target) malloc & co. are
 * ASan's interceptors, so ASan's allocator is what the oracles judge, and
 * ASan checks the rig's use of it on top. Memory comes from the host
 * (brk/mmap), never from the page source: .confined = false, init and
 * fini have nothing to do (the rig frees every block before fini).
 *
 * The adapter stays inside what both allocators accept, since ASan reports
 * rather than fails several calls (without allocator_may_return_null, which
 * the rig does not set): a calloc whose n * size overflows, an aligned_alloc
 * whose size is not a multiple of its alignment, a request above ASan's
 * maximum. Those are answered here (NULL, or posix_memalign for the
 * aligned case) instead of reaching the library.
 *
 * init checks once that "malloc" really is libc's or ASan's: a build that
 * linked libjemalloc or libmimalloc before libc would let that library take
 * over the process's malloc, and this adapter would judge the wrong one.
 *
 * Built when cmake/thirdparty.cmake is used (MMRIG_HAVE_GLIBC; always). */
#ifdef MMRIG_HAVE_GLIBC

#include "include/mmrig_byte.h"

#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MMRIG_ARENA_MB
#define MMRIG_ARENA_MB 16
#endif
/* Host memory, not rig memory: a request larger than the rig's default
 * memory fails in the adapter, so a program cannot make the host map (and
 * the rig fill) gigabytes, nor hit ASan's or libFuzzer's size limits. */
#define GLIBC_MAX_SIZE ((size_t)MMRIG_ARENA_MB << 20)

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GLIBC_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(GLIBC_UNDER_ASAN)
#define GLIBC_UNDER_ASAN 1
#endif

/* glibc documents 16-byte alignment on 64-bit systems (2 * sizeof(size_t)
 * on others); ASan's malloc asks its allocator for 8 only. */
#ifdef GLIBC_UNDER_ASAN
#define GLIBC_MIN_ALIGN 8
#else
#define GLIBC_MIN_ALIGN (2 * sizeof(size_t) > 16 ? 16 : 2 * sizeof(size_t))
#endif

static int glibc_init(void)
{
	static int checked; /* 0: not yet, 1: fine, -1: wrong malloc */
	Dl_info info;
	void *m;

	if (checked)
		return checked > 0 ? 0 : -1;
	checked = 1;
	m = dlsym(RTLD_DEFAULT, "malloc");
	if (m && dladdr(m, &info) && info.dli_fname &&
	    (strstr(info.dli_fname, "jemalloc") || strstr(info.dli_fname, "mimalloc"))) {
		fprintf(stderr,
			"glibc adapter: the process's malloc comes from %s, not libc: "
			"link libc before it (cmake/thirdparty.cmake)\n",
			info.dli_fname);
		checked = -1;
	}
	return checked > 0 ? 0 : -1;
}

/* glibc (and ASan) return a unique pointer for malloc(0). */
static void *glibc_malloc(size_t size)
{
	return size > GLIBC_MAX_SIZE ? NULL : malloc(size);
}

static void *glibc_calloc(size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total) || total > GLIBC_MAX_SIZE)
		return NULL;
	return calloc(n, size);
}

static void glibc_free(void *p)
{
	free(p);
}

/* realloc(p, 0) frees p and returns NULL in glibc and ASan alike, while
 * malloc(0) is a unique pointer; the table has one zero-size rule, so a
 * zero-size realloc asks for one byte and keeps a unique live block. */
static void *glibc_realloc(void *p, size_t size)
{
	if (size > GLIBC_MAX_SIZE)
		return NULL;
	return realloc(p, size ? size : 1);
}

/* C17 lets aligned_alloc take any size; ASan (POSIX rule) reports a size
 * that is not a multiple of the alignment, so that case, and alignments
 * below a pointer's size, go through posix_memalign. */
static void *glibc_aligned_alloc(size_t align, size_t size)
{
	void *p;

	if (align == 0 || (align & (align - 1)) || align > GLIBC_MAX_SIZE || size > GLIBC_MAX_SIZE)
		return NULL;
	if (align >= sizeof(void *) && size % align == 0)
		return aligned_alloc(align, size);
	if (align < sizeof(void *))
		align = sizeof(void *);
	return posix_memalign(&p, align, size) ? NULL : p;
}

static size_t glibc_usable_size(void *p)
{
	return malloc_usable_size(p);
}

MMRIG_BYTE_ALLOCATOR(mmrig_byte_glibc) = {
	.name = "glibc",
	.summary = "the process's malloc: glibc's, or ASan's in sanitizer builds (host memory)",
	/* None: glibc promises the same pointer only for a realloc to the
	 * same size, ASan's realloc always moves, and neither documents when
	 * it may fail. */
	.guarantees = 0,
	.min_align = GLIBC_MIN_ALIGN,
	.max_size = GLIBC_MAX_SIZE,
	.zero_size = MMRIG_ZERO_UNIQUE,
	.confined = false,
	.init = glibc_init,
	.fini = NULL,
	.malloc = glibc_malloc,
	.free = glibc_free,
	.calloc = glibc_calloc,
	.realloc = glibc_realloc,
	.aligned_alloc = glibc_aligned_alloc,
	.usable_size = glibc_usable_size,
};

#else
/* Not built through cmake/thirdparty.cmake: no adapter. */
typedef int mmrig_glibc_absent;
#endif
