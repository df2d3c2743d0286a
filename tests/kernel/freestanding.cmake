# cmake -DSOURCE_DIR=<repo> -DCC=<clang-14> -P freestanding.cmake
# Compiles every kernel/mm and kernel/lib source for bare-metal RISC-V.
cmake_minimum_required(VERSION 3.25)
if(NOT SOURCE_DIR OR NOT CC)
  message(FATAL_ERROR "usage: cmake -DSOURCE_DIR=... -DCC=... -P freestanding.cmake")
endif()
file(GLOB srcs ${SOURCE_DIR}/kernel/mm/*.c ${SOURCE_DIR}/kernel/lib/*.c)
if(NOT srcs)
  message(FATAL_ERROR "no kernel sources under ${SOURCE_DIR}")
endif()
set(flags --target=riscv64-unknown-elf -march=rv64gc -mabi=lp64d -mcmodel=medany
          -ffreestanding -nostdlib -fno-builtin -std=c11 -Wall -Wextra -Werror
          -I${SOURCE_DIR}/kernel/include -DCONFIG_MM_HOOKS=0)
set(failed 0)
foreach(src IN LISTS srcs)
  execute_process(COMMAND ${CC} ${flags} -c -o /dev/null ${src}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message("FAIL ${src}\n${out}${err}")
    math(EXPR failed "${failed} + 1")
  else()
    message("ok   ${src}")
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "${failed} source(s) do not build freestanding")
endif()
