/* The Sv39 encoding as the RISC-V privileged spec (4.3, 4.4) gives it,
 * written down a second time for the software MMU. The kernel has its own
 * macros in mm/vm.h; decoding here without them means a kernel that
 * encodes a PTE wrongly (a bad PPN shift, a flag in the wrong bit) gets
 * the translation hardware would give it, not the one it meant. */
#ifndef MMRIG_HOST_SV39_H
#define MMRIG_HOST_SV39_H

#include <stdint.h>

#define SV39_LEVELS 3
#define SV39_PAGE_SHIFT 12
#define SV39_VPN_BITS 9
#define SV39_VA_BITS 39

/* PTE bits 0-7; 8-9 are RSW (software's), 10-53 the PPN, 54-63 reserved
 * (Svnapot / Svpbmt are not implemented: those bits must be 0). */
#define SV39_V (1ULL << 0)
#define SV39_R (1ULL << 1)
#define SV39_W (1ULL << 2)
#define SV39_X (1ULL << 3)
#define SV39_U (1ULL << 4)
#define SV39_G (1ULL << 5)
#define SV39_A (1ULL << 6)
#define SV39_D (1ULL << 7)
#define SV39_PPN_SHIFT 10
#define SV39_PPN_BITS 44
#define SV39_HIGH_RESERVED (~0ULL << 54)

static inline unsigned int sv39_vpn(uint64_t va, int level)
{
	return (unsigned int)(va >> (SV39_PAGE_SHIFT + SV39_VPN_BITS * level)) &
	       ((1u << SV39_VPN_BITS) - 1);
}

static inline uint64_t sv39_ppn(uint64_t pte)
{
	return (pte >> SV39_PPN_SHIFT) & ((1ULL << SV39_PPN_BITS) - 1);
}

static inline uint64_t sv39_pa(uint64_t pte)
{
	return sv39_ppn(pte) << SV39_PAGE_SHIFT;
}

/* Bytes a leaf at this level maps. */
static inline uint64_t sv39_level_size(int level)
{
	return 1ULL << (SV39_PAGE_SHIFT + SV39_VPN_BITS * level);
}

static inline int sv39_is_leaf(uint64_t pte)
{
	return (pte & (SV39_R | SV39_W | SV39_X)) != 0;
}

#endif
