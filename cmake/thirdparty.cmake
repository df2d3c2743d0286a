# Third-party byte allocators (allocators/jemalloc.c, mimalloc.c, glibc.c).
#
# Sets, for the includer:
#   MMRIG_THIRDPARTY_SRCS  adapter files to compile
#   MMRIG_THIRDPARTY_LIBS  libraries to link, in this order
#   MMRIG_THIRDPARTY_DEFS  compile definitions that switch the adapters on
#                          (MMRIG_HAVE_JEMALLOC=1, ...)
#   MMRIG_THIRDPARTY_NAMES the adapters' names (--allocator NAME)
# and puts each adapter's definition on its source file for targets made in
# the including directory; a target made elsewhere that compiles these
# files needs target_compile_definitions(T PRIVATE ${MMRIG_THIRDPARTY_DEFS}).
# Without its definition an adapter file compiles to nothing, so the core's
# glob of allocators/*.c and the riscv builds never need these libraries.
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

set(MMRIG_THIRDPARTY_SRCS "")
set(MMRIG_THIRDPARTY_LIBS "")
set(MMRIG_THIRDPARTY_DEFS "")
set(MMRIG_THIRDPARTY_NAMES "")

if(CMAKE_CROSSCOMPILING OR NOT CMAKE_SYSTEM_NAME STREQUAL "Linux")
  message(STATUS "mmrig third-party allocators: not built (hosted Linux only)")
  return()
endif()

set(_mmrig_tp_dir ${CMAKE_CURRENT_LIST_DIR}/../allocators)
get_filename_component(_mmrig_tp_dir ${_mmrig_tp_dir} ABSOLUTE)

# glibc: the process's malloc, always there (dladdr/dlsym for the check).
list(APPEND MMRIG_THIRDPARTY_SRCS ${_mmrig_tp_dir}/glibc.c)
list(APPEND MMRIG_THIRDPARTY_DEFS MMRIG_HAVE_GLIBC=1)
list(APPEND MMRIG_THIRDPARTY_NAMES glibc)
set_source_files_properties(${_mmrig_tp_dir}/glibc.c PROPERTIES
  COMPILE_DEFINITIONS MMRIG_HAVE_GLIBC=1)
list(APPEND MMRIG_THIRDPARTY_LIBS c ${CMAKE_DL_LIBS})

find_path(MMRIG_JEMALLOC_INCLUDE jemalloc/jemalloc.h)
find_library(MMRIG_JEMALLOC_LIB NAMES jemalloc)
if(MMRIG_JEMALLOC_INCLUDE AND MMRIG_JEMALLOC_LIB)
  message(STATUS "mmrig third-party allocators: jemalloc (${MMRIG_JEMALLOC_LIB})")
  list(APPEND MMRIG_THIRDPARTY_SRCS ${_mmrig_tp_dir}/jemalloc.c)
  list(APPEND MMRIG_THIRDPARTY_LIBS ${MMRIG_JEMALLOC_LIB})
  list(APPEND MMRIG_THIRDPARTY_DEFS MMRIG_HAVE_JEMALLOC=1)
  list(APPEND MMRIG_THIRDPARTY_NAMES jemalloc)
  set_source_files_properties(${_mmrig_tp_dir}/jemalloc.c PROPERTIES
    COMPILE_DEFINITIONS MMRIG_HAVE_JEMALLOC=1
    INCLUDE_DIRECTORIES ${MMRIG_JEMALLOC_INCLUDE})
else()
  message(STATUS "mmrig third-party allocators: jemalloc not found "
                 "(apt-get install libjemalloc-dev), its adapter is left out")
endif()

find_path(MMRIG_MIMALLOC_INCLUDE mimalloc.h)
find_library(MMRIG_MIMALLOC_LIB NAMES mimalloc)
if(MMRIG_MIMALLOC_INCLUDE AND MMRIG_MIMALLOC_LIB)
  message(STATUS "mmrig third-party allocators: mimalloc (${MMRIG_MIMALLOC_LIB})")
  list(APPEND MMRIG_THIRDPARTY_SRCS ${_mmrig_tp_dir}/mimalloc.c)
  list(APPEND MMRIG_THIRDPARTY_LIBS ${MMRIG_MIMALLOC_LIB})
  list(APPEND MMRIG_THIRDPARTY_DEFS MMRIG_HAVE_MIMALLOC=1)
  list(APPEND MMRIG_THIRDPARTY_NAMES mimalloc)
  set_source_files_properties(${_mmrig_tp_dir}/mimalloc.c PROPERTIES
    COMPILE_DEFINITIONS MMRIG_HAVE_MIMALLOC=1
    INCLUDE_DIRECTORIES ${MMRIG_MIMALLOC_INCLUDE})
else()
  message(STATUS "mmrig third-party allocators: mimalloc not found "
                 "(apt-get install libmimalloc-dev), its adapter is left out")
endif()

unset(_mmrig_tp_dir)
