/* Traps: the frame trapvec.S saves, the C handler, the exception table
 * that lets chosen instructions fault, and the probes built on it.
 * Included from assembly too, for the frame layout. */
#ifndef MMRIG_RISCV_TRAP_H
#define MMRIG_RISCV_TRAP_H

/* struct trapframe, in bytes: x0..x31 (x0's slot unused, x2's holds the
 * interrupted sp), then four CSRs. */
#define TF_EPC (32 * 8)
#define TF_STATUS (33 * 8)
#define TF_CAUSE (34 * 8)
#define TF_TVAL (35 * 8)
#define TF_SIZE (36 * 8) /* a multiple of 16: sp stays aligned */

/* Exception-table entry kinds. EX_INSN: the entry's instruction may
 * fault. EX_CALL: the call returning to the entry's address may jump to
 * code that cannot be fetched (the fault's sepc is the target, so the
 * return address is what identifies it). */
#define EX_INSN 0
#define EX_CALL 1

/* probe_trap_regs() gives register xn the value PROBE_REG_PATTERN + n. */
#ifdef __ASSEMBLER__
#define PROBE_REG_PATTERN 0x5a5a5a5a00000000
#else
#define PROBE_REG_PATTERN 0x5a5a5a5a00000000UL
#endif

#ifndef __ASSEMBLER__
#include "types.h"

#define REG_RA 1
#define REG_SP 2
#define REG_A0 10

struct trapframe {
	unsigned long regs[32];
	unsigned long epc, status, cause, tval;
};

_Static_assert(sizeof(struct trapframe) == TF_SIZE, "trapvec.S frame layout");

struct exception_table_entry {
	uintptr_t insn, fixup, kind;
};

/* The last trap the kernel took on purpose: a breakpoint, or a fault an
 * exception-table entry turned into an error return. */
struct trap_record {
	unsigned long cause, tval, epc;
	unsigned long count;
};

extern struct trap_record last_trap;

/* The address space a U-mode access runs in; NULL while nothing runs in
 * U-mode (user_touch sets it around each access). */
struct mm_struct;
extern struct mm_struct *current_mm;

void trap_vector(void);                     /* trapvec.S, stvec */
void kernel_trap(struct trapframe *tf);     /* trap.c */
bool fixup_exception(struct trapframe *tf); /* extable.c */

/* probe.S: one access that may fault. 0 when it happened, else the
 * scause code of the fault (last_trap says where). */
unsigned long probe_load(uintptr_t va, uint8_t *val);
unsigned long probe_store(uintptr_t va, uint8_t val);
/* Calls va as a function that takes nothing and returns 0. */
unsigned long probe_exec(uintptr_t va);
/* Gives every register but x0 and sp the value PROBE_REG_PATTERN + n,
 * takes a breakpoint, and stores what the registers held afterwards in
 * out[n] (out[0] and out[2] are 0). */
void probe_trap_regs(unsigned long out[32]);
#endif

#endif
