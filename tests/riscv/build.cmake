# cmake -DSOURCE_DIR=<repo> -DBUILD_DIR=<dir> -DPYTHON=<python3>
#       -DPLANTS=<the build's plants.cmake> -P build.cmake
# Builds the riscv-kernel preset into BUILD_DIR, plus one planted-bug image
# (kernel-NAME.elf) per plant in PLANTS's MMRIG_PLANTS_BOOT (written by
# scripts/rig/plants.py at configure time), each mutant written by the
# planted suite's mutate.py, so the boot tests can show the self-test
# fails. A plant whose file: is a header under kernel/include gets a whole
# copy of that tree in mutants/NAME/include with the mutant written over it
# (as the host's planted suite does); the kernel is then compiled again
# against it.
cmake_minimum_required(VERSION 3.25)
if(NOT SOURCE_DIR OR NOT BUILD_DIR OR NOT PYTHON OR NOT PLANTS)
  message(FATAL_ERROR "usage: cmake -DSOURCE_DIR=... -DBUILD_DIR=... -DPYTHON=... -DPLANTS=... -P build.cmake")
endif()
include(${PLANTS})

set(mutants "")
foreach(name IN LISTS MMRIG_PLANTS_BOOT)
  set(spec ${MMRIG_PLANT_${name}_SPEC})
  set(file ${MMRIG_PLANT_${name}_FILE})
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
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "mutant ${name}: ${err}")
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
