/* An op kind handed to an executor function that has no case for it -
 * another family's kind, or a value outside the enum - is reported as
 * harness.bad-op naming the kind, never run as some other op. */
#include <string.h>

#include "check.h"
#include "world.h"

static struct exec e;
static struct divergence d;

struct family {
	const char *name;
	void (*run)(struct exec *e, const struct op *op);
	unsigned int kinds[12]; /* its own kinds, which need a real world */
	int n;
};

static bool is_own(const struct family *f, unsigned int kind)
{
	for (int i = 0; i < f->n; i++)
		if (f->kinds[i] == kind)
			return true;
	return false;
}

int main(void)
{
	static const struct family families[] = {
		{ "op_page",
		  op_page,
		  { OP_ALLOC_PAGES, OP_FREE_PAGES, OP_GET_PAGE, OP_PUT_PAGE },
		  4 },
		{ "op_slab",
		  op_slab,
		  { OP_KMALLOC, OP_KZALLOC, OP_KCALLOC, OP_KREALLOC, OP_KFREE, OP_CACHE_CREATE,
		    OP_CACHE_ALLOC, OP_CACHE_FREE, OP_CACHE_SHRINK, OP_CACHE_DESTROY,
		    OP_KCALLOC_WRAP },
		  11 },
		{ "op_mm",
		  op_mm,
		  { OP_MM_NEW, OP_MM_FORK, OP_MM_EXIT, OP_MMAP, OP_MUNMAP, OP_MPROTECT, OP_BRK,
		    OP_TOUCH },
		  8 },
		{ "op_vmalloc", op_vmalloc, { OP_VMALLOC, OP_VFREE, OP_VMAP, OP_VUNMAP }, 4 },
		{ "op_byte",
		  op_byte,
		  { OP_KMALLOC, OP_KZALLOC, OP_KCALLOC, OP_KREALLOC, OP_KFREE, OP_KCALLOC_WRAP,
		    OP_ALIGNED_ALLOC },
		  7 },
	};
	int tried = 0;

	for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
		for (unsigned int kind = 0; kind <= 255; kind++) {
			struct op op = { .kind = (uint8_t)kind };
			char want[64];

			if (is_own(&families[f], kind))
				continue;
			memset(&d, 0, sizeof d);
			e.div = &d;
			e.op_index = 0;
			families[f].run(&e, &op);
			snprintf(want, sizeof want, "op kind %u (%s)", kind, op_name(kind));
			CHECK(d.hit && strcmp(d.check, "harness.bad-op") == 0);
			CHECK(strstr(d.expected, families[f].name) && strcmp(d.actual, want) == 0);
			tried++;
		}
	}
	CHECK(tried > 900);
	return check_finish("test_bad_op");
}
