# mmrig-conv end to end: text -> binary -> text gives the canonical text;
# errors exit 2 with a useful message. Run by ctest through cmake -P with
# CONV (the tool), DATA (tests/lang/data) and WORK (a scratch directory).
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
include(${CMAKE_CURRENT_LIST_DIR}/tool_checks.cmake)

# A canonical program survives text -> binary -> text byte for byte.
run(rc out err ${CONV} --to-bin ${DATA}/canonical.mmr ${WORK}/canonical.bin)
if(NOT rc EQUAL 0)
  fail("--to-bin canonical.mmr: exit ${rc}: ${err}")
endif()
run(rc out err ${CONV} --to-text ${WORK}/canonical.bin ${WORK}/canonical.mmr)
file(READ ${DATA}/canonical.mmr want)
file(READ ${WORK}/canonical.mmr got)
if(NOT rc EQUAL 0 OR NOT got STREQUAL want)
  fail("canonical round trip: exit ${rc}, got:\n${got}")
endif()

# The binary is canonical: converting it again gives the same bytes.
run(rc out err ${CONV} --to-bin ${WORK}/canonical.mmr ${WORK}/canonical2.bin)
file(SHA256 ${WORK}/canonical.bin h1)
file(SHA256 ${WORK}/canonical2.bin h2)
if(NOT rc EQUAL 0 OR NOT h1 STREQUAL h2)
  fail("binary not canonical")
endif()

# User names and comments become canonical text; OUT defaults to stdout.
run(rc out err ${CONV} --to-bin ${DATA}/names.mmr ${WORK}/names.bin)
run(rc out err ${CONV} --to-text ${WORK}/names.bin)
file(READ ${DATA}/names.canon.mmr want)
expect_stdout("${want}" "names.mmr via stdout")

# --to-text of a text file is a pretty-printer.
run(rc out err ${CONV} --to-text ${DATA}/names.mmr)
expect_stdout("${want}" "--to-text names.mmr")

# A parse error: exit 2 and FILE:LINE:COL: error: MSG.
run(rc out err ${CONV} --to-bin ${DATA}/bad.mmr ${WORK}/bad.bin)
if(NOT rc EQUAL 2 OR NOT err MATCHES "bad\\.mmr:3:10: error: extra argument 'o1'")
  fail("bad.mmr: exit ${rc}, stderr: ${err}")
endif()
if(EXISTS ${WORK}/bad.bin)
  fail("bad.mmr: output written despite the error")
endif()

# An unreadable input: exit 2 and the path in the message.
run(rc out err ${CONV} --to-text ${WORK}/no-such-file.bin)
if(NOT rc EQUAL 2 OR NOT err MATCHES "no-such-file\\.bin")
  fail("missing input: exit ${rc}, stderr: ${err}")
endif()

# Never overwrite the input, under the same or another path.
file(COPY ${DATA}/canonical.mmr DESTINATION ${WORK}/same)
run(rc out err ${CONV} --to-text ${WORK}/same/canonical.mmr ${WORK}/same/canonical.mmr)
if(NOT rc EQUAL 2)
  fail("same output path: exit ${rc}")
endif()
run(rc out err ${CONV} --to-text ${WORK}/same/canonical.mmr ${WORK}/same/../same/canonical.mmr)
file(READ ${WORK}/same/canonical.mmr got)
file(READ ${DATA}/canonical.mmr want)
if(NOT rc EQUAL 2 OR NOT got STREQUAL want)
  fail("same file by another path: exit ${rc}")
endif()

# Bad usage: usage text and exit 2.
foreach(args "" "--to-text" "--to-json;x" "--to-text;a;b;c")
  run(rc out err ${CONV} ${args})
  if(NOT rc EQUAL 2 OR NOT err MATCHES "usage:")
    fail("usage '${args}': exit ${rc}")
  endif()
endforeach()

finish(mmrig-conv)
