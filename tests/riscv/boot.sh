#!/usr/bin/env bash
# boot.sh KERNEL EXIT REGEX...: boot KERNEL under OpenSBI in
# qemu-system-riscv64 and pass only if qemu exits with EXIT and every
# REGEX (grep -E) matches a line of the console output.
# Exit 77 (ctest: skipped) when qemu-system-riscv64 is not installed.
# TIMEOUT (seconds, default 60) stops a hung kernel.
set -u
kernel=$1 want=$2
shift 2
qemu=${QEMU:-qemu-system-riscv64}
limit=${TIMEOUT:-60}

if ! command -v "$qemu" >/dev/null 2>&1; then
	echo "SKIP: $qemu not found (Debian: apt-get install qemu-system-misc opensbi)"
	exit 77
fi
[ -f "$kernel" ] || { echo "FAIL: no kernel image $kernel"; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s%N)
timeout "$limit" "$qemu" -machine virt -smp 2 -nographic -bios default -m 128M \
	-kernel "$kernel" </dev/null >"$log" 2>&1
rc=$?
end=$(date +%s%N)
# The kernel's lines only: OpenSBI's banner is noise here.
sed -n '/^mmrig: riscv64 kernel/,$p' "$log" | tr -d '\r'
echo "qemu exit status $rc, wall time $(((end - start) / 1000000)) ms"

if [ "$rc" -eq 124 ]; then
	echo "FAIL: no exit within ${limit} s (hung kernel?); whole log:"
	cat "$log"
	exit 1
fi
status=0
if [ "$rc" -ne "$want" ]; then
	echo "FAIL: exit status $rc, want $want"
	status=1
fi
for re in "$@"; do
	if ! tr -d '\r' <"$log" | grep -Eq -- "$re"; then
		echo "FAIL: no line matches: $re"
		status=1
	fi
done
if [ "$status" -ne 0 ] && ! grep -q '^mmrig: riscv64 kernel' "$log"; then
	echo "the kernel printed nothing; whole log:"
	cat "$log"
fi
exit $status
