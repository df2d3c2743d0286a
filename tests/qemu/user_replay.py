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

SKIP = 77
PROGRAMS = ["corpus/seeds", "corpus/regression", "tests/planted/programs"]


def replay(cmd, root):
    p = subprocess.run(cmd + ["--json"] + PROGRAMS, cwd=root, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"FAIL: {' '.join(cmd)} exited {p.returncode}:\n{p.stderr[-2000:]}")
    doc = json.loads(p.stdout)
    return {r["file"]: (r["result"], r.get("signature", ""), r.get("digest", "")) for r in doc["results"]}


def differences(a, b):
    out = []
    for f in sorted(set(a) | set(b)):
        if a.get(f) != b.get(f):
            out.append(f"{f}: host {a.get(f)} / other {b.get(f)}")
    return out


def build_riscv(root):
    for tool in ("riscv64-linux-gnu-gcc", "qemu-riscv64"):
        if not shutil.which(tool):
            print(f"SKIP: {tool} is not installed "
                  "(apt-get install gcc-riscv64-linux-gnu libc6-dev-riscv64-cross qemu-user)")
            sys.exit(SKIP)
    log = os.path.join(root, "build", "riscv-user.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    with open(log, "w") as f:
        for cmd in (["cmake", "--preset", "riscv-user"],
                    ["cmake", "--build", "--preset", "riscv-user", "-j", str(os.cpu_count() or 2)]):
            if subprocess.run(cmd, cwd=root, stdout=f, stderr=subprocess.STDOUT).returncode:
                sys.exit(f"FAIL: {' '.join(cmd)} failed, log: {log}")
    return os.path.join(root, "build", "riscv-user", "harness", "engines", "mmrig-replay")


def main():
    root, host_replay = sys.argv[1], sys.argv[2]
    host = replay([host_replay], root)
    if "--selftest" in sys.argv[3:]:
        other = replay([sys.argv[sys.argv.index("--selftest") + 1]], root)
        diff = differences(host, other)
        for d in diff[:5]:
            print(d)
        print(f"{len(diff)} of {len(host)} programs differ with a planted geometry bug")
        sys.exit(0 if diff else 1)
    rv_replay = build_riscv(root)
    t = time.monotonic()
    rv = replay(["qemu-riscv64", rv_replay], root)
    secs = time.monotonic() - t
    diff = differences(host, rv)
    for d in diff[:20]:
        print(d)
    passed = sum(1 for v in rv.values() if v[0] == "PASS")
    print(f"riscv64 under qemu-user: {len(rv)} programs ({passed} pass) in {secs:.1f} s; "
          f"{len(diff)} differ from the host build")
    # A program the kernel cannot run (a byte allocator's aligned_alloc)
    # is N/A in both builds: nothing ran, so it has no digest.
    if not all(v[2] for v in rv.values() if v[0] != "N/A"):
        sys.exit("FAIL: a result without a digest")
    sys.exit(1 if diff else 0)


if __name__ == "__main__":
    main()
