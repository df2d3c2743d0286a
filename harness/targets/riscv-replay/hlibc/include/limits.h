/* hlibc: <limits.h> for LP64 riscv64, the only target of the replay image. */
#ifndef MMRIG_HLIBC_LIMITS_H
#define MMRIG_HLIBC_LIMITS_H

#define CHAR_BIT 8
#define INT_MAX 0x7fffffff
#define INT_MIN (-INT_MAX - 1)
#define UINT_MAX 0xffffffffu
#define LONG_MAX 0x7fffffffffffffffL
#define LONG_MIN (-LONG_MAX - 1)
#define ULONG_MAX 0xffffffffffffffffUL

#endif
