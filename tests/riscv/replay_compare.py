#!/usr/bin/env python3
"""Boots kernel-replay.elf and compares its corpus replay with the hosted one.

Usage: replay_compare.py BOOT_SH KERNEL MMRIG_REPLAY DIR...
(run from the source tree, so both sides name the programs alike).

The kernel must exit 0 and print PASS for every program it can run (N/A
for the others, as the hosted replay, and for a program whose geometry is
larger than the arena the kernel's RAM gave it, which it says with an
N/A-GEOMETRY line; that program is then not compared); its per-program
verdicts, signatures and run digests must equal those of
`mmrig-replay --json DIR...`, in the same order. Exit 77 (ctest: skipped)
when boot.sh skips because qemu-system-riscv64 is missing.
"""
import json
import re
import subprocess
import sys

LINE = re.compile(r"^(PASS|FAIL|ERROR|N/A) (\S+)$")


def kernel_results(log):
    """[(file, verdict, digest, signature)] from the kernel's console."""
    results = []
    for line in log.splitlines():
        m = LINE.match(line)
        if m:
            results.append([m.group(2), m.group(1), "", ""])
        elif results and line.startswith("    DIGEST: "):
            results[-1][2] = line[len("    DIGEST: "):]
        elif results and line.startswith("    SIGNATURE: ") and not results[-1][3]:
            results[-1][3] = line[len("    SIGNATURE: "):]
        elif results and line.startswith("    N/A-GEOMETRY: "):
            results[-1][1] = "N/A-GEOMETRY"
    return [tuple(r) for r in results]


def host_results(replay, dirs):
    out = subprocess.run([replay, "--json", *dirs], stdout=subprocess.PIPE,
                         text=True, check=False).stdout
    doc = json.loads(out)
    return [(r["file"], r["result"], r.get("digest", ""), r.get("signature", ""))
            for r in doc["results"]]


def main():
    boot, kernel, replay, dirs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    run = subprocess.run(["bash", boot, kernel, "0", r"^replay: [0-9]+ passed, 0 failed$",
                          r"^PASS replay", r"^mmrig: boot self-test PASS"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         check=False)
    print(run.stdout, end="")
    if run.returncode == 77:
        return 77
    status = 1 if run.returncode else 0

    got, want = kernel_results(run.stdout), host_results(replay, dirs)
    for g in got:
        if g[1] not in ("PASS", "N/A", "N/A-GEOMETRY"):
            print(f"FAIL: the kernel's replay of {g[0]}: {g[1]} {g[3]}")
            status = 1
    if not want:
        print("FAIL: the hosted replay ran no program")
        status = 1
    if [w[0] for w in want] != [g[0] for g in got]:
        print("FAIL: the two replays ran different programs")
        print("  hosted:", [w[0] for w in want])
        print("  kernel:", [g[0] for g in got])
        status = 1
    for w, g in zip(want, got):
        if g[1] == "N/A-GEOMETRY":
            print(f"N/A {g[0]}: its geometry is larger than the kernel's arena")
            continue
        if w != g:
            print(f"FAIL: {w[0]}: hosted {w[1:]}, kernel {g[1:]}")
            status = 1
    if status == 0:
        print(f"kernel replay equals the hosted replay: {len(got)} programs, "
              "verdicts and digests")
    return status


if __name__ == "__main__":
    sys.exit(main())
