# cmake -DSOURCE_DIR=<repo> -DBUILD_DIR=<dir> -DPYTHON=<python3> -P build.cmake
# Builds the riscv-kernel preset into BUILD_DIR, plus one planted-bug image
# per tests/riscv/mutants/*.mut (kernel-NAME.elf, written by the planted
# suite's mutate.py), so the boot tests can show the self-test fails.
cmake_minimum_required(VERSION 3.25)
if(NOT SOURCE_DIR OR NOT BUILD_DIR OR NOT PYTHON)
  message(FATAL_ERROR "usage: cmake -DSOURCE_DIR=... -DBUILD_DIR=... -DPYTHON=... -P build.cmake")
endif()

file(GLOB specs ${SOURCE_DIR}/tests/riscv/mutants/*.mut)
set(mutants "")
foreach(spec IN LISTS specs)
  get_filename_component(name ${spec} NAME_WE)
  file(STRINGS ${spec} file_line REGEX "^file: ")
  string(REGEX REPLACE "^file: " "" file "${file_line}")
  set(out ${BUILD_DIR}/mutants/${name}.c)
  file(MAKE_DIRECTORY ${BUILD_DIR}/mutants)
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
