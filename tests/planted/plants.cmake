# The planted bugs' lists, from the one reader of the .mut format
# (scripts/rig/plants.py; docs/planted-bugs.md), and the functions every
# suite that builds or runs a plant uses. Included by tests/CMakeLists.txt
# before any suite, so a suite asks for a plant by name and never depends
# on another suite having been added first.

set(MMRIG_PLANTS_READER ${CMAKE_SOURCE_DIR}/scripts/rig/plants.py)
set(MMRIG_PLANTS_CMAKE ${CMAKE_BINARY_DIR}/tests/plants.cmake)
set(MMRIG_PLANT_WRITER ${CMAKE_SOURCE_DIR}/tests/planted/mutate.py)
execute_process(
  COMMAND ${Python3_EXECUTABLE} ${MMRIG_PLANTS_READER} --cmake ${MMRIG_PLANTS_CMAKE}
          planted=${CMAKE_SOURCE_DIR}/tests/planted/mutants
          robust=${CMAKE_SOURCE_DIR}/tests/robust
          riscv=${CMAKE_SOURCE_DIR}/tests/riscv/mutants
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  # Its FILE:LINE:COL message went to the terminal as it is.
  message(FATAL_ERROR "planted bugs: scripts/rig/plants.py failed (exit ${rc})")
endif()
include(${MMRIG_PLANTS_CMAKE})
# An edited spec re-runs the reader; an added or removed one changes its
# directory's time stamp.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${MMRIG_PLANT_SPECS} ${MMRIG_PLANT_DIRS} ${MMRIG_PLANTS_READER}
  ${CMAKE_SOURCE_DIR}/scripts/rig/mutants.py)

# mmrig_plant_unmet(OUT NAME...): why this build cannot plant one of the
# named bugs (one phrase), or empty. A needs: this build does not meet.
function(mmrig_plant_unmet out)
  set(why "")
  foreach(name IN LISTS ARGN)
    if(NOT DEFINED MMRIG_PLANT_${name}_SPEC)
      message(FATAL_ERROR "no planted bug '${name}' (the .mut specs: ${MMRIG_PLANT_DIRS})")
    endif()
    if(MMRIG_PLANT_${name}_NEEDS STREQUAL "sanitizers" AND NOT MMRIG_SANITIZE)
      set(why "${name} needs sanitizers (MMRIG_SANITIZE is OFF)")
      break()
    endif()
  endforeach()
  set(${out} "${why}" PARENT_SCOPE)
endfunction()

# mmrig_skip_test(TEST REASON): a test this build cannot run stays in the
# list, reported by ctest as skipped, with its reason in its output.
function(mmrig_skip_test test reason)
  add_test(NAME ${test} COMMAND ${CMAKE_COMMAND} -E echo "skipped: ${reason}")
  set_tests_properties(${test} PROPERTIES SKIP_REGULAR_EXPRESSION "^skipped: ")
endfunction()

# mmrig_plant_core(CORE PLANTS NAME... REUSE BASE [UNSANITIZED]): the core
# library BASE with the named plants' mutants in place of their sources
# (mmrig_core in cmake/core.cmake). A mutant is written into
# <this binary dir>/mutants/NAME once per directory, whatever cores use it.
# A header plant (file: under kernel/include) shadows the real header with
# a whole copy of the tree, as headers include each other by relative
# path; every kernel source that includes it is rebuilt.
function(mmrig_plant_core core)
  cmake_parse_arguments(A "UNSANITIZED" "REUSE" "PLANTS" ${ARGN})
  set(replace "")
  set(include_first "")
  set(headers "")
  foreach(name IN LISTS A_PLANTS)
    mmrig_plant_unmet(why ${name})
    if(why)
      message(FATAL_ERROR "${core}: ${why}; ask mmrig_plant_unmet() first")
    endif()
    set(file ${MMRIG_PLANT_${name}_FILE})
    set(spec ${MMRIG_PLANT_${name}_SPEC})
    set(mdir ${CMAKE_CURRENT_BINARY_DIR}/mutants/${name})
    if(file MATCHES "^kernel/include/(.+\\.h)$")
      if(include_first)
        message(FATAL_ERROR "${core}: two header plants in one core")
      endif()
      set(out ${mdir}/include/${CMAKE_MATCH_1})
      set(include_first INCLUDE_FIRST ${mdir}/include)
      set(prep COMMAND ${CMAKE_COMMAND} -E copy_directory ${CMAKE_SOURCE_DIR}/kernel/include ${mdir}/include)
      file(GLOB_RECURSE prep_deps CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/kernel/include/*.h)
      list(APPEND headers ${out})
    else()
      get_filename_component(base ${file} NAME)
      set(out ${mdir}/${base})
      list(APPEND replace ${file}=${out})
      set(prep "")
      set(prep_deps "")
    endif()
    get_property(written DIRECTORY PROPERTY mmrig_plant_written_${name})
    if(NOT written)
      set_property(DIRECTORY PROPERTY mmrig_plant_written_${name} TRUE)
      get_filename_component(odir ${out} DIRECTORY)
      add_custom_command(OUTPUT ${out}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${odir}
        ${prep}
        COMMAND ${Python3_EXECUTABLE} ${MMRIG_PLANT_WRITER} ${spec} ${CMAKE_SOURCE_DIR} ${out}
        DEPENDS ${spec} ${CMAKE_SOURCE_DIR}/${file} ${MMRIG_PLANT_WRITER} ${MMRIG_PLANTS_READER}
                ${CMAKE_SOURCE_DIR}/scripts/rig/mutants.py ${prep_deps}
        COMMENT "mutant ${name}")
    endif()
  endforeach()
  set(args REUSE ${A_REUSE} ${include_first})
  if(replace)
    list(APPEND args REPLACE ${replace})
  endif()
  if(A_UNSANITIZED)
    list(APPEND args UNSANITIZED)
  endif()
  mmrig_core(${core} ${args})
  if(headers)
    # The header is no source of the library: make the objects wait for it.
    add_custom_target(${core}_header DEPENDS ${headers})
    add_dependencies(${core}_kernel ${core}_header)
  endif()
endfunction()
