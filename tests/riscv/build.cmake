# cmake -DSOURCE_DIR=<repo> -DBUILD_DIR=<dir> -DPYTHON=<python3> -P build.cmake
# Builds the riscv-kernel preset into BUILD_DIR, plus one planted-bug image
# per tests/riscv/mutants/*.mut and per host spec named by a
# tests/riscv/shared/*.txt (kernel-NAME.elf, written by the planted suite's
# mutate.py), so the boot tests can show the self-test fails. A spec whose
# file: is a header under kernel/include gets a whole copy of that tree in
# mutants/NAME/include with the mutant written over it (as the host's
# planted suite does); the kernel is then compiled again against it.
cmake_minimum_required(VERSION 3.25)
if(NOT SOURCE_DIR OR NOT BUILD_DIR OR NOT PYTHON)
  message(FATAL_ERROR "usage: cmake -DSOURCE_DIR=... -DBUILD_DIR=... -DPYTHON=... -P build.cmake")
endif()

file(GLOB entries ${SOURCE_DIR}/tests/riscv/mutants/*.mut ${SOURCE_DIR}/tests/riscv/shared/*.txt)
set(mutants "")
foreach(entry IN LISTS entries)
  # A shared/*.txt names its spec (spec: path from the source tree); a .mut
  # is its own. Either way the image is named after the spec.
  set(spec ${entry})
  file(STRINGS ${entry} spec_line REGEX "^spec: ")
  if(spec_line)
    string(REGEX REPLACE "^spec: " "" spec "${spec_line}")
    set(spec ${SOURCE_DIR}/${spec})
  endif()
  get_filename_component(name ${spec} NAME_WE)
  file(STRINGS ${spec} file_line REGEX "^file: ")
  string(REGEX REPLACE "^file: " "" file "${file_line}")
  if(file MATCHES "^kernel/include/(.+\\.h)$")
    set(hdr ${CMAKE_MATCH_1})
    set(tree ${BUILD_DIR}/mutants/${name}/include)
    set(out ${tree}/${hdr})
    # Headers include each other by relative path: the whole tree, each
    # file copied only if changed, so that nothing is rebuilt needlessly.
    file(GLOB_RECURSE headers RELATIVE ${SOURCE_DIR}/kernel/include ${SOURCE_DIR}/kernel/include/*)
    list(REMOVE_ITEM headers ${hdr})
    foreach(h IN LISTS headers)
      get_filename_component(d ${tree}/${h} DIRECTORY)
      file(MAKE_DIRECTORY ${d})
      file(COPY_FILE ${SOURCE_DIR}/kernel/include/${h} ${tree}/${h} ONLY_IF_DIFFERENT)
    endforeach()
  else()
    set(out ${BUILD_DIR}/mutants/${name}.c)
  endif()
  get_filename_component(d ${out} DIRECTORY)
  file(MAKE_DIRECTORY ${d})
  # Written aside and copied only if changed: an unchanged mutant is not
  # rebuilt on every run.
  execute_process(COMMAND ${PYTHON} ${SOURCE_DIR}/tests/planted/mutate.py ${spec} ${SOURCE_DIR} ${out}.new
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "mutant ${name}: ${spec} no longer matches ${file}")
  endif()
  file(COPY_FILE ${out}.new ${out} ONLY_IF_DIFFERENT)
  list(APPEND mutants "${name}:${file}=${out}")
endforeach()

cmake_host_system_information(RESULT jobs QUERY NUMBER_OF_LOGICAL_CORES)
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BUILD_DIR} --preset riscv-kernel
                        "-DMMRIG_KERNEL_MUTANTS=${mutants}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the riscv-kernel preset failed:\n${out}${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} -j ${jobs}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the riscv-kernel preset failed:\n${out}${err}")
endif()
# -Werror makes a warning fail the build; this catches what is not one.
if(err MATCHES "warning")
  message(FATAL_ERROR "the riscv-kernel build printed warnings:\n${err}")
endif()
message("built ${BUILD_DIR}/kernel/arch/riscv/kernel.elf and ${mutants}")
