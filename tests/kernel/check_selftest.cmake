# include()d by the *_selftest.cmake scripts, which plant faults in a copy
# of the tree at WORK_DIR and expect CHECK_SCRIPT to reject each.
#
# run_check(EXPECT_OK WHAT [OUTPUT regex] [DEFS -Dname=value...]): runs
# CHECK_SCRIPT on WORK_DIR with DEFS, and stops the self-test when its
# verdict is not EXPECT_OK or, with OUTPUT, no line of its output matches.
function(run_check expect_ok what)
  cmake_parse_arguments(A "" "OUTPUT" "DEFS" ${ARGN})
  get_filename_component(check ${CHECK_SCRIPT} NAME_WE)
  execute_process(COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${WORK_DIR} ${A_DEFS} -P ${CHECK_SCRIPT}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(expect_ok AND NOT rc EQUAL 0)
    message(FATAL_ERROR "${check} check rejected ${what}:\n${out}")
  elseif(NOT expect_ok AND rc EQUAL 0)
    message(FATAL_ERROR "${check} check accepted ${what}:\n${out}")
  endif()
  if(A_OUTPUT AND NOT out MATCHES "${A_OUTPUT}")
    message(FATAL_ERROR "${check} check on ${what}: no line matching ${A_OUTPUT}:\n${out}")
  endif()
endfunction()
