/* The corpus replay inside the riscv kernel (kernel-replay.elf): what its
 * files share. */
#ifndef MMRIG_RISCV_REPLAY_H
#define MMRIG_RISCV_REPLAY_H

#include <stddef.h>
#include <stdint.h>

/* context.S. 26 doublewords: ra, sp, s0-s11, fs0-fs11. */
struct rv_context {
	uint64_t regs[26];
};
int rv_save_context(struct rv_context *ctx) __attribute__((returns_twice));
void rv_resume_context(struct rv_context *ctx) __attribute__((noreturn));
void rv_call_on_stack(void (*fn)(void *), void *arg, void *top);

/* console.c: while set, a kernel panic resumes ctx (once) after printing
 * its report, instead of stopping the machine. */
void replay_catch_panics(struct rv_context *ctx);

/* memory.c: RAM for the harness, taken from the boot kernel's buddy
 * before the first program replaces that buddy with the arena's. */
int replay_memory_init(size_t heap_size);

/* corpus.c (generated at build time): the programs linked into the image,
 * in mmrig-replay's order (by directory as given, then by name). */
struct corpus_entry {
	const char *name;          /* path as mmrig-replay prints it */
	const unsigned char *data; /* file contents (text for *.mmr) */
	size_t len;
};
extern const struct corpus_entry corpus[];
extern const size_t corpus_count;

#endif
