# Plants a source that only a hosted or lax build would accept and checks
# that freestanding.cmake rejects it, and accepts the clean copy.
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${WORK_DIR})
file(COPY ${SOURCE_DIR}/kernel/include ${SOURCE_DIR}/kernel/mm ${SOURCE_DIR}/kernel/lib
     DESTINATION ${WORK_DIR}/kernel)

include(${CMAKE_CURRENT_LIST_DIR}/check_selftest.cmake)
set(cc -DCC=${CC})

run_check(TRUE "the clean tree" DEFS ${cc})
set(planted ${WORK_DIR}/kernel/lib/planted.c)
file(WRITE ${planted} "#include <stdio.h>\nvoid f(void) { puts(\"x\"); }\n")
run_check(FALSE "a libc header" DEFS ${cc})
file(WRITE ${planted} "int f(int x) { int unused; return x; }\n")
run_check(FALSE "a warning" DEFS ${cc})
file(WRITE ${planted} "#include \"arch.h\"\nvoid f(void) { arch_poison(0, 0); }\n")
run_check(TRUE "hooks compiled out" DEFS ${cc})
file(REMOVE_RECURSE ${WORK_DIR})
message("freestanding check self-test passed")
