/* exec_create fails part-way without leaking: every allocation and every
 * mapping it makes is failed in turn (the test is linked with --wrap for
 * malloc, calloc, realloc, free, mmap and munmap), and after each attempt
 * the heap blocks and mapped bytes it took must all be back - as they
 * must after exec_destroy of an executor it did create. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "check.h"
#include "exec.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __real_munmap(void *addr, size_t len);

#define MAX_LIVE 1024

/* The window: calls counted, the fail_at-th failed, blocks and bytes
 * taken while it is open tracked until given back. */
static bool open_window;
static long calls, fail_at;
static void *live[MAX_LIVE];
static int nr_live, overflow;
static long long mapped;

static bool fail_this(void)
{
	return open_window && ++calls == fail_at;
}

static void *track(void *p)
{
	if (p && open_window) {
		if (nr_live < MAX_LIVE)
			live[nr_live++] = p;
		else
			overflow++;
	}
	return p;
}

static void untrack(void *p)
{
	for (int i = 0; p && i < nr_live; i++) {
		if (live[i] == p) {
			live[i] = live[--nr_live];
			return;
		}
	}
}

void *__wrap_malloc(size_t n);
void *__wrap_malloc(size_t n)
{
	if (fail_this()) {
		errno = ENOMEM;
		return NULL;
	}
	return track(__real_malloc(n));
}

void *__wrap_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size)
{
	if (fail_this()) {
		errno = ENOMEM;
		return NULL;
	}
	return track(__real_calloc(n, size));
}

void *__wrap_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n)
{
	void *q;

	if (fail_this()) {
		errno = ENOMEM;
		return NULL;
	}
	q = __real_realloc(p, n);
	if (q) {
		untrack(p);
		track(q);
	}
	return q;
}

void __wrap_free(void *p);
void __wrap_free(void *p)
{
	untrack(p);
	__real_free(p);
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p;

	if (fail_this()) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	p = __real_mmap(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED && open_window)
		mapped += (long long)len;
	return p;
}

int __wrap_munmap(void *addr, size_t len);
int __wrap_munmap(void *addr, size_t len)
{
	int rc = __real_munmap(addr, len);

	if (rc == 0 && open_window)
		mapped -= (long long)len;
	return rc;
}

int main(void)
{
	struct exec_config cfg = { 0 };
	long points = 0;

	for (fail_at = 1;; fail_at++) {
		struct exec *e;

		calls = 0;
		nr_live = overflow = 0;
		mapped = 0;
		open_window = true;
		e = exec_create(&cfg);
		/* what it did when no call failed: create, then destroy */
		bool reached = calls >= fail_at;

		exec_destroy(e);
		open_window = false;
		if (nr_live || overflow || mapped)
			fprintf(stderr,
				"failing call %ld of exec_create: %d blocks and %lld mapped "
				"bytes not given back\n",
				fail_at, nr_live + overflow, mapped);
		CHECK(nr_live == 0 && overflow == 0 && mapped == 0);
		if (!reached) {
			CHECK(e != NULL); /* nothing failed: it must have worked */
			break;
		}
		points++;
	}
	/* the executor, its models and scratch, the arena and its bitmap */
	CHECK(points >= 10);
	printf("exec_create: %ld failure points, each unwound\n", points);
	return check_finish("test_exec_unwind");
}
