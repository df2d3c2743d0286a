/* Flattened device tree (devicetree specification v0.4, chapter 5): a
 * header, a reservation block, a structure block of big-endian tokens and
 * a strings block. One pass over the tokens, with no allocation: the
 * reader runs before there is any allocator to ask. */
#include "fdt.h"
#include "lib.h"

#define FDT_MAGIC 0xd00dfeedU
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

/* Deep enough for /reserved-memory/region; deeper nodes are only skipped. */
#define MAX_DEPTH 8

enum node_kind { NODE_OTHER, NODE_MEMORY, NODE_RESERVED, NODE_CPUS };

struct node {
	enum node_kind kind;
	unsigned int addr_cells, size_cells; /* what this node says of its children */
	const uint8_t *reg;                  /* kept until the node ends: device_type */
	uint32_t reg_len;                    /* may come after reg */
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static uint64_t read_cells(const uint8_t *p, unsigned int cells)
{
	uint64_t v = 0;

	while (cells--) {
		v = v << 32 | be32(p);
		p += 4;
	}
	return v;
}

static bool add_range(struct phys_range *r, int *n, uint64_t start, uint64_t size)
{
	if (size == 0 || start + size < start)
		return true;
	if (*n == FDT_MAX_RANGES)
		return false;
	r[*n].start = (phys_addr_t)start;
	r[*n].end = (phys_addr_t)(start + size);
	(*n)++;
	return true;
}

/* kernel/lib has no strcmp: the kernel proper never needs one. */
static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* "memory" matches "memory" and "memory@80000000", not "memory-controller". */
static bool name_is(const char *name, const char *base)
{
	size_t n = strlen(base);

	return !memcmp(name, base, n) && (name[n] == '\0' || name[n] == '@');
}

static bool decode_reg(const struct node *parent, const struct node *node, struct phys_range *r,
		       int *n)
{
	unsigned int ac = parent->addr_cells, sc = parent->size_cells;
	uint32_t entry = 4 * (ac + sc);

	if (!node->reg || entry == 0 || ac > 2 || sc > 2)
		return true;
	for (uint32_t off = 0; off + entry <= node->reg_len; off += entry) {
		if (!add_range(r, n, read_cells(node->reg + off, ac),
			       read_cells(node->reg + off + 4 * ac, sc)))
			return false;
	}
	return true;
}

static void parse_rsvmap(const uint8_t *p, const uint8_t *end, struct fdt_info *fi, bool *ok)
{
	for (; p + 16 <= end; p += 16) {
		uint64_t start = be64(p), size = be64(p + 8);

		if (!start && !size)
			return;
		*ok &= add_range(fi->reserved, &fi->nr_reserved, start, size);
	}
}

static enum node_kind kind_of(const struct node *parent, int depth, const char *name)
{
	if (depth == 1 && name_is(name, "memory"))
		return NODE_MEMORY;
	if (depth == 1 && name_is(name, "reserved-memory"))
		return NODE_RESERVED;
	if (depth == 1 && name_is(name, "cpus"))
		return NODE_CPUS;
	/* Every child of /reserved-memory is a reservation. */
	if (depth == 2 && parent->kind == NODE_RESERVED)
		return NODE_RESERVED;
	return NODE_OTHER;
}

static void on_prop(struct node *node, int depth, const char *name, const uint8_t *val,
		    uint32_t len, struct fdt_info *fi)
{
	if (streq(name, "#address-cells") && len == 4)
		node->addr_cells = be32(val);
	else if (streq(name, "#size-cells") && len == 4)
		node->size_cells = be32(val);
	else if (streq(name, "reg")) {
		node->reg = val;
		node->reg_len = len;
	} else if (streq(name, "device_type") && depth == 1 && len == sizeof("memory") &&
		   !memcmp(val, "memory", len))
		node->kind = NODE_MEMORY;
	else if (streq(name, "timebase-frequency") && node->kind == NODE_CPUS && len == 4)
		fi->timebase_hz = be32(val);
}

/* reg is decoded when its node ends, with the cells its parent gave:
 * device_type may follow reg. RAM that does not fit in the table is only
 * left unused, so that is no failure. */
static bool on_end(const struct node *stack, int depth, struct fdt_info *fi)
{
	const struct node *node = &stack[depth], *parent = &stack[depth - 1];

	if (depth == 1 && node->kind == NODE_MEMORY) {
		decode_reg(parent, node, fi->mem, &fi->nr_mem);
		return true;
	}
	if (depth == 2 && node->kind == NODE_RESERVED)
		return decode_reg(parent, node, fi->reserved, &fi->nr_reserved);
	return true;
}

int fdt_parse(const void *blob, struct fdt_info *fi)
{
	const uint8_t *base = blob, *p, *end;
	const char *strings;
	struct node stack[MAX_DEPTH + 1];
	int depth = -1;
	bool ok = true;

	memset(fi, 0, sizeof(*fi));
	if (!blob || be32(base) != FDT_MAGIC)
		return -1;
	fi->blob = (phys_addr_t)blob;
	fi->blob_size = be32(base + 4);
	p = base + be32(base + 8);
	end = p + be32(base + 36);
	strings = (const char *)base + be32(base + 12);
	parse_rsvmap(base + be32(base + 16), base + fi->blob_size, fi, &ok);

	while (p + 4 <= end) {
		uint32_t token = be32(p);

		p += 4;
		if (token == FDT_BEGIN_NODE) {
			const char *name = (const char *)p;

			p += ALIGN_UP(strlen(name) + 1, (size_t)4);
			if (++depth > MAX_DEPTH)
				continue;
			stack[depth] = (struct node){
				.kind = depth ? kind_of(&stack[depth - 1], depth, name)
					      : NODE_OTHER,
				/* the spec's defaults when a node does not say */
				.addr_cells = 2,
				.size_cells = 1,
			};
		} else if (token == FDT_END_NODE) {
			if (depth >= 1 && depth <= MAX_DEPTH)
				ok &= on_end(stack, depth, fi);
			if (--depth < 0)
				break;
		} else if (token == FDT_PROP) {
			uint32_t len = be32(p), nameoff = be32(p + 4);

			if (depth >= 0 && depth <= MAX_DEPTH)
				on_prop(&stack[depth], depth, strings + nameoff, p + 8, len, fi);
			p += 8 + ALIGN_UP(len, 4U);
		} else if (token != FDT_NOP) {
			break; /* FDT_END, or a token this reader does not know */
		}
	}
	return ok ? 0 : -1;
}
