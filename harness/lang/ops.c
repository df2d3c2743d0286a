/* The op table: one row per op kind, read by the decoder, the encoder, the
 * printer and the parser, so the binary and text forms cannot drift apart. */
#include <stdio.h>
#include <string.h>

#include "lang_internal.h"

/* Sizes the kernel's callers ask for: slab class boundaries, pages and
 * multi-page runs up to the 16 MiB sendfile buffer, the 960-byte stack
 * (30 x 32), 3- and 5-page runs, small structs, and a run just past 256K
 * that straddles a buddy order. A size byte lands near one of these. */
const uint32_t size_table[SIZE_TABLE_LEN] = {
	0,        8,      16,     32,     64,      96,      128,     192,
	256,      512,    1024,   2048,   4096,    8192,    16384,   32768,
	65536,    131072, 262144, 524288, 1048576, 2097152, 4194304, 8388608,
	16777216, 960,    12288,  20480,  40,      24,      48,      65536 * 4 + 4096,
};

const uint32_t op_align_values[NR_ALIGNS] = { 0, 8, 16, 32, 64, 128, 256, 4096 };
/* 1 (a power of two below the 8-byte minimum), not powers of two (even,
 * odd), a big one, the largest a cache takes (KMALLOC_MAX_SIZE), the
 * next power, and two far past it. */
const uint32_t op_edge_aligns[NR_ALIGNS] = {
	1, 24, 4097, 1u << 20, 4u << 20, 8u << 20, 1u << 31, 0xffffffffu,
};

const char *const op_anchor_names[NR_ANCHORS] = {
	[OPA_DEFAULT] = "",  [OPA_NULL] = "0",  [OPA_USER] = "user", [OPA_HEAP] = "heap",
	[OPA_MMAP] = "mmap", [OPA_TOP] = "top", [OPA_MAX] = "max",   [OPA_4G] = "4G",
};
const char *const op_len_mode_names[4] = {
	[OPL_BYTES] = "",
	[OPL_MIB] = "mib",
	[OPL_PAST_TOP] = "past-top",
	[OPL_NEG] = "neg",
};
const char *const op_kvm_edge_names[NR_KVM_EDGES] = {
	[OPK_NONE] = "",
	[OPK_EMPTY] = "empty",
	[OPK_UNALIGNED_PA] = "unaligned-pa",
	[OPK_UNALIGNED_SIZE] = "unaligned-size",
	[OPK_WRAP] = "wrap",
	[OPK_TOP] = "top",
	[OPK_PAST_TOP] = "past-top",
	[OPK_STRADDLE] = "straddle",
	[OPK_GAP] = "gap",
};

/* The index of the token among words (empty words never match), or -1. */
int op_word_index(const char *const *words, int n, const char *s, size_t len)
{
	for (int i = 0; i < n; i++)
		if (words[i][0] && strlen(words[i]) == len && memcmp(words[i], s, len) == 0)
			return i;
	return -1;
}
const uint32_t op_touch_lens[NR_TOUCH_LENS] = {
	1,    2,    3,    4,    7,    8,    15,   16,    17,    63,    64,
	65,   255,  256,  257,  511,  512,  513,  1023,  1024,  1025,  2047,
	2048, 2049, 4095, 4096, 4097, 8192, 8193, 12288, 16384, 16385,
};

#define FIELDS(...)                \
	{                          \
		__VA_ARGS__, F_END \
	}

const struct op_desc op_descs[NR_OPS] = {
	[OP_ALLOC_PAGES] = { "alloc_pages", 1, SLOT_PAGE, SLOT_NONE,
			     FIELDS(F_DST, F_ORDER, F_GFP) },
	[OP_FREE_PAGES] = { "free_pages", 0, SLOT_PAGE, SLOT_NONE, FIELDS(F_DST) },
	[OP_GET_PAGE] = { "get_page", 0, SLOT_PAGE, SLOT_NONE, FIELDS(F_DST) },
	[OP_PUT_PAGE] = { "put_page", 0, SLOT_PAGE, SLOT_NONE, FIELDS(F_DST) },
	[OP_KMALLOC] = { "kmalloc", 1, SLOT_OBJ, SLOT_NONE, FIELDS(F_DST, F_SIZE, F_GFP) },
	[OP_KZALLOC] = { "kzalloc", 1, SLOT_OBJ, SLOT_NONE, FIELDS(F_DST, F_SIZE, F_GFP) },
	[OP_KCALLOC] = { "kcalloc", 1, SLOT_OBJ, SLOT_NONE, FIELDS(F_DST, F_COUNT, F_SIZE, F_GFP) },
	[OP_KREALLOC] = { "krealloc", 1, SLOT_OBJ, SLOT_OBJ, FIELDS(F_DST, F_SRC, F_SIZE, F_GFP) },
	[OP_KFREE] = { "kfree", 0, SLOT_OBJ, SLOT_NONE, FIELDS(F_DST) },
	[OP_CACHE_CREATE] = { "kmem_cache_create", 1, SLOT_CACHE, SLOT_NONE,
			      FIELDS(F_DST, F_SIZE, F_ALIGN, F_FLAGS) },
	[OP_CACHE_ALLOC] = { "kmem_cache_alloc", 1, SLOT_OBJ, SLOT_CACHE,
			     FIELDS(F_DST, F_SRC, F_GFP) },
	[OP_CACHE_FREE] = { "kmem_cache_free", 0, SLOT_OBJ, SLOT_NONE, FIELDS(F_DST) },
	[OP_CACHE_SHRINK] = { "kmem_cache_shrink", 0, SLOT_CACHE, SLOT_NONE, FIELDS(F_DST) },
	[OP_CACHE_DESTROY] = { "kmem_cache_destroy", 0, SLOT_CACHE, SLOT_NONE, FIELDS(F_DST) },
	[OP_FAIL_NTH] = { "fail_nth", 0, SLOT_NONE, SLOT_NONE, FIELDS(F_NTH) },
	[OP_CHECK] = { "check", 0, SLOT_NONE, SLOT_NONE, { F_END } },
	[OP_MM_NEW] = { "mm_new", 1, SLOT_MM, SLOT_NONE, FIELDS(F_DST) },
	[OP_MM_FORK] = { "fork", 1, SLOT_MM, SLOT_MM, FIELDS(F_DST, F_SRC) },
	[OP_MM_EXIT] = { "mm_exit", 0, SLOT_MM, SLOT_NONE, FIELDS(F_DST) },
	[OP_MMAP] = { "mmap", 1, SLOT_REGION, SLOT_MM,
		      FIELDS(F_DST, F_SRC, F_SIZE, F_PROT, F_MFLAGS, F_PGOFF, F_RAW) },
	[OP_MUNMAP] = { "munmap", 0, SLOT_MM, SLOT_REGION,
			FIELDS(F_DST, F_SRC, F_SIZE, F_PGOFF, F_RAW) },
	[OP_MPROTECT] = { "mprotect", 0, SLOT_MM, SLOT_REGION,
			  FIELDS(F_DST, F_SRC, F_SIZE, F_PROT, F_PGOFF, F_RAW) },
	[OP_BRK] = { "brk", 0, SLOT_MM, SLOT_NONE, FIELDS(F_DST, F_SIZE, F_RAW) },
	[OP_TOUCH] = { "touch", 0, SLOT_MM, SLOT_REGION, FIELDS(F_DST, F_SRC, F_SIZE, F_WRITEVAL) },
	[OP_KVMMAKE] = { "kvmmake", 0, SLOT_NONE, SLOT_NONE, FIELDS(F_SIZE, F_PGOFF, F_KVMEDGE) },
	[OP_KCALLOC_WRAP] = { "kcalloc_wrap", 1, SLOT_OBJ, SLOT_NONE,
			      FIELDS(F_DST, F_COUNT, F_SIZE) },
	[OP_ALIGNED_ALLOC] = { "aligned_alloc", 1, SLOT_OBJ, SLOT_NONE,
			       FIELDS(F_DST, F_SIZE, F_ALIGN) },
	[OP_VMALLOC] = { "vmalloc", 1, SLOT_OBJ, SLOT_NONE, FIELDS(F_DST, F_SIZE, F_GFP) },
	[OP_VFREE] = { "vfree", 0, SLOT_OBJ, SLOT_NONE, FIELDS(F_DST) },
	[OP_VMAP] = { "vmap", 1, SLOT_OBJ, SLOT_PAGE, FIELDS(F_DST, F_SRC) },
	[OP_VUNMAP] = { "vunmap", 0, SLOT_OBJ, SLOT_NONE, FIELDS(F_DST) },
	[OP_CPU] = { "cpu", 0, SLOT_NONE, SLOT_NONE, FIELDS(F_CPU) },
	[OP_PREEMPT] = { "preempt", 0, SLOT_NONE, SLOT_NONE, FIELDS(F_COUNT, F_CPU) },
	[OP_CACHE_REAP] = { "cache_reap", 0, SLOT_NONE, SLOT_NONE, { F_END } },
	[OP_DRAIN_ALL_PAGES] = { "drain_all_pages", 0, SLOT_NONE, SLOT_NONE, { F_END } },
};

/* Fields a later format version added to an op (kinds are appended, but
 * a field may be too): the first version whose bytes hold it. */
static const uint8_t gfp_since[NR_OPS] = {
	[OP_KMALLOC] = PROG_FORMAT_KMALLOC_GFP,
	[OP_KZALLOC] = PROG_FORMAT_KMALLOC_GFP,
	[OP_KCALLOC] = PROG_FORMAT_KMALLOC_GFP,
	[OP_KREALLOC] = PROG_FORMAT_KMALLOC_GFP,
};

int op_field_in_version(unsigned int kind, int field, int version)
{
	return field != F_GFP || version >= gfp_since[kind % NR_OPS];
}

void op_set_init(struct op_set *s)
{
	s->n = 0;
	memset(s->index, 0xff, sizeof(s->index));
}

void op_set_add(struct op_set *s, unsigned int kind)
{
	if (kind >= NR_OPS || op_set_has(s, kind))
		return;
	s->index[kind] = (uint8_t)s->n;
	s->kinds[s->n++] = (uint8_t)kind;
}

const char *op_name(unsigned int kind)
{
	return kind < NR_OPS ? op_descs[kind].name : "invalid";
}

/* Looks up an op by its text name; the token is not NUL-terminated. */
int op_lookup(const char *s, size_t len)
{
	for (int k = 0; k < NR_OPS; k++)
		if (strlen(op_descs[k].name) == len && memcmp(op_descs[k].name, s, len) == 0)
			return k;
	return -1;
}

unsigned int slot_count(int slot_kind)
{
	switch (slot_kind) {
	case SLOT_PAGE:
		return NR_PAGE_SLOTS;
	case SLOT_OBJ:
		return NR_OBJ_SLOTS;
	case SLOT_CACHE:
		return NR_CACHE_SLOTS;
	case SLOT_MM:
		return NR_MM_SLOTS;
	case SLOT_REGION:
		return NR_REGION_SLOTS;
	}
	return 1; /* no slot: a modulus that keeps the field 0 */
}

char slot_prefix(int slot_kind)
{
	switch (slot_kind) {
	case SLOT_PAGE:
		return 'p';
	case SLOT_OBJ:
		return 'o';
	case SLOT_CACHE:
		return 'c';
	case SLOT_MM:
		return 'm';
	case SLOT_REGION:
		return 'r';
	}
	return '?';
}

int op_has_field(const struct op_desc *d, int field)
{
	for (const uint8_t *f = d->fields; *f != F_END; f++)
		if (*f == field)
			return 1;
	return 0;
}

/* The text of a prot value: "none", or the letters of its bits in the
 * order r, w, x. */
int prot_format(unsigned int prot, char *buf, size_t cap)
{
	char s[5];
	size_t n = 0;

	if (prot & OPP_READ)
		s[n++] = 'r';
	if (prot & OPP_WRITE)
		s[n++] = 'w';
	if (prot & OPP_EXEC)
		s[n++] = 'x';
	if (prot & OPP_UNKNOWN)
		s[n++] = 'u';
	s[n] = '\0';
	return snprintf(buf, cap, "%s", n ? s : "none");
}

uint32_t op_touch_lens_max(void)
{
	uint32_t m = 0;

	for (int i = 0; i < NR_TOUCH_LENS; i++)
		if (op_touch_lens[i] > m)
			m = op_touch_lens[i];
	return m;
}
