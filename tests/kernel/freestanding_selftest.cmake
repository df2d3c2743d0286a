# Plants a source that only a hosted or lax build would accept and checks
# that freestanding.cmake rejects it, and accepts the clean copy.
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${WORK_DIR})
file(COPY ${SOURCE_DIR}/kernel/include ${SOURCE_DIR}/kernel/mm ${SOURCE_DIR}/kernel/lib
     DESTINATION ${WORK_DIR}/kernel)

function(run_check expect_ok what)
  execute_process(COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${WORK_DIR} -DCC=${CC} -P ${CHECK_SCRIPT}
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(expect_ok AND NOT rc EQUAL 0)
    message(FATAL_ERROR "freestanding check rejected ${what}")
  elseif(NOT expect_ok AND rc EQUAL 0)
    message(FATAL_ERROR "freestanding check accepted ${what}")
  endif()
endfunction()

run_check(TRUE "the clean tree")
set(planted ${WORK_DIR}/kernel/lib/planted.c)
file(WRITE ${planted} "#include <stdio.h>\nvoid f(void) { puts(\"x\"); }\n")
run_check(FALSE "a libc header")
file(WRITE ${planted} "int f(int x) { int unused; return x; }\n")
run_check(FALSE "a warning")
file(WRITE ${planted} "#include \"arch.h\"\nvoid f(void) { arch_poison(0, 0); }\n")
run_check(TRUE "hooks compiled out")
file(REMOVE_RECURSE ${WORK_DIR})
message("freestanding check self-test passed")
