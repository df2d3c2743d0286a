# Plugged allocators: the in-tree ones (allocators/*.c but the core), the
# third-party adapters whose Debian package is installed, and the
# out-of-tree adapter directories named by MMRIG_ADAPTERS.
#
# MMRIG_ADAPTERS: a ;-list of directories. Every *.c file in one is an
# adapter source, compiled against allocators/include alone, with the
# warnings of third-party code tolerated. The objects of one directory are
# linked together (ld -r) and all their symbols made local but the
# registration section's, so two directories may hold two versions of
# the same allocator with the same function names.
set(MMRIG_ADAPTERS "" CACHE STRING "Out-of-tree adapter directories (;-list)")

# Frames in these directories count as the allocator's in a crash
# signature (harness/exec/crash.c).
set(MMRIG_CREDITED_DIRS "")
foreach(dir IN LISTS MMRIG_ADAPTERS)
  get_filename_component(abs ${dir} ABSOLUTE)
  if(NOT IS_DIRECTORY ${abs})
    message(FATAL_ERROR "MMRIG_ADAPTERS: ${dir} is not a directory")
  endif()
  list(APPEND MMRIG_CREDITED_DIRS ${abs}/)
endforeach()
string(REPLACE ";" ":" MMRIG_CREDITED_DEF "${MMRIG_CREDITED_DIRS}")


# mmrig_plugs(REST FLAGS LAUNCHER): the plugged allocators' objects of one
# core variant, as REST_plugs (in-tree) and REST_adapter_N (per directory).
function(mmrig_plugs rest flags launcher)
  set(objs)
  # The credit is the crash reporter's (harness/exec/crash.c), in REST.
  if(MMRIG_CREDITED_DEF)
    target_compile_definitions(${rest} PRIVATE MMRIG_CREDITED_DIRS="${MMRIG_CREDITED_DEF}")
  endif()
  if(MMRIG_PLUG_SRCS)
    add_library(${rest}_plugs OBJECT ${MMRIG_PLUG_SRCS})
    target_include_directories(${rest}_plugs PRIVATE ${MMRIG_CORE_INCLUDES})
    target_compile_definitions(${rest}_plugs PRIVATE CONFIG_MM_HOOKS=1 _GNU_SOURCE
                               ${MMRIG_THIRDPARTY_DEFS})
    target_include_directories(${rest}_plugs PRIVATE ${MMRIG_THIRDPARTY_INCLUDES})
    target_compile_options(${rest}_plugs PRIVATE ${flags})
    if(launcher)
      set_target_properties(${rest}_plugs PROPERTIES C_COMPILER_LAUNCHER "${launcher}")
    endif()
    list(APPEND objs $<TARGET_OBJECTS:${rest}_plugs>)
  endif()
  set(i 0)
  foreach(dir IN LISTS MMRIG_ADAPTERS)
    get_filename_component(abs ${dir} ABSOLUTE)
    file(GLOB srcs CONFIGURE_DEPENDS ${abs}/*.c)
    if(NOT srcs)
      message(FATAL_ERROR "MMRIG_ADAPTERS: ${abs} has no .c file")
    endif()
    set(lib ${rest}_adapter_${i})
    add_library(${lib} OBJECT ${srcs})
    target_include_directories(${lib} PRIVATE ${CMAKE_SOURCE_DIR}/allocators/include ${abs})
    # Third-party code: its warnings are its own business, not errors here.
    target_compile_options(${lib} PRIVATE ${flags} -Wno-error -w -fvisibility=hidden)
    set_target_properties(${lib} PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)
    if(launcher)
      set_target_properties(${lib} PROPERTIES C_COMPILER_LAUNCHER "${launcher}")
    endif()
    set(out ${CMAKE_CURRENT_BINARY_DIR}/${lib}.o)
    add_custom_command(OUTPUT ${out}
      COMMAND ld -r -o ${out} $<TARGET_OBJECTS:${lib}>
      COMMAND objcopy --localize-hidden ${out}
      DEPENDS ${lib} $<TARGET_OBJECTS:${lib}>
      COMMAND_EXPAND_LISTS
      COMMENT "adapter directory ${abs}")
    add_custom_target(${lib}_linked DEPENDS ${out})
    list(APPEND objs ${out})
    math(EXPR i "${i} + 1")
  endforeach()
  set_property(GLOBAL PROPERTY ${rest}_PLUG_OBJS "${objs}")
endfunction()

# Every executable that links core NAME gets the plugged objects of REST.
function(mmrig_plugs_link name rest)
  get_property(objs GLOBAL PROPERTY ${rest}_PLUG_OBJS)
  target_sources(${name} INTERFACE ${objs})
  # In the order thirdparty.cmake gives: libc before the libraries that
  # also export malloc.
  target_link_libraries(${name} INTERFACE ${MMRIG_THIRDPARTY_LIBS})
  set(i 0)
  foreach(dir IN LISTS MMRIG_ADAPTERS)
    add_dependencies(${name} ${rest}_adapter_${i}_linked)
    math(EXPR i "${i} + 1")
  endforeach()
endfunction()
