# What the cmake -P tool tests of tests/lang share: fail(MSG) counts a
# failed check, run(RC OUT ERR CMD...) runs a command and keeps its exit
# code, stdout and stderr (expect_stdout checks the last one's),
# finish(WHAT) ends the script by the count.
set(failures 0)

macro(fail msg)
  message(SEND_ERROR "FAIL: ${msg}")
  math(EXPR failures "${failures} + 1")
endmacro()

macro(run rc out err)
  execute_process(COMMAND ${ARGN}
                  RESULT_VARIABLE ${rc} OUTPUT_VARIABLE ${out} ERROR_VARIABLE ${err})
endmacro()

# The last run exited 0 and printed exactly WANT on stdout.
macro(expect_stdout want what)
  if(NOT rc EQUAL 0 OR NOT out STREQUAL "${want}")
    fail("${what}: exit ${rc}, got:\n${out}${err}")
  endif()
endmacro()

macro(finish what)
  if(failures GREATER 0)
    message(FATAL_ERROR "${failures} ${what} checks failed")
  endif()
  message(STATUS "${what}: all checks passed")
endmacro()
