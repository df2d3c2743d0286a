#!/usr/bin/env bash
# gdb-kernel.sh [--kernel ELF] [GDB ARGS...]
# Starts the freestanding kernel in qemu-system-riscv64 halted before the
# first instruction (-s -S: gdb stub on tcp::1234), and attaches
# gdb-multiarch with the image's symbols. Quitting gdb stops qemu.
# Without --kernel the riscv-kernel preset is built first and its
# kernel.elf is used. GDB ARGS go to gdb as they are, for example:
#   scripts/gdb-kernel.sh -ex 'break kmain' -ex continue
#   scripts/gdb-kernel.sh -batch -ex 'break st_finish' -ex continue -ex bt
# The console goes to a log file (its name is printed), since gdb owns
# the terminal. GDB_PORT picks another port than 1234.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kernel=""
if [ "${1:-}" = "--kernel" ]; then
	kernel=$2
	shift 2
fi
if [ -z "$kernel" ]; then
	cmake --preset riscv-kernel >/dev/null
	cmake --build --preset riscv-kernel >/dev/null
	kernel=$ROOT/build/riscv-kernel/kernel/arch/riscv/kernel.elf
fi
for tool in qemu-system-riscv64 gdb-multiarch; do
	command -v "$tool" >/dev/null || {
		echo "gdb-kernel: $tool not found (Debian: apt-get install qemu-system-misc opensbi gdb-multiarch)" >&2
		exit 2
	}
done

port=${GDB_PORT:-1234}
if [ "$port" = 1234 ]; then stub=(-s); else stub=(-gdb "tcp::$port"); fi
log=$(mktemp /tmp/mmrig-kernel-console.XXXXXX)
echo "gdb-kernel: console output in $log"

qemu-system-riscv64 -machine virt -bios default -m 128M -kernel "$kernel" \
	-display none -monitor none -serial "file:$log" "${stub[@]}" -S &
qemu=$!
trap 'kill "$qemu" 2>/dev/null || true; wait "$qemu" 2>/dev/null || true' EXIT

# The stub listens once qemu is up; gdb retries nothing on its own.
for _ in $(seq 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done

gdb-multiarch -q "$kernel" \
	-ex "set architecture riscv:rv64" \
	-ex "target remote 127.0.0.1:$port" \
	"$@"
