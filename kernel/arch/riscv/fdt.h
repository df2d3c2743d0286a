/* A flattened-device-tree reader that knows just what the boot needs:
 * where RAM is, what firmware reserved in it, and the timer's frequency. */
#ifndef MMRIG_RISCV_FDT_H
#define MMRIG_RISCV_FDT_H

#include "types.h"

#define FDT_MAX_RANGES 8

/* [start, end) of physical memory. */
struct phys_range {
	phys_addr_t start, end;
};

struct fdt_info {
	struct phys_range mem[FDT_MAX_RANGES]; /* /memory reg */
	int nr_mem;
	/* the header's reservation block and /reserved-memory's children */
	struct phys_range reserved[FDT_MAX_RANGES];
	int nr_reserved;
	unsigned long timebase_hz; /* /cpus timebase-frequency, 0 if absent */
	phys_addr_t blob;          /* the tree itself, which must be kept too */
	size_t blob_size;
};

/* Fill info from the tree at blob: 0, or -1 if blob is no device tree.
 * Ranges beyond FDT_MAX_RANGES are dropped (RAM then goes unused, which
 * is safe; a dropped reservation is not, so that is -1 too). */
int fdt_parse(const void *blob, struct fdt_info *info);

#endif
