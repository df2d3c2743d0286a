/* Text form: the parser's errors (exact line:column and message), user
 * names to slots, comments and CRLF, canonical print -> parse -> print, and
 * prog_load in both forms. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "lang_test.h"
#include "prog.h"

#define TEXT_CAP (PROG_MAX_OPS * 128)

static struct program prog, prog2;
static char text[TEXT_CAP], text2[TEXT_CAP];

static int parse_str(const char *s, struct program *p, struct parse_error *err)
{
	return prog_parse(s, strlen(s), p, err);
}

static const struct parse_case bad[] = {
	{ "kmalloc 8", 1, 1, "missing result name" },
	{ "o0 = frob 8", 1, 6, "unknown op 'frob'" },
	{ "Check", 1, 1, "unknown op 'Check'" },
	{ "o0 kmalloc 8", 1, 4, "missing '=' after result name 'o0'" },
	{ "= kmalloc 8", 1, 1, "missing result name before '='" },
	{ "o0 =", 1, 5, "missing op after '='" },
	{ "o0 = = kmalloc", 1, 6, "unknown op '='" },
	{ "x = free_pages p0", 1, 1, "result name on free_pages, which has no result" },
	{ "c = check", 1, 1, "has no result" },
	{ "kfree zz", 1, 7, "unknown name 'zz'" },
	{ "p64 = alloc_pages 0", 1, 1, "'p64' is not a slot" },
	{ "o07 = kmalloc 8", 1, 1, "'o07' is not a slot" },
	{ "kmem_cache_shrink c8", 1, 19, "'c8' is not a slot" },
	{ "free_pages c0", 1, 12, "'c0' is a cache, expected a page block" },
	{ "p0 = kmalloc 8", 1, 1, "'p0' is a page block, expected an object" },
	{ "o0 = kmem_cache_alloc o1", 1, 23, "'o1' is an object, expected a cache" },
	{ "kmem_cache_destroy p0", 1, 20, "is a page block, expected a cache" },
	{ "a = alloc_pages 0\nkfree a", 2, 7, "'a' is a page block, expected an object" },
	{ "a = alloc_pages 0\na = kmalloc 8", 2, 1, "'a' is a page block, expected an object" },
	{ "x = krealloc x 8", 1, 14, "unknown name 'x'" },
	{ "3 = kmalloc 8", 1, 1, "expected an object name, got '3'" },
	{ "kfree 3", 1, 7, "expected an object name" },
	{ "kfree o1+1", 1, 7, "expected an object name" },
	{ "o0 = kmalloc", 1, 13, "missing argument: kmalloc needs a size" },
	{ "o0 = kcalloc 3   # n, no size", 1, 15, "missing argument: kcalloc needs a size" },
	{ "fail_nth", 1, 9, "missing argument: fail_nth needs n" },
	{ "free_pages", 1, 11, "missing argument: free_pages needs a page block" },
	{ "kfree o0 o1", 1, 10, "extra argument 'o1'" },
	{ "check now", 1, 7, "extra argument 'now'" },
	{ "o0 = kmalloc 8 ctor", 1, 16, "extra argument 'ctor'" },
	{ "o0 = kzalloc 8 zero", 1, 20, "kzalloc takes no zero (it always zeroes)" },
	{ "o0 = kmalloc 8 dma32", 1, 21, "kmalloc takes no dma32 or comp" },
	{ "o0 = kcalloc 2 8 nofail nowait", 1, 31,
	  "kcalloc takes nofail only with a caller that can wait and retry" },
	{ "o0 = kmalloc 8 =", 1, 16, "extra argument '='" },
	{ "p0 = alloc_pages 0 hwalign", 1, 20, "extra argument 'hwalign' (alloc_pages takes" },
	{ "p0 = alloc_pages 0 zero zero", 1, 25, "duplicate option 'zero'" },
	{ "c0 = kmem_cache_create 8 ctor ctor", 1, 31, "duplicate option 'ctor'" },
	{ "p0 = alloc_pages 12", 1, 18, "order out of range: '12' (must be 0..11)" },
	{ "p0 = alloc_pages zero", 1, 18, "expected order (a number), got 'zero'" },
	{ "p0 = alloc_pages =", 1, 18, "unexpected '='" },
	{ "fail_nth 0", 1, 10, "n out of range" },
	{ "fail_nth 65", 1, 10, "n out of range" },
	{ "fail_nth 0x41", 1, 10, "n out of range" },
	{ "fail_nth x", 1, 10, "expected n (a number)" },
	{ "o0 = kcalloc 256 8", 1, 14, "count out of range" },
	{ "o0 = kcalloc 99999999999 8", 1, 14, "count out of range" },
	{ "o0 = kmalloc 9M", 1, 14, "size '9M' not encodable" },
	{ "o0 = kmalloc 16M+128", 1, 14, "not encodable" },
	{ "o0 = kmalloc 4KB", 1, 14, "expected a size" },
	{ "c0 = kmem_cache_create 64 align=3", 1, 33, "align out of range: '3'" },
	{ "c0 = kmem_cache_create 64 align=5", 1, 33,
	  "align out of range: '5' (must be one of 0 8 16 32 64 128 256 4096 1 24 4097" },
	{ "o0 = aligned_alloc 64 align=24", 1, 29,
	  "align out of range: '24' (must be one of 0 8 16 32 64 128 256 4096)" },
	{ "c0 = kmem_cache_create 64 align", 1, 32, "missing '=' after align" },
	{ "c0 = kmem_cache_create 64 align 8", 1, 33, "missing '=' after align" },
	{ "c0 = kmem_cache_create 64 align=", 1, 33, "align= needs a value" },
	{ "c0 = kmem_cache_create 64 align=x", 1, 33, "expected an alignment" },
	{ "c0 = kmem_cache_create 64 align=8 align=16", 1, 35, "duplicate option 'align'" },
	{ "c0 = kmem_cache_create 64 zero", 1, 27,
	  "extra argument 'zero' (kmem_cache_create takes" },
	{ "kfree o0, o1", 1, 9, "bad character ','" },
	{ "check\x01", 1, 6, "bad character 0x01" },
	{ "o0 = kmalloc 8\rcheck", 1, 15, "bad character 0x0d" },
	{ "o0 = kmalloc 8 # fine\n\xc3\xa9", 2, 1, "bad character 0xc3" },
	{ "check\n\n  # comment\nkfree o0 o1\n", 4, 10, "extra argument 'o1'" },
	{ "check\r\n\r\nkfree\t\to0\to1\r\n", 3, 11, "extra argument 'o1'" },
	{ "o0 = kmalloc 8 o0 o0 o0 o0 o0 o0 o0 o0 o0 o0 o0 o0 o0 o0 o0 o0 o0", 1, 16,
	  "extra argument 'o0'" },
	/* address spaces and regions */
	{ "mm_new", 1, 1, "missing result name: write 'NAME = mm_new ...'" },
	{ "mm_new m0", 1, 1, "missing result name" },
	{ "fork m0", 1, 1, "missing result name: write 'NAME = fork ...'" },
	{ "mmap m0 4K prot=r", 1, 1, "missing result name: write 'NAME = mmap ...'" },
	{ "m0 = mm_exit m0", 1, 1, "result name on mm_exit, which has no result" },
	{ "x = munmap m0 r0 0", 1, 1, "result name on munmap, which has no result" },
	{ "r = mprotect m0 r0 0 prot=r", 1, 1, "result name on mprotect" },
	{ "m0 = brk m0 4K", 1, 1, "result name on brk" },
	{ "t = touch m0 r0 0", 1, 1, "result name on touch" },
	{ "m1 = fork", 1, 10, "missing argument: fork needs an address space" },
	{ "m1 = fork zz", 1, 11, "unknown name 'zz'" },
	{ "r0 = mmap", 1, 10, "missing argument: mmap needs an address space" },
	{ "r0 = mmap m0", 1, 13, "missing argument: mmap needs a length" },
	{ "munmap m0 r0", 1, 13, "missing argument: munmap needs a length" },
	{ "touch m0 r0", 1, 12, "missing argument: touch needs a byte offset" },
	{ "brk m0", 1, 7, "missing argument: brk needs a heap size" },
	{ "mm_exit", 1, 8, "missing argument: mm_exit needs an address space" },
	{ "r0 = mmap m0 2M", 1, 16,
	  "missing option: mmap needs prot=X (none, r, w, rw, x, rx, wx" },
	{ "r0 = mmap m0 2M shared at=3", 1, 28, "missing option: mmap needs prot=X" },
	{ "mprotect m0 r0 0", 1, 17, "missing option: mprotect needs prot=X" },
	{ "mprotect m0 r0 0 off=2", 1, 23, "missing option: mprotect needs prot=X" },
	{ "r0 = mmap m0 2M prot=wr", 1, 22,
	  "bad prot 'wr' (must be none, or the letters r, w, x, u in that order" },
	{ "r0 = mmap m0 2M prot=ur", 1, 22, "bad prot 'ur'" },
	{ "r0 = mmap m0 2M prot=rr", 1, 22, "bad prot 'rr'" },
	{ "r0 = mmap m0 2M prot=rwxn", 1, 22, "bad prot 'rwxn'" },
	{ "mprotect m0 r0 0 prot=R", 1, 23, "bad prot 'R'" },
	{ "mprotect m0 r0 0 prot=0", 1, 23, "bad prot '0'" },
	{ "mprotect m0 r0 0 prot=nonex", 1, 23, "bad prot 'nonex'" },
	{ "r0 = mmap m0 2M prot=", 1, 22, "missing argument: prot= needs a value" },
	{ "r0 = mmap m0 2M prot", 1, 21, "missing '=' after prot" },
	{ "r0 = mmap m0 2M prot r", 1, 22, "missing '=' after prot" },
	{ "r0 = mmap m0 2M prot=r prot=w", 1, 24, "duplicate option 'prot'" },
	{ "r0 = mmap m0 4K prot=r shared shared", 1, 31, "duplicate option 'shared'" },
	{ "r0 = mmap m0 4K prot=r at=1 at=2", 1, 29, "duplicate option 'at'" },
	{ "r0 = mmap m0 2M prot=r at=65536", 1, 27,
	  "at out of range: '65536' (must be 0..65535, or -32768..32767 with from=)" },
	{ "r0 = mmap m0 4K prot=r at=1 hint=2", 1, 29, "at= and hint= exclude each other" },
	{ "r0 = mmap m0 4K prot=r hint=1 at=2", 1, 31, "at= and hint= exclude each other" },
	{ "r0 = mmap m0 4K prot=r hint=1 hint=2", 1, 31, "duplicate option 'hint'" },
	{ "r0 = mmap m0 4K prot=r heap", 1, 28, "heap needs at=N or hint=N" },
	{ "touch m0 r0 0 len=5", 1, 19, "len out of range: '5' (must be one of 1 2 3 4 7 8" },
	{ "touch m0 r0 0 len=1 len=2", 1, 21, "duplicate option 'len'" },
	{ "touch m0 r0 0 exec kernel", 1, 26, "exec is the user's instruction fetch" },
	{ "touch m0 r0 0 write=3 exec", 1, 27, "exec is the user's instruction fetch" },
	{ "r0 = mmap m0 2M prot=r at=0x10000", 1, 27, "at out of range" },
	{ "r0 = mmap m0 2M prot=r at=99999999999", 1, 27, "at out of range" },
	{ "r0 = mmap m0 2M prot=r at=-1", 1, 27, "negative pages need from=ANCHOR" },
	{ "r0 = mmap m0 2M prot=r at=x", 1, 27, "expected at= a number of pages, got 'x'" },
	{ "r0 = mmap m0 2M prot=r at=", 1, 27, "missing argument: at= needs a value" },
	{ "r0 = mmap m0 2M prot=r off=1", 1, 24,
	  "extra argument 'off' (mmap takes the options: prot=X shared at=N hint=N heap from=A "
	  "unaligned mib past-top neg)" },
	{ "r0 = mmap m0 2M prot=r zero", 1, 24, "extra argument 'zero' (mmap takes" },
	{ "r0 = mmap m0 2M 4K prot=r", 1, 17, "extra argument '4K'" },
	{ "munmap m0 r0 8K at=1", 1, 17,
	  "extra argument 'at' (munmap takes the options: from=A unaligned mib past-top neg off=N)" },
	{ "munmap m0 r0 8K shared", 1, 17, "extra argument 'shared' (munmap takes the options" },
	{ "munmap m0 r0 8K prot=r", 1, 17, "extra argument 'prot'" },
	{ "mprotect m0 r0 0 prot=r shared", 1, 25,
	  "extra argument 'shared' (mprotect takes the options: prot=X from=A unaligned mib "
	  "past-top neg off=N)" },
	{ "munmap m0 r0 8K off=65536", 1, 21, "off out of range: '65536' (must be 0..65535" },
	{ "munmap m0 r0 8K off=1 off=1", 1, 23, "duplicate option 'off'" },
	{ "munmap m0 r0 8K off", 1, 20, "missing '=' after off" },
	{ "touch m0 r0 1 write=256", 1, 21, "write out of range: '256' (must be 0..255)" },
	{ "cpu 8", 1, 5, "cpu out of range: '8' (must be 0..7)" },
	{ "preempt 1", 1, 10, "missing argument: preempt needs a CPU" },
	{ "preempt 256 1", 1, 9, "count out of range: '256' (must be 0..255)" },
	{ "cache_reap c0", 1, 12, "extra argument 'c0'" },
	{ "touch m0 r0 1 write=0x100", 1, 21, "write out of range" },
	{ "touch m0 r0 1 write=x", 1, 21, "expected write= a number, got 'x'" },
	{ "touch m0 r0 1 write=1 write=2", 1, 23, "duplicate option 'write'" },
	{ "touch m0 r0 1 write", 1, 20, "missing '=' after write" },
	{ "touch m0 r0 1 zero", 1, 15,
	  "extra argument 'zero' (touch takes the options: write=V kernel exec len=N)" },
	{ "touch m0 r0 9M", 1, 13, "size '9M' not encodable" },
	{ "brk m0 4K zero", 1, 11, "extra argument 'zero'" },
	{ "mm_exit m8", 1, 9,
	  "'m8' is not a slot (p0..p63, o0..o63, c0..c7, m0..m7, r0..r31, no leading zeros)" },
	{ "m8 = mm_new", 1, 1, "'m8' is not a slot" },
	{ "m00 = mm_new", 1, 1, "'m00' is not a slot" },
	{ "r32 = mmap m0 4K prot=r", 1, 1, "'r32' is not a slot" },
	{ "r01 = mmap m0 4K prot=r", 1, 1, "'r01' is not a slot" },
	{ "touch r999 0", 1, 7, "'r999' is not a slot" },
	{ "r0 = mmap m12 4K prot=r", 1, 11, "'m12' is not a slot" },
	{ "r0 = mmap r1 4K prot=r", 1, 11, "'r1' is a region, expected an address space" },
	{ "m0 = mmap m0 4K prot=r", 1, 1, "'m0' is an address space, expected a region" },
	{ "m1 = fork r0", 1, 11, "'r0' is a region, expected an address space" },
	{ "r1 = fork m0", 1, 1, "'r1' is a region, expected an address space" },
	{ "touch m0 m1 1", 1, 10, "'m1' is an address space, expected a region" },
	{ "touch r0 r1 1", 1, 7, "'r0' is a region, expected an address space" },
	{ "munmap m0 o0 0", 1, 11, "'o0' is an object, expected a region" },
	{ "brk r0 4K", 1, 5, "'r0' is a region, expected an address space" },
	{ "kfree m0", 1, 7, "'m0' is an address space, expected an object" },
	{ "free_pages r3", 1, 12, "'r3' is a region, expected a page block" },
	{ "mm_exit zz", 1, 9, "unknown name 'zz'" },
	{ "a = mm_new\nb = mmap a 4K prot=rw\ntouch a b 0 write=0xff\nmunmap a a 0", 4, 10,
	  "'a' is an address space, expected a region" },
	{ "a = mm_new\nb = mmap a 4K prot=rw\nbrk b 0", 3, 5,
	  "'b' is a region, expected an address space" },
	/* the raw forms: anchors, signed pages, length modes, kvm edges */
	{ "munmap m0 r0 4K off=-1", 1, 21, "negative pages need from=ANCHOR" },
	{ "munmap m0 r0 4K from=top off=40000", 1, 30,
	  "pages from an anchor must be -32768..32767" },
	{ "munmap m0 r0 4K from=top off=-32769", 1, 30, "off out of range" },
	{ "munmap m0 r0 4K from=moon", 1, 22,
	  "bad from 'moon' (must be one of 0 user heap mmap top max 4G)" },
	{ "munmap m0 r0 4K from=top from=0", 1, 26, "duplicate option 'from'" },
	{ "munmap m0 r0 4K mib neg", 1, 21, "mib, past-top and neg exclude each other" },
	{ "munmap m0 r0 4K unaligned unaligned", 1, 27, "duplicate option 'unaligned'" },
	{ "r0 = mmap m0 4K prot=r from=top", 1, 32, "from= and unaligned need at=N or hint=N" },
	{ "r0 = mmap m0 4K prot=r unaligned", 1, 33, "from= and unaligned need at=N or hint=N" },
	{ "r0 = mmap m0 4K prot=r at=1 heap from=top", 1, 42, "heap and from= exclude each other" },
	{ "brk m0 4K from=top off=1", 1, 20,
	  "extra argument 'off' (brk takes the options: from=A" },
	{ "kvmmake 8M edge=huge", 1, 17, "bad edge 'huge' (must be one of empty unaligned-pa" },
	{ "kvmmake 8M edge=top edge=gap", 1, 21, "duplicate option 'edge'" },
	{ "kvmmake 8M neg", 1, 12,
	  "extra argument 'neg' (kvmmake takes the options: edge=E off=N)" },
};

static void test_errors(void)
{
	check_parse_errors(bad, sizeof bad / sizeof bad[0]);
}

/* Lines that look odd but are fine. */
static void test_accepted(void)
{
	static const char *const good[] = {
		"",
		"\n\n",
		"# only a comment",
		"check # comment, with (punctuation) and \xc3\xa9",
		"p0=alloc_pages 1",
		"c0 = kmem_cache_create 64 align = 8",
		"c0 = kmem_cache_create 64 ctor align=4096 hwalign",
		"  \tcheck\t",
		"check\r",
		"fail_nth 0x40",
		"p0 = alloc_pages 011",
		"r0 = mmap m0 4K prot = rw at = 0x10 shared",
		"r0=mmap m0 4K at=0 prot=none",
		"r1=mmap m0 4K hint=7 prot=r shared",
		"touch m0 r0 0 write=0xFF",
		"mprotect m0 r0 0 off=0 prot=x",
	};

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct parse_error err;
		int rc = parse_str(good[i], &prog, &err);
		CHECK(rc == 0);
		if (rc != 0)
			fprintf(stderr, "  '%s': %d:%d: %s\n", good[i], err.line, err.col, err.msg);
	}
	CHECK(parse_str("c0 = kmem_cache_create 64 ctor align=4096 hwalign", &prog, NULL) == 0);
	CHECK(prog.ops[0].align == 7 && prog.ops[0].flags == (OPC_CTOR | OPC_HWALIGN));
	CHECK(parse_str("p0 = alloc_pages 011", &prog, NULL) == 0 && prog.ops[0].order == 11);
	CHECK(parse_str("touch m0 r0 4090 len=16 exec", &prog, NULL) == 0);
	CHECK(prog.ops[0].gfp == (OPT_EXEC | 7 << OPT_LEN_SHIFT) &&
	      op_touch_len(prog.ops[0].gfp) == 16);
	CHECK(parse_str("touch m0 r0 4090 len=8193 write=3 kernel", &prog, NULL) == 0);
	CHECK(op_touch_len(prog.ops[0].gfp) == 8193 && prog.ops[0].n == 3 &&
	      (prog.ops[0].gfp & (OPT_WRITE | OPT_KERNEL)) == (OPT_WRITE | OPT_KERNEL));
	CHECK(parse_str("r2 = mmap m0 8K prot=r at=3 heap", &prog, NULL) == 0);
	CHECK(prog.ops[0].mflags == (OPM_FIXED | OPM_HEAP) && prog.ops[0].pgoff == 3);
	CHECK(parse_str("r1 = mmap m0 8K prot=r hint=7", &prog, NULL) == 0);
	CHECK(prog.ops[0].mflags == OPM_HINT && prog.ops[0].pgoff == 7);
	CHECK(parse_str("r3 = mmap m2 4K shared prot=wx at=0x10", &prog, NULL) == 0);
	CHECK(prog.ops[0].kind == OP_MMAP && prog.ops[0].dst == 3 && prog.ops[0].src == 2);
	CHECK(prog.ops[0].size == 4096 && prog.ops[0].prot == (OPP_WRITE | OPP_EXEC));
	CHECK(prog.ops[0].mflags == (OPM_SHARED | OPM_FIXED) && prog.ops[0].pgoff == 16);
	CHECK(parse_str("r0 = mmap m0 4K prot=r", &prog, NULL) == 0);
	CHECK(prog.ops[0].mflags == 0 && prog.ops[0].pgoff == 0 && prog.ops[0].prot == OPP_READ);
	CHECK(parse_str("touch m0 r0 0 write=0", &prog, NULL) == 0);
	CHECK(prog.ops[0].gfp == 1 && prog.ops[0].n == 0);
	CHECK(parse_str("touch m0 r9 7", &prog, NULL) == 0);
	CHECK(prog.ops[0].dst == 0 && prog.ops[0].src == 9 && prog.ops[0].size == 7 &&
	      prog.ops[0].gfp == 0);
	CHECK(parse_str("munmap m0 r0 0 off=65535", &prog, NULL) == 0 &&
	      prog.ops[0].pgoff == 65535);
}

/* Comments, blank lines, CRLF, tabs, no final newline. */
static void test_layout(void)
{
	const char *s = "# header\r\np0 = alloc_pages 1 zero # c\r\n\r\n \t \r\n"
			"\tkfree  o3\r\ncheck";
	struct parse_error err;

	CHECK(parse_str(s, &prog, &err) == 0);
	CHECK_EQ_UL(prog.n, 3);
	CHECK(prog.ops[0].kind == OP_ALLOC_PAGES && prog.ops[0].order == 1 && prog.ops[0].gfp == 1);
	CHECK(prog.ops[1].kind == OP_KFREE && prog.ops[1].dst == 3);
	CHECK(prog.ops[2].kind == OP_CHECK);

	/* the kmalloc family's gfp words follow its positional arguments */
	CHECK(parse_str("o1 = kcalloc 3 8 nowarn atomic\no2 = krealloc o1 64 zero nofail", &prog,
			&err) == 0);
	CHECK(prog.n == 2 && prog.ops[0].n == 3 && prog.ops[0].size == 8 &&
	      prog.ops[0].gfp == (OPG_ATOMIC | OPG_NOWARN));
	CHECK(prog.ops[1].src == 1 && prog.ops[1].gfp == (OPG_ZERO | OPG_NOFAIL));

	/* text need not be NUL-terminated: a length cuts it */
	CHECK(prog_parse("check\nkfree o1", 5, &prog, &err) == 0);
	CHECK_EQ_UL(prog.n, 1);
}

struct want {
	uint8_t kind, dst, src;
};

static void test_user_names(void)
{
	const char *s = "a = kmalloc 8\n"                             /* o1: o0 is named below */
			"o0 = kmalloc 16\nb = alloc_pages 0\n"        /* p0 */
			"p1 = alloc_pages 1\nc = alloc_pages 2\n"     /* p2: p1 is taken */
			"a = kzalloc 8\n"                             /* rebinding keeps o1 */
			"cache = kmem_cache_create 64\n"              /* c0 */
			"x = kmem_cache_alloc cache\n"                /* o2 */
			"kfree a\np = alloc_pages 0\n"                /* p3 */
			"_q1 = kmem_cache_create 8\n"                 /* c1 */
			"kmem_cache_destroy _q1\nab = krealloc a 8\n" /* o3; source a = o1 */
			"free_pages c\n";
	static const struct want want[] = {
		{ OP_KMALLOC, 1, 0 },      { OP_KMALLOC, 0, 0 },      { OP_ALLOC_PAGES, 0, 0 },
		{ OP_ALLOC_PAGES, 1, 0 },  { OP_ALLOC_PAGES, 2, 0 },  { OP_KZALLOC, 1, 0 },
		{ OP_CACHE_CREATE, 0, 0 }, { OP_CACHE_ALLOC, 2, 0 },  { OP_KFREE, 1, 0 },
		{ OP_ALLOC_PAGES, 3, 0 },  { OP_CACHE_CREATE, 1, 0 }, { OP_CACHE_DESTROY, 1, 0 },
		{ OP_KREALLOC, 3, 1 },     { OP_FREE_PAGES, 2, 0 },
	};
	struct parse_error err;
	size_t nwant = sizeof want / sizeof want[0];

	CHECK(parse_str(s, &prog, &err) == 0);
	CHECK_EQ_UL(prog.n, nwant);
	for (size_t i = 0; i < nwant && i < prog.n; i++) {
		const struct op *o = &prog.ops[i];
		int ok = o->kind == want[i].kind && o->dst == want[i].dst && o->src == want[i].src;
		CHECK(ok);
		if (!ok)
			fprintf(stderr, "  op %zu: kind %u dst %u src %u\n", i, o->kind, o->dst,
				o->src);
	}
}

/* User names for address spaces and regions take free m / r slots. */
static void test_user_names_vm(void)
{
	const char *s = "parent = mm_new\n"                  /* m1: m0 is named below */
			"m0 = mm_new\nchild = fork parent\n" /* m2, src m1 */
			"heap = mmap child 64K prot=rw\n"    /* r0 */
			"r1 = mmap m0 4K prot=r\nstack = mmap parent 8K prot=rw\n" /* r2 */
			"touch parent stack 0 write=1\nmm_exit child\n";
	static const struct want want[] = {
		{ OP_MM_NEW, 1, 0 }, { OP_MM_NEW, 0, 0 },  { OP_MM_FORK, 2, 1 },
		{ OP_MMAP, 0, 2 },   { OP_MMAP, 1, 0 },    { OP_MMAP, 2, 1 },
		{ OP_TOUCH, 1, 2 },  { OP_MM_EXIT, 2, 0 },
	};
	struct parse_error err;
	size_t nwant = sizeof want / sizeof want[0];
	size_t len = 0;

	CHECK(parse_str(s, &prog, &err) == 0);
	CHECK_EQ_UL(prog.n, nwant);
	for (size_t i = 0; i < nwant && i < prog.n; i++) {
		const struct op *o = &prog.ops[i];
		int ok = o->kind == want[i].kind && o->dst == want[i].dst && o->src == want[i].src;
		CHECK(ok);
		if (!ok)
			fprintf(stderr, "  op %zu: kind %u dst %u src %u\n", i, o->kind, o->dst,
				o->src);
	}

	for (int i = 0; i < 9; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "mm%d = mm_new\n", i);
	CHECK(parse_str(text, &prog, &err) == -1);
	CHECK(err.line == 9 && err.col == 1 &&
	      strstr(err.msg, "too many address space names: all 8 address space slots"));
	len = 0;
	for (int i = 0; i < 33; i++)
		len += (size_t)snprintf(text + len, sizeof text - len,
					"reg%d = mmap m0 4K prot=r\n", i);
	CHECK(parse_str(text, &prog, &err) == -1);
	CHECK(err.line == 33 && err.col == 1 && strstr(err.msg, "too many region names"));
}

/* Slots run out: 64 objects with o63 reserved leaves 63 for user names. */
static void test_too_many_names(void)
{
	struct parse_error err;
	size_t len = 0;

	for (int i = 0; i < 64; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "obj%d = kmalloc 8\n", i);
	CHECK(parse_str(text, &prog, &err) == 0);
	len += (size_t)snprintf(text + len, sizeof text - len, "one_more = kzalloc 8\n");
	CHECK(parse_str(text, &prog, &err) == -1);
	CHECK(err.line == 65 && err.col == 1 && strstr(err.msg, "too many object names"));

	/* a canonical name, even used later, takes one slot away */
	len = 0;
	for (int i = 0; i < 63; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "obj%d = kmalloc 8\n", i);
	CHECK(parse_str(text, &prog, &err) == 0);
	snprintf(text + len, sizeof text - len, "extra = kmalloc 8\nkfree o63\n");
	CHECK(parse_str(text, &prog, &err) == -1);
	CHECK(err.line == 64 && err.col == 1 && strstr(err.msg, "too many object names"));

	len = 0;
	for (int i = 0; i < 9; i++)
		len += (size_t)snprintf(text + len, sizeof text - len,
					"cache%d = kmem_cache_create 8\n", i);
	CHECK(parse_str(text, &prog, &err) == -1);
	CHECK(err.line == 9 && err.col == 1 && strstr(err.msg, "too many cache names"));
}

static void test_too_many_ops(void)
{
	struct parse_error err;
	size_t len = 0;

	for (int i = 0; i < PROG_MAX_OPS; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "check\n");
	CHECK(parse_str(text, &prog, &err) == 0);
	CHECK_EQ_UL(prog.n, PROG_MAX_OPS);
	snprintf(text + len, sizeof text - len, "# comments do not count\n\n  fail_nth 2\n");
	CHECK(parse_str(text, &prog, &err) == -1);
	CHECK(err.line == PROG_MAX_OPS + 3 && err.col == 3 &&
	      strstr(err.msg, "more than 4096 ops"));
}

static size_t read_file(const char *rel, char *buf, size_t cap)
{
	char path[1024];
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "%stests/lang/data/%s", MMRIG_SOURCE_DIR, rel);
	f = fopen(path, "rb");
	CHECK(f != NULL);
	if (!f)
		return 0;
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

/* prog_print to a string, through a temporary file. */
static size_t print_to(const struct program *p, char *buf, size_t cap)
{
	FILE *f = tmpfile();
	size_t n;

	CHECK(f != NULL);
	if (!f)
		return 0;
	prog_print(p, f);
	rewind(f);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

/* A file in canonical form prints back byte for byte; a hand-written one
 * prints as its canonical twin, which is a fixed point. */
static void test_canonical_files(void)
{
	struct parse_error err;
	size_t n = read_file("canonical.mmr", text, sizeof text);

	CHECK(n > 0 && prog_parse(text, n, &prog, &err) == 0);
	CHECK(prog.n == 50);
	print_to(&prog, text2, sizeof text2);
	CHECK(strcmp(text, text2) == 0);
	prog_to_text(&prog, text2, sizeof text2);
	CHECK(strcmp(text, text2) == 0);
	CHECK(parse_str(text2, &prog2, &err) == 0 && prog_equal(&prog, &prog2));

	n = read_file("names.mmr", text, sizeof text);
	CHECK(n > 0 && prog_parse(text, n, &prog, &err) == 0);
	print_to(&prog, text2, sizeof text2);
	n = read_file("names.canon.mmr", text, sizeof text);
	CHECK(n > 0 && strcmp(text, text2) == 0);
	if (strcmp(text, text2) != 0)
		fprintf(stderr, "  names.mmr printed as:\n%s", text2);
	CHECK(parse_str(text, &prog2, &err) == 0 && prog_equal(&prog, &prog2));
}

static void test_format_cap(void)
{
	struct op o;
	char buf[6];
	int n;

	memset(&o, 0, sizeof o);
	o.kind = OP_KMALLOC;
	o.size = 4097;
	n = op_format(&o, buf, sizeof buf);
	CHECK_EQ_UL(n, strlen("o0 = kmalloc 4K+1"));
	CHECK(strcmp(buf, "o0 = ") == 0);
	CHECK_EQ_UL(op_format(&o, NULL, 0), n);
	CHECK(strcmp(op_name(OP_CACHE_CREATE), "kmem_cache_create") == 0);
	CHECK(strcmp(op_name(NR_OPS), "invalid") == 0);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	CHECK(f != NULL);
	if (f) {
		CHECK(fwrite(data, 1, len, f) == len);
		fclose(f);
	}
}

static void test_load(void)
{
	struct parse_error err;
	const char *t = "o0 = kmalloc 8\ncheck\n";
	const uint8_t b[] = { PROG_FORMAT_BYTE, OP_KFREE, 3, OP_CHECK };
	const uint8_t old[] = { OP_KFREE, 3, OP_CHECK }; /* no format byte */

	write_file("lang_load.mmr", t, strlen(t));
	write_file("lang_load.bin", b, sizeof b);
	write_file("lang_load_text.bin", t, strlen(t));
	write_file("lang_load_old.bin", old, sizeof old);
	write_file("lang_bad.mmr", "check\n\nkfree\n", 13);

	CHECK(prog_load("lang_load.mmr", PROG_FORM_AUTO, &prog, &err) == 0);
	CHECK(prog.n == 2 && prog.ops[0].kind == OP_KMALLOC);
	CHECK(prog_load("lang_load.bin", PROG_FORM_AUTO, &prog, &err) == 0);
	CHECK(prog.n == 2 && prog.ops[0].kind == OP_KFREE && prog.ops[0].dst == 3);
	CHECK(prog_load("lang_load_text.bin", PROG_FORM_TEXT, &prog, &err) == 0);
	CHECK(prog.n == 2 && prog.ops[1].kind == OP_CHECK);
	/* text bytes as a binary: 'o' is no format byte */
	CHECK(prog_load("lang_load.mmr", PROG_FORM_BINARY, &prog, &err) == -2);
	CHECK(prog.n == 0 && err.line == 0 &&
	      strstr(err.msg, "first byte, 0x6f, is no format byte"));
	CHECK(prog_load("lang_load_old.bin", PROG_FORM_AUTO, &prog, &err) == -2);
	CHECK(err.line == 0 && strstr(err.msg, "mmrig-conv --upgrade --legacy"));

	CHECK(prog_load("lang_bad.mmr", PROG_FORM_AUTO, &prog, &err) == -2);
	CHECK(err.line == 3 && err.col == 6 && strstr(err.msg, "missing argument"));

	errno = 0;
	CHECK(prog_load("no/such/file.mmr", PROG_FORM_AUTO, &prog, &err) == -1);
	CHECK(errno == ENOENT);
	errno = 0;
	CHECK(prog_load(".", PROG_FORM_AUTO, &prog, &err) == -1);
	CHECK(errno == EISDIR);
	remove("lang_load.mmr");
	remove("lang_load.bin");
	remove("lang_load_text.bin");
	remove("lang_load_old.bin");
	remove("lang_bad.mmr");
}

int main(void)
{
	test_errors();
	test_accepted();
	test_layout();
	test_user_names();
	test_user_names_vm();
	test_too_many_names();
	test_too_many_ops();
	test_canonical_files();
	test_format_cap();
	test_load();
	return check_finish("test_lang_parse");
}
