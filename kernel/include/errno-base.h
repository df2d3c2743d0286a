/* Error numbers returned (negated) by kernel/mm, with the values Linux and
 * the host libc use, so a hosted caller can print them with strerror(). */
#ifndef MMRIG_ERRNO_BASE_H
#define MMRIG_ERRNO_BASE_H

#ifndef ENOMEM
#define ENOMEM 12 /* an allocation failed; nothing was changed */
#endif
#ifndef EFAULT
#define EFAULT 14 /* bad address: no VMA, or the access is not allowed */
#endif
#ifndef EEXIST
#define EEXIST 17 /* MAP_FIXED_NOREPLACE-style clash */
#endif
#ifndef EINVAL
#define EINVAL 22 /* bad argument (alignment, range, flags) */
#endif
#ifndef ENOSPC
#define ENOSPC 28 /* a fixed-size table (memblock's regions) is full */
#endif

#endif
