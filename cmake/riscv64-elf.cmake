# The freestanding RISC-V kernel (riscv-kernel preset): clang-14 for a bare
# riscv64 target and ld.lld, no libc, no crt files. The image is an S-mode
# payload that OpenSBI (qemu -bios default) starts at 0x80200000.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)

set(CMAKE_C_COMPILER clang-14)
set(CMAKE_ASM_COMPILER clang-14)
set(CMAKE_C_COMPILER_TARGET riscv64-unknown-elf)
set(CMAKE_ASM_COMPILER_TARGET riscv64-unknown-elf)

# medany: the kernel runs at 0x80200000, outside the +-2 GiB around 0 that
# the default medlow model can reach. -mno-relax: ld.lld 14 implements no
# RISC-V linker relaxation and rejects the R_RISCV_ALIGN that .align emits
# under relaxation.
set(MMRIG_RISCV_FLAGS "-march=rv64gc -mabi=lp64d -mcmodel=medany -mno-relax -ffreestanding -nostdlib -fno-builtin")
set(CMAKE_C_FLAGS_INIT "${MMRIG_RISCV_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${MMRIG_RISCV_FLAGS}")
# Debian's lld-14 has ld.lld-14 but not always the plain ld.lld clang
# looks for: name the linker.
find_program(MMRIG_LD_LLD NAMES ld.lld-14 ld.lld REQUIRED NO_CMAKE_FIND_ROOT_PATH)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=lld --ld-path=${MMRIG_LD_LLD} -nostdlib -static")

# No C library to link a test program against: check the compiler with a
# static library instead.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
