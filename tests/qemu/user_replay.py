#!/usr/bin/env python3
"""The riscv64 build of mmrig-replay, run under qemu-riscv64, must replay
every program exactly as the host build does: the same verdict, signature
and run digest (what the kernel did, op by op) for each file.

usage: user_replay.py SOURCE_DIR HOST_REPLAY [--selftest OTHER_REPLAY]

Every program runs on its own geometry in both builds, so nothing may
differ: there is no expected difference.

--selftest proves the comparison can fail: it compares the host build with
OTHER_REPLAY, the same build with a planted bug that only a non-default
geometry shows (buddy-tail-rounded: an arena that ends inside a MAX_ORDER
block, as tests/planted/programs/geometry-partial-top.mmr has), and passes
only if differences are reported.
Exit 0 on agreement, 1 on any difference or failure, 77 (ctest SKIP) when
the cross compiler or qemu-user is not installed.
"""
import json
import os
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402

PROGRAMS = ["corpus/seeds", "corpus/regression", "tests/planted/programs"]


def options(ap):
    ap.add_argument("root")
    ap.add_argument("host_replay")
    ap.add_argument("--selftest", metavar="OTHER_REPLAY")


def differences(a, b):
    return [f"{f}: host {a.get(f)} / other {b.get(f)}"
            for f in sorted(set(a) | set(b)) if a.get(f) != b.get(f)]


class UserReplay(rigtest.TestCase):
    def replay(self, cmd):
        p = rigtest.run(cmd + ["--json"] + PROGRAMS, cwd=rigtest.args.root, timeout=None)
        self.assertIn(p.returncode, (0, 1), f"{' '.join(cmd)}: {p.stderr[-2000:]}")
        doc = json.loads(p.stdout)
        return {r["file"]: (r["result"], r.get("signature", ""), r.get("digest", ""))
                for r in doc["results"]}

    def build_riscv(self):
        root = rigtest.args.root
        for tool in ("riscv64-linux-gnu-gcc", "qemu-riscv64"):
            if not shutil.which(tool):
                self.skipTest(f"{tool} is not installed (apt-get install gcc-riscv64-linux-gnu "
                              "libc6-dev-riscv64-cross qemu-user)")
        log = os.path.join(root, "build", "riscv-user.log")
        os.makedirs(os.path.dirname(log), exist_ok=True)
        with open(log, "w") as f:
            for cmd in (["cmake", "--preset", "riscv-user"],
                        ["cmake", "--build", "--preset", "riscv-user", "-j", str(os.cpu_count() or 2)]):
                p = subprocess.run(cmd, cwd=root, stdout=f, stderr=subprocess.STDOUT)
                self.assertEqual(p.returncode, 0, f"{' '.join(cmd)} failed, log: {log}")
        return os.path.join(root, "build", "riscv-user", "harness", "engines", "mmrig-replay")

    def test_riscv_equals_host(self):
        if rigtest.args.selftest:
            self.skipTest("--selftest: the comparison's self-test runs")
        host = self.replay([rigtest.args.host_replay])
        rv_replay = self.build_riscv()
        t = time.monotonic()
        rv = self.replay(["qemu-riscv64", rv_replay])
        diff = differences(host, rv)
        for d in diff[:20]:
            print(d)
        passed = sum(1 for v in rv.values() if v[0] == "PASS")
        print(f"riscv64 under qemu-user: {len(rv)} programs ({passed} pass) in "
              f"{time.monotonic() - t:.1f} s; {len(diff)} differ from the host build")
        # A program the kernel cannot run (a byte allocator's aligned_alloc)
        # is N/A in both builds: nothing ran, so it has no digest.
        self.assertEqual([f for f, v in rv.items() if v[0] != "N/A" and not v[2]], [],
                         "results without a digest")
        self.assertEqual(diff, [], "programs the two builds replay differently")

    def test_selftest_sees_a_difference(self):
        if not rigtest.args.selftest:
            self.skipTest("no --selftest")
        host = self.replay([rigtest.args.host_replay])
        diff = differences(host, self.replay([rigtest.args.selftest]))
        for d in diff[:5]:
            print(d)
        print(f"{len(diff)} of {len(host)} programs differ with a planted geometry bug")
        self.assertTrue(diff, "no difference with a planted geometry bug")


if __name__ == "__main__":
    rigtest.main(options)
