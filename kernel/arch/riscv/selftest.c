/* Bookkeeping and output of the boot self-test. */
#include "arch.h"
#include "lib.h"
#include "mm/page.h"
#include "platform.h"
#include "selftest.h"

/* Enough to see a pattern; a broken map would otherwise flood the log. */
#define MAX_FAIL_LINES 8

static struct {
	const char *name;
	unsigned long checks, failed;
} cur;

static unsigned int tests, tests_failed;
static unsigned long total_checks;

void st_begin(const char *name)
{
	cur.name = name;
	cur.checks = 0;
	cur.failed = 0;
}

bool st_check(bool ok, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	cur.checks++;
	if (ok)
		return true;
	if (cur.failed++ < MAX_FAIL_LINES) {
		va_start(ap, fmt);
		vsnprintk(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		printk("FAIL %s: %s\n", cur.name, msg);
	}
	return false;
}

void st_free_blocks(unsigned long counts[NR_PAGE_ORDERS])
{
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		counts[o] = nr_free_blocks(o);
}

void st_check_free_blocks(const unsigned long before[NR_PAGE_ORDERS], const char *when)
{
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		st_check(nr_free_blocks(o) == before[o], "order %u: %lu free blocks %s, %lu before",
			 o, nr_free_blocks(o), when, before[o]);
}

bool st_end(void)
{
	tests++;
	total_checks += cur.checks;
	if (!cur.failed) {
		printk("PASS %s (%lu checks)\n", cur.name, cur.checks);
		return true;
	}
	tests_failed++;
	printk("FAIL %s (%lu of %lu checks failed)\n", cur.name, cur.failed, cur.checks);
	return false;
}

/* A test that could not run counts as failed: the verdict must not say
 * PASS for something it never looked at. */
void st_skip(const char *name, const char *why)
{
	tests++;
	tests_failed++;
	printk("SKIP %s: %s\n", name, why);
}

void st_finish(void)
{
	if (tests_failed) {
		printk("mmrig: boot self-test FAIL (%u of %u tests failed)\n", tests_failed, tests);
		machine_exit(EXIT_SELFTEST_FAIL);
	}
	printk("mmrig: boot self-test PASS (%u tests, %lu checks)\n", tests, total_checks);
	machine_exit(0);
}
