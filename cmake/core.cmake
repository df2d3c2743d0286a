# mmrig_core(NAME [FLAGS f...] [LAUNCHER l...] [REPLACE rel/path.c=/abs/mutant.c ...]
#            [INCLUDE_FIRST dir] [REUSE OTHER_CORE])
#
# Builds the kernel (hosted), the allocators and the harness library as the
# static library NAME. FLAGS adds compile options (engine instrumentation),
# LAUNCHER wraps the compiler (afl-cc reads its mode from the environment),
# REPLACE swaps a source for a mutant (planted-bug self-tests);
# INCLUDE_FIRST puts a directory of mutant kernel headers in front of
# kernel/include for the kernel's objects only (the harness and the
# software MMU keep the real headers, as they keep their own code);
# UNSANITIZED builds it without MMRIG_SAN_FLAGS in a sanitizer build, so
# one tree holds both kinds of a planted bug (a REUSEd core must be
# UNSANITIZED too).
file(GLOB MMRIG_KERNEL_MM_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/kernel/mm/*.c)
# string.c is the freestanding libc subset; the hosted build uses the host libc.
file(GLOB MMRIG_KERNEL_LIB_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/kernel/lib/*.c)
list(FILTER MMRIG_KERNEL_LIB_SRCS EXCLUDE REGEX "/string\\.c$")
file(GLOB MMRIG_HOST_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/kernel/arch/host/*.c)
# The allocators' registry and the kernel's side of the adapter calls are
# the core; every other file in allocators/ is a plugged allocator, which
# nothing references (it registers itself in a section), so its objects
# go to every executable directly instead of through the static library.
file(GLOB MMRIG_PLUG_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/allocators/*.c)
set(MMRIG_ALLOC_SRCS ${CMAKE_SOURCE_DIR}/allocators/registry.c
    ${CMAKE_SOURCE_DIR}/allocators/kbuddy.c ${CMAKE_SOURCE_DIR}/allocators/source.c)
list(REMOVE_ITEM MMRIG_PLUG_SRCS ${MMRIG_ALLOC_SRCS})
include(${CMAKE_CURRENT_LIST_DIR}/thirdparty.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/adapters.cmake)
file(GLOB MMRIG_HARNESS_SRCS CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/harness/lang/*.c
     ${CMAKE_SOURCE_DIR}/harness/model/*.c
     ${CMAKE_SOURCE_DIR}/harness/exec/*.c)

set(MMRIG_CORE_INCLUDES
    ${CMAKE_SOURCE_DIR}/allocators/include
    ${CMAKE_SOURCE_DIR}/kernel/include
    ${CMAKE_SOURCE_DIR}/kernel/arch/host
    ${CMAKE_SOURCE_DIR}/allocators
    ${CMAKE_SOURCE_DIR}/harness/lang
    ${CMAKE_SOURCE_DIR}/harness/model
    ${CMAKE_SOURCE_DIR}/harness/exec)

function(mmrig_core name)
  cmake_parse_arguments(A "UNSANITIZED" "REUSE;INCLUDE_FIRST" "FLAGS;LAUNCHER;REPLACE" ${ARGN})
  set(kernel_srcs ${MMRIG_KERNEL_MM_SRCS} ${MMRIG_KERNEL_LIB_SRCS})
  foreach(r IN LISTS A_REPLACE)
    string(REPLACE "=" ";" pair "${r}")
    list(GET pair 0 orig)
    list(GET pair 1 mutant)
    list(TRANSFORM kernel_srcs REPLACE "^${CMAKE_SOURCE_DIR}/${orig}$" "${mutant}")
  endforeach()

  # kernel/mm and kernel/lib are freestanding even in the hosted build: no
  # libc header can sneak in unnoticed. kernel/mm is on the include path so
  # a mutant built elsewhere still finds its private headers.
  add_library(${name}_kernel OBJECT ${kernel_srcs})
  if(A_INCLUDE_FIRST)
    target_include_directories(${name}_kernel BEFORE PRIVATE ${A_INCLUDE_FIRST})
  endif()
  target_include_directories(${name}_kernel PRIVATE
    ${CMAKE_SOURCE_DIR}/kernel/include ${CMAKE_SOURCE_DIR}/kernel/mm)
  target_compile_definitions(${name}_kernel PRIVATE CONFIG_MM_HOOKS=1)
  # Unwind tables, which -ffreestanding drops, let a crash report walk
  # through kernel frames.
  target_compile_options(${name}_kernel PRIVATE -ffreestanding -fasynchronous-unwind-tables ${A_FLAGS})
  set(targets ${name}_kernel)

  # Mutants only replace kernel files: they reuse the rest of a core.
  if(A_REUSE)
    set(rest ${A_REUSE}_rest)
  else()
    set(rest ${name}_rest)
    # The hosted arch is kernel code: it sees the kernel's headers and its
    # own, never the harness's, which reaches it through host.h and mmu.h.
    add_library(${rest}_arch OBJECT ${MMRIG_HOST_SRCS})
    target_include_directories(${rest}_arch PRIVATE
      ${CMAKE_SOURCE_DIR}/kernel/include ${CMAKE_SOURCE_DIR}/kernel/arch/host)
    add_library(${rest} OBJECT ${MMRIG_ALLOC_SRCS} ${MMRIG_HARNESS_SRCS})
    target_include_directories(${rest} PRIVATE ${MMRIG_CORE_INCLUDES})
    foreach(t ${rest} ${rest}_arch)
      target_compile_definitions(${t} PRIVATE CONFIG_MM_HOOKS=1 _GNU_SOURCE)
      target_compile_options(${t} PRIVATE ${A_FLAGS})
    endforeach()
    # Every switch over op kinds names each kind (no default): a new kind
    # is an error wherever it has no case yet (world.h, OP_CASES_*).
    set_source_files_properties(${MMRIG_HARNESS_SRCS} TARGET_DIRECTORY ${rest}
                                PROPERTIES COMPILE_OPTIONS -Wswitch-enum)
    list(APPEND targets ${rest} ${rest}_arch)
    mmrig_plugs(${rest} "${A_FLAGS}" "${A_LAUNCHER}")
  endif()

  add_library(${name} STATIC $<TARGET_OBJECTS:${name}_kernel> $<TARGET_OBJECTS:${rest}_arch>
              $<TARGET_OBJECTS:${rest}>)
  mmrig_plugs_link(${name} ${rest})
  target_include_directories(${name} PUBLIC ${MMRIG_CORE_INCLUDES})
  target_compile_definitions(${name} PUBLIC CONFIG_MM_HOOKS=1 _GNU_SOURCE)
  if(A_LAUNCHER)
    set_target_properties(${targets} PROPERTIES C_COMPILER_LAUNCHER "${A_LAUNCHER}")
  endif()
  if(A_UNSANITIZED)
    if(NOT A_REUSE)
      # The plugged allocators and adapter directories built for REST.
      if(TARGET ${rest}_plugs)
        list(APPEND targets ${rest}_plugs)
      endif()
      set(i 0)
      while(TARGET ${rest}_adapter_${i})
        list(APPEND targets ${rest}_adapter_${i})
        math(EXPR i "${i} + 1")
      endwhile()
    endif()
    mmrig_unsanitized(${targets})
  endif()
endfunction()

# The targets without the sanitizer flags the whole build is given.
function(mmrig_unsanitized)
  foreach(t IN LISTS ARGN)
    foreach(prop COMPILE_OPTIONS LINK_OPTIONS)
      get_target_property(opts ${t} ${prop})
      if(opts)
        list(REMOVE_ITEM opts ${MMRIG_SAN_FLAGS})
        set_target_properties(${t} PROPERTIES ${prop} "${opts}")
      endif()
    endforeach()
  endforeach()
endfunction()
