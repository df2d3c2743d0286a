# Plants forbidden includes in a copy of the kernel tree and checks that
# includes.cmake rejects each, and accepts the clean copy.
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${WORK_DIR})
file(COPY ${SOURCE_DIR}/kernel/include ${SOURCE_DIR}/kernel/mm ${SOURCE_DIR}/kernel/lib
     DESTINATION ${WORK_DIR}/kernel)
# Real neighbours, so a relative include escaping kernel/ resolves.
file(COPY ${SOURCE_DIR}/kernel/arch/host/host.h DESTINATION ${WORK_DIR}/kernel/arch/host)
file(WRITE ${WORK_DIR}/harness/lang/prog.h "/* stand-in */\n")

include(${CMAKE_CURRENT_LIST_DIR}/check_selftest.cmake)

run_check(TRUE "clean copy")
set(planted ${WORK_DIR}/kernel/mm/planted.c)
foreach(inc "<stdio.h>" "<string.h>" "\"../../harness/lang/prog.h\""
            "\"../arch/host/host.h\"" "\"host.h\"" "\"nonexistent.h\"")
  file(WRITE ${planted} "#include ${inc}\n")
  run_check(FALSE "#include ${inc}")
endforeach()
file(WRITE ${planted} "#include <stddef.h>\n#include \"mm/page.h\"\n#include \"lib.h\"\n")
run_check(TRUE "allowed includes")
file(REMOVE_RECURSE ${WORK_DIR})
message("include check self-test passed")
