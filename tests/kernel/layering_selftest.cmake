# Plants each kind of layering violation in a copy of the kernel tree and
# checks that layering.cmake rejects it (naming file:line:col), and that it
# accepts the clean copy and what is allowed.
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${WORK_DIR})
file(COPY ${SOURCE_DIR}/kernel DESTINATION ${WORK_DIR})
# Stand-ins with the names of real harness-side headers.
file(WRITE ${WORK_DIR}/harness/exec/world.h "/* stand-in */\n")
file(WRITE ${WORK_DIR}/allocators/include/mmrig_alloc.h "/* stand-in */\n")
file(WRITE ${WORK_DIR}/CMakeLists.txt "add_compile_definitions(CONFIG_MM_HOOKS=1)\n")
set(db ${WORK_DIR}/compile_commands.json)

include(${CMAKE_CURRENT_LIST_DIR}/check_selftest.cmake)
set(with_db -DCOMPILE_COMMANDS=${db})

run_check(TRUE "the clean copy")

# 1. includes
set(planted ${WORK_DIR}/kernel/mm/planted.c)
file(WRITE ${planted} "#include \"mm/page.h\"\n#include \"arch.h\"\n")
run_check(TRUE "kernel headers")
file(WRITE ${planted} "#include \"arch.h\"\n\n  #include \"world.h\"\n")
run_check(FALSE "a harness header by name"
          OUTPUT "kernel/mm/planted.c:3:3: includes \"world.h\", a harness header")
file(WRITE ${planted} "#include \"../../harness/exec/world.h\"\n")
run_check(FALSE "a harness header by path" OUTPUT "planted.c:1:1: .*outside kernel/")
file(REMOVE ${planted})
file(WRITE ${WORK_DIR}/kernel/arch/host/planted.h "# include \"mmrig_alloc.h\"\n")
run_check(FALSE "an allocator header")
file(REMOVE ${WORK_DIR}/kernel/arch/host/planted.h)

# 2. renames in CMake files (spelt with ${eq}, or the check would find
# them in this file)
set(eq "=")
set(cm ${WORK_DIR}/tests/x/CMakeLists.txt)
foreach(body
    "set_source_files_properties(a.c PROPERTIES COMPILE_DEFINITIONS\n  \"sfence_vma${eq}hart_sfence_vma\")"
    "target_compile_definitions(t PRIVATE CONFIG_X=1 mmu_copy_in${eq}swmmu_copy_in)"
    "target_compile_options(t PRIVATE -O2 -Dmemset${eq}kstr_memset)"
    "set_source_files_properties(s.c PROPERTIES COMPILE_OPTIONS \"-fno-builtin\"\n  COMPILE_DEFINITIONS \"memcpy${eq}kstr_memcpy;strlen${eq}kstr_strlen\")"
    "add_definitions(-Dfoo${eq}bar)")
  file(WRITE ${cm} "# a test\n${body}\n")
  run_check(FALSE "${body}" OUTPUT "tests/x/CMakeLists.txt:[23]:[0-9]+: .*renames a function")
endforeach()
file(WRITE ${cm} "add_compile_definitions(CONFIG_MM_HOOKS=1 MMRIG_ENGINE=none _GNU_SOURCE)
target_compile_definitions(t PRIVATE MMRIG_DIR=\"\${dir}/\" N=\${n})
target_compile_options(t PRIVATE -O2 a=b \"-DX=\$<TARGET_FILE:t>\")
# target_compile_definitions(t PRIVATE sfence_vma${eq}hart_sfence_vma)
execute_process(COMMAND cmake -DMMRIG_TARGET=riscv-kernel -Dwhat=ever)\n")
run_check(TRUE "definitions and options that rename nothing")
file(REMOVE_RECURSE ${WORK_DIR}/tests)

# 3. compile commands
function(write_db src cmd)
  file(WRITE ${db} "[
{
  \"directory\": \"${WORK_DIR}\",
  \"command\": \"/usr/bin/cc -I${WORK_DIR}/kernel/include ${cmd} -o x.o -c ${WORK_DIR}/${src}\",
  \"file\": \"${WORK_DIR}/${src}\",
  \"output\": \"x.o\"
}
]
")
endfunction()
write_db(kernel/mm/buddy.c "-DCONFIG_MM_HOOKS=1 -DMMRIG_SOURCE_DIR=\\\"/x/\\\" -I${WORK_DIR}/kernel/mm")
run_check(TRUE "a kernel source with kernel include directories" DEFS ${with_db})
write_db(harness/exec/exec.c "-I${WORK_DIR}/harness/exec -I${WORK_DIR}/allocators")
run_check(TRUE "a harness source with harness include directories" DEFS ${with_db})
write_db(kernel/arch/host/mmu.c "-I${WORK_DIR}/harness/exec")
run_check(FALSE "a kernel source with a harness include directory" DEFS ${with_db}
          OUTPUT "compile_commands.json:5:1: .*mmu.c is compiled with -I")
write_db(kernel/lib/printk.c "-isystem ${WORK_DIR}/allocators/include")
run_check(FALSE "a kernel source with an allocator include directory" DEFS ${with_db})
write_db(harness/exec/exec.c "-Dsfence_vma${eq}hart_sfence_vma")
run_check(FALSE "a rename on the command line" DEFS ${with_db} OUTPUT "compiled with -Dsfence_vma${eq}hart_sfence_vma")
file(WRITE ${db} "[]\n")
run_check(FALSE "an empty compile database" DEFS ${with_db})

file(REMOVE_RECURSE ${WORK_DIR})
message("layering check self-test passed")
