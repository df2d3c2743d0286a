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
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402

LINE = re.compile(r"^(PASS|FAIL|ERROR|N/A) (\S+)$")


def options(ap):
    ap.add_argument("boot")
    ap.add_argument("kernel")
    ap.add_argument("replay")
    ap.add_argument("dirs", nargs="+")


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
    doc = json.loads(rigtest.run([replay, "--json", *dirs]).stdout)
    return [(r["file"], r["result"], r.get("digest", ""), r.get("signature", ""))
            for r in doc["results"]]


class KernelReplay(rigtest.TestCase):
    def test_kernel_equals_host(self):
        a = rigtest.args
        boot = rigtest.run(["bash", a.boot, a.kernel, "0", r"^replay: [0-9]+ passed, 0 failed$",
                            r"^PASS replay", r"^mmrig: boot self-test PASS"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        print(boot.stdout, end="")
        if boot.returncode == rigtest.SKIP:
            self.skipTest("boot.sh skipped: no qemu-system-riscv64")
        got, want = kernel_results(boot.stdout), host_results(a.replay, a.dirs)
        with self.subTest("the boot"):
            self.assertExit(boot, 0, "the kernel's boot")
        with self.subTest("the kernel's verdicts"):
            self.assertEqual([g for g in got if g[1] not in ("PASS", "N/A", "N/A-GEOMETRY")], [],
                             "programs the kernel's replay did not pass")
        self.assertTrue(want, "the hosted replay ran no program")
        self.assertEqual([g[0] for g in got], [w[0] for w in want],
                         "the two replays ran different programs")
        for w, g in zip(want, got):
            if g[1] == "N/A-GEOMETRY":
                print(f"N/A {g[0]}: its geometry is larger than the kernel's arena")
                continue
            with self.subTest(w[0]):
                self.assertEqual(g, w, "kernel vs hosted (file, verdict, digest, signature)")
        print(f"compared {len(got)} programs: verdicts and digests")


if __name__ == "__main__":
    rigtest.main(options)
