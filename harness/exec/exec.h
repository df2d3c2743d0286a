/* The executor: runs a program on the kernel (hosted) and on the reference
 * models, checks the oracles after every op, stops at the first divergence. */
#ifndef MMRIG_EXEC_H
#define MMRIG_EXEC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "allocator.h"
#include "prog.h"

struct exec_config {
	const struct allocator *allocator; /* NULL: the kernel */
	/* Every program runs on this geometry instead of its own (a replay
	 * under a geometry matrix); NULL: the program's. */
	const struct prog_geometry *geometry;
	/* Every program runs on an arena of this many bytes, laid out as
	 * arenas were before geometries (host_arena_layout_default), which
	 * may be larger than any geometry; 0: the program's geometry. */
	size_t arena_size;
};

#define DIV_TEXT 320

/* checks.c: every check name an oracle may record, and what it means. */
struct check_info {
	const char *name;    /* "<class>" in it stands for a page class */
	bool plugged;        /* judged on plugged allocators too */
	const char *meaning; /* Markdown, one line: the docs' tables */
};
const struct check_info *check_list(size_t *n);
/* The oracles the checks come from, by name prefix: README's table. The
 * last families name signatures no oracle records (kernel panics,
 * sanitizers, crashes), with no check of their own in the list. */
struct check_family {
	const char *prefix; /* "buddy." */
	const char *oracle; /* "buddy model" */
	const char *holds;  /* Markdown, one line: what must hold */
};
const struct check_family *check_families(size_t *n);
/* The entry a recorded name belongs to, or NULL. */
const struct check_info *check_find(const char *name);

struct divergence {
	bool hit;
	char check[48]; /* stable oracle name, e.g. "buddy.free-counts" */
	long op_index;  /* index into the program; -1: at program end, -2: boot */
	/* Set when a plugged allocator reported its own error: the function
	 * that did, which the signature names instead of the op. */
	char func[64];
	/* The allocator under test, empty for the kernel (the default): a
	 * signature names any other. */
	char allocator[40];
	char expected[DIV_TEXT];
	char actual[DIV_TEXT];
};

struct exec;

/* Maps the arena and builds the models; one per process. NULL on failure
 * (message printed). */
struct exec *exec_create(const struct exec_config *cfg);
/* Gives back everything exec_create took (NULL: nothing); exec_create
 * does so itself when it fails part-way. */
void exec_destroy(struct exec *e);

/* The arena the kernel runs on (benchmarks drive the kernel directly). */
struct host_arena *exec_arena(struct exec *e);

/* Runs p from the boot state. Returns 0 when every oracle held, 1 on a
 * divergence (d filled), EXEC_NOT_APPLICABLE when p has an op the
 * allocator cannot run (d names it; nothing ran). A kernel panic or sanitizer report does not
 * return: the crash handler prints the report (see crash.c). */
#define EXEC_NOT_APPLICABLE 2
#define NOT_APPLICABLE_CHECK "harness.not-applicable"
int exec_run(struct exec *e, const struct program *p, struct divergence *d);

/* The allocator this exec runs, and the ops it can run (what a fuzz
 * input of it decodes to). */
const struct allocator *exec_allocator(const struct exec *e);
/* The ops an allocator can run, without an exec (mmrig-conv). */
void allocator_op_set(const struct allocator *a, struct op_set *s);
const struct op_set *exec_op_set(const struct exec *e);

/* A hash of what the last run saw the kernel do: after every op the free
 * blocks per order and the allocated count (the buddy model's mirror of
 * the kernel's choices), and every address-space op's result (addresses
 * mmap picked, bytes read). Nothing in it depends on where the arena is,
 * so two builds (x86-64, riscv64 under qemu-user) that run a program alike
 * print the same digest. */
uint64_t exec_digest(const struct exec *e);

/* Report for a divergence: check, op, preceding ops, expected vs actual and
 * the SIGNATURE line. */
void exec_report(const struct program *p, const struct divergence *d, FILE *out);
/* "check in op-kind [allocator]": stable across rebuilds, no addresses or
 * lines. signature_format is the rule itself, for crash reports too
 * (where NULL: a crash with no place, "crash.signal-11 [allocator]"). */
#define EXEC_AT_BOOT (-2)
/* The per-program reset after the last op (and the final release): the
 * kernel back to its boot state, as a fuzzer does between inputs. */
#define EXEC_AT_RESET (-3)
/* "boot" or "reset" for a position outside the ops, else NULL. */
const char *exec_phase(long op_index);
void signature_format(char *buf, size_t cap, const char *check, const char *where,
		      const char *allocator);
void exec_signature(const struct program *p, const struct divergence *d, char *buf, size_t cap);

/* A touch op's user access, where the arch can make a real one: the
 * riscv kernel sets this to its U-mode runner (a load or store from
 * U-mode on the mm's page table, faults taken by the hart). It returns as
 * the software-MMU loop does (byte, 0, -EFAULT, -ENOMEM), or -ELOOP when
 * the access kept faulting after the kernel resolved its faults. NULL:
 * the hosted software MMU. */
struct mm_struct;
extern long (*exec_user_touch)(struct mm_struct *mm, uintptr_t va, bool write, uint8_t value);
#define EXEC_TOUCH_LOOP (-40)

/* Where a crash handler finds the program and op being run. */
struct exec_position {
	const struct program *prog;
	const char *allocator; /* NULL: the kernel */
	/* The geometry the program ran on: its own, or mmrig-replay
	 * --geometry's (NULL: not yet laid out). */
	const struct prog_geometry *geom;
	/* -1 before boot, EXEC_AT_BOOT, the op's index, p->n during the final
	 * release, EXEC_AT_RESET */
	long op_index;
	/* The run's divergence record: a crash after a divergence in the
	 * same run reports the divergence, the first sign of the bug. */
	const struct divergence *div;
};
extern struct exec_position exec_now;

/* The same position, published where a watching parent can read it (a
 * page shared across fork): a hung or runaway child cannot report itself,
 * so the parent names the op it was stopped in. NULL: nobody watches. */
struct exec_progress {
	volatile long op_index; /* as exec_position's */
	volatile int op_kind;   /* the op's kind; -1 before the first, at the end */
};
extern struct exec_progress *exec_progress;

/* Installs the sanitizer death callback and the panic reporter so a crash
 * prints the op context and a SIGNATURE line. In a build without
 * sanitizers a fatal signal prints the op context and a "frames:" line
 * instead, for the watching parent to name the function (child_run). */
void crash_handlers_install(void);

/* The class of a crash nothing but its signal names: CRASH_SIGNAL_CLASS
 * and the signal number. */
#define CRASH_SIGNAL_CLASS "crash.signal-"

/* The crediting rule of every crash signature: true (and func copied into
 * fn) when a symbolized frame, FILE being "path" or "path:line:col", is
 * the project's and not the crash machinery's. Frames are offered
 * innermost first, inlined ones before their caller. */
bool crash_credited(const char *func, const char *file, char *fn, size_t cap);

/* The op being run and up to 8 before it (op_index -1 or past the end:
 * the final release). */
void report_context(const struct program *p, long op_index, FILE *out);

#endif
