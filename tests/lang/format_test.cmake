# Binary format versions across the tools: mmrig-replay and mmrig-min
# refuse an input without a format byte (exit 2, the file and what was
# found), mmrig-conv --upgrade converts it only when told it is
# version-less (--legacy), into new files, the input untouched. Run by
# ctest through cmake -P with CONV, REPLAY, MIN and WORK (a scratch
# directory).
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/in/sub)
include(${CMAKE_CURRENT_LIST_DIR}/tool_checks.cmake)

# A version-less input, as fuzzers stored them before: check, m1 = mm_new,
# mm_exit m1 (bytes below 0x80, which CMake strings hold).
string(ASCII 15 16 1 18 1 legacy)
file(WRITE ${WORK}/in/old-crash "${legacy}")
file(WRITE ${WORK}/in/seed.mmr "check\n")
file(WRITE ${WORK}/in/sub/ignored "${legacy}")
file(SHA256 ${WORK}/in/old-crash before)
set(want_text "check\nm1 = mm_new\nmm_exit m1\n")

# Refused by every reader, with the file and the byte found.
set(refusal "old-crash: error: no binary format version: the first byte, 0x0f, is no format byte")
run(rc out err ${REPLAY} ${WORK}/in/old-crash)
if(NOT rc EQUAL 2 OR NOT "${out}${err}" MATCHES "${refusal}.*--upgrade --legacy")
  fail("mmrig-replay on a version-less input: exit ${rc}: ${out}${err}")
endif()
run(rc out err ${REPLAY} --text ${WORK}/in/old-crash)
if(NOT rc EQUAL 2 OR NOT "${out}${err}" MATCHES "${refusal}")
  fail("mmrig-replay --text on a version-less input: exit ${rc}: ${out}${err}")
endif()
run(rc out err ${MIN} -o ${WORK}/min.mmr ${WORK}/in/old-crash)
if(NOT rc EQUAL 2 OR NOT err MATCHES "${refusal}" OR EXISTS ${WORK}/min.mmr)
  fail("mmrig-min on a version-less input: exit ${rc}: ${err}")
endif()
run(rc out err ${CONV} --to-text ${WORK}/in/old-crash)
if(NOT rc EQUAL 2 OR NOT err MATCHES "${refusal}")
  fail("mmrig-conv --to-text on a version-less input: exit ${rc}: ${err}")
endif()

# --upgrade without --legacy guesses nothing.
run(rc out err ${CONV} --upgrade ${WORK}/in/old-crash ${WORK}/guess.bin)
if(NOT rc EQUAL 2 OR NOT err MATCHES "${refusal}" OR EXISTS ${WORK}/guess.bin)
  fail("--upgrade of a version-less input without --legacy: exit ${rc}: ${err}")
endif()

# --upgrade --legacy: the same program behind the current format byte (its
# opcodes name the same kinds in both versions, so the same bytes).
run(rc out err ${CONV} --upgrade --legacy ${WORK}/in/old-crash ${WORK}/new.bin)
file(READ ${WORK}/new.bin got HEX)
if(NOT rc EQUAL 0 OR NOT got STREQUAL "b70f10011201")
  fail("--upgrade --legacy: exit ${rc}, bytes ${got}: ${err}")
endif()
run(rc out err ${CONV} --to-text ${WORK}/new.bin)
expect_stdout("${want_text}" "the upgraded input as text")
run(rc out err ${REPLAY} ${WORK}/new.bin)
if(NOT rc EQUAL 0 OR NOT out MATCHES "PASS .*new.bin")
  fail("mmrig-replay on the upgraded input: exit ${rc}: ${out}${err}")
endif()
# A current input upgrades to itself.
run(rc out err ${CONV} --upgrade ${WORK}/new.bin ${WORK}/same.bin)
file(SHA256 ${WORK}/new.bin h1)
file(SHA256 ${WORK}/same.bin h2)
if(NOT rc EQUAL 0 OR NOT h1 STREQUAL h2)
  fail("--upgrade of a current input changed it: exit ${rc}: ${err}")
endif()

# A directory: every file in it to a new directory, text copied,
# subdirectories left out, the input untouched.
run(rc out err ${CONV} --upgrade --legacy ${WORK}/in ${WORK}/out)
file(READ ${WORK}/out/old-crash got HEX)
file(READ ${WORK}/out/seed.mmr seed)
if(NOT rc EQUAL 0 OR NOT got STREQUAL "b70f10011201" OR NOT seed STREQUAL "check\n"
   OR EXISTS ${WORK}/out/sub OR NOT err MATCHES "1 binary files in format version 7, 1 text")
  fail("--upgrade --legacy of a directory: exit ${rc}, ${got}: ${err}")
endif()
file(SHA256 ${WORK}/in/old-crash after)
if(NOT before STREQUAL after)
  fail("--upgrade changed its input")
endif()
# Without --legacy the version-less file fails, by name, and exit 2.
run(rc out err ${CONV} --upgrade ${WORK}/in ${WORK}/out2)
if(NOT rc EQUAL 2 OR NOT err MATCHES "${refusal}" OR EXISTS ${WORK}/out2/old-crash
   OR NOT EXISTS ${WORK}/out2/seed.mmr)
  fail("--upgrade of a directory with a version-less file: exit ${rc}: ${err}")
endif()
# Onto itself: refused.
run(rc out err ${CONV} --upgrade --legacy ${WORK}/in ${WORK}/in)
if(NOT rc EQUAL 2)
  fail("--upgrade onto its input: exit ${rc}")
endif()
# --legacy belongs to --upgrade.
run(rc out err ${CONV} --to-text --legacy ${WORK}/in/old-crash)
if(NOT rc EQUAL 2 OR NOT err MATCHES "usage:")
  fail("--legacy without --upgrade: exit ${rc}")
endif()

finish("format-version")
