# Third-party byte allocators (allocators/jemalloc.c, mimalloc.c, glibc.c).
#
# Sets, for cmake/adapters.cmake:
#   MMRIG_THIRDPARTY_LIBS      libraries to link, in this order
#   MMRIG_THIRDPARTY_DEFS      definitions that switch the adapters on
#                              (MMRIG_HAVE_JEMALLOC=1, ...)
#   MMRIG_THIRDPARTY_INCLUDES  their headers' directories
#   MMRIG_THIRDPARTY_NAMES     the adapters' names (--allocator NAME)
# Without its definition an adapter file compiles to nothing, so a build
# without the library (or a cross build) still globs allocators/*.c.
#
# A missing library is a STATUS message and its adapter is left out.
# Debian packages: libjemalloc-dev, libmimalloc-dev; glibc is always there.
#
# Link order matters: Debian's libjemalloc.so and libmimalloc.so both export
# malloc/free. libc comes first in MMRIG_THIRDPARTY_LIBS so that, in a plain
# build, the dynamic linker finds libc's malloc before theirs and the
# process keeps glibc's allocator (an ASan build's malloc is in the
# executable and wins anyway); only mallocx & co. and mi_* come from them.
# Neither can be dlopen()ed instead: libjemalloc's initial-exec TLS does not
# fit glibc's static TLS surplus. glibc.c's init refuses to run when the
# order was lost and malloc came from one of them.

set(MMRIG_THIRDPARTY_LIBS "")
set(MMRIG_THIRDPARTY_DEFS "")
set(MMRIG_THIRDPARTY_INCLUDES "")
set(MMRIG_THIRDPARTY_NAMES "")

if(CMAKE_CROSSCOMPILING OR NOT CMAKE_SYSTEM_NAME STREQUAL "Linux")
  message(STATUS "mmrig third-party allocators: not built (hosted Linux only)")
  return()
endif()

# glibc: the process's malloc, always there (dladdr/dlsym for the check).
list(APPEND MMRIG_THIRDPARTY_LIBS c ${CMAKE_DL_LIBS})
list(APPEND MMRIG_THIRDPARTY_DEFS MMRIG_HAVE_GLIBC=1)
list(APPEND MMRIG_THIRDPARTY_NAMES glibc)

# NAME: the adapter, HEADER: what its library installs, DEF: its switch.
macro(mmrig_thirdparty name header def)
  find_path(MMRIG_${def}_INCLUDE ${header})
  find_library(MMRIG_${def}_LIB NAMES ${name})
  if(MMRIG_${def}_INCLUDE AND MMRIG_${def}_LIB)
    message(STATUS "mmrig third-party allocators: ${name} (${MMRIG_${def}_LIB})")
    list(APPEND MMRIG_THIRDPARTY_LIBS ${MMRIG_${def}_LIB})
    list(APPEND MMRIG_THIRDPARTY_DEFS MMRIG_HAVE_${def}=1)
    list(APPEND MMRIG_THIRDPARTY_INCLUDES ${MMRIG_${def}_INCLUDE})
    list(APPEND MMRIG_THIRDPARTY_NAMES ${name})
  else()
    message(STATUS "mmrig third-party allocators: ${name} not found "
                   "(apt-get install lib${name}-dev), its adapter is left out")
  endif()
endmacro()

mmrig_thirdparty(jemalloc jemalloc/jemalloc.h JEMALLOC)
mmrig_thirdparty(mimalloc mimalloc.h MIMALLOC)
