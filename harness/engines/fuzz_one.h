/* What every fuzz engine entry point does with one input. */
#ifndef MMRIG_FUZZ_ONE_H
#define MMRIG_FUZZ_ONE_H

#include <stddef.h>
#include <stdint.h>

/* Maps the arena (once) and installs the crash reporters. */
void fuzz_init(void);
/* Decodes and runs one input; on a divergence prints the report and
 * aborts, which every engine records as a crash. Returns 0, or -1 without
 * running anything when the input is in no binary format version this
 * build reads. */
int fuzz_one(const uint8_t *data, size_t size);

#endif
