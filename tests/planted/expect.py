#!/usr/bin/env python3
"""Oracle self-test: a planted bug must be caught with its signature.

Runs PROGRAM with the replay tool that carries the bug and checks it FAILs
with exactly SIGNATURE; runs it with the clean tool (or clean allocator) and
checks it PASSes, so the finding is the bug's and not the program's. With
--op, the report's `op:` line must say where the run stopped: the op
(`#3  kmem_cache_shrink c0`) or the phase (`reset`), which a crash's
signature does not name.
"""
import argparse
import os
import subprocess
import sys
import tempfile


def first_value(text, key):
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(key):
            return line[len(key):].strip()
    return None


def replay(tool, args, program):
    cmd = [tool, *args, program]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    return p.returncode, first_value(p.stdout, "SIGNATURE: "), p.stdout + p.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--buggy", required=True, help="replay tool with the bug")
    ap.add_argument("--buggy-args", default="", help="extra replay arguments (e.g. --allocator X)")
    ap.add_argument("--clean", required=True, help="replay tool without the bug")
    ap.add_argument("--clean-args", default="")
    ap.add_argument("--program", required=True)
    ap.add_argument("--signature", required=True)
    ap.add_argument("--op", help="what the report's op: line must start with")
    ap.add_argument("--default-geometry-passes", action="store_true",
                    help="the bug hides on the default geometry: the buggy tool must pass "
                         "the program there (--geometry with the default spelled out)")
    ap.add_argument("--sequential-passes", action="store_true",
                    help="a race: the buggy tool must pass the program with its preempt "
                         "ops removed (the same ops, none interleaved)")
    a = ap.parse_args()

    rc, sig, out = replay(a.clean, a.clean_args.split(), a.program)
    if rc != 0:
        print(out)
        sys.exit(f"FAIL: the clean build does not pass {a.program} (exit {rc})")
    rc, sig, out = replay(a.buggy, a.buggy_args.split(), a.program)
    print(out)
    if rc != 1:
        sys.exit(f"FAIL: planted bug not caught (exit {rc}, want 1)")
    if sig != a.signature:
        sys.exit(f"FAIL: signature {sig!r}, want {a.signature!r}")
    op = first_value(out, "op: ")
    if a.op is not None and not (op or "").startswith(a.op):
        sys.exit(f"FAIL: the report's op is {op!r}, want {a.op!r}")
    print(f"caught: {sig}" + (f" at {op}" if a.op is not None else ""))
    if a.default_geometry_passes:
        rc, sig, out = replay(a.buggy, a.buggy_args.split() + [
            "--geometry", "pages=4096 hole=2061+7"], a.program)
        if rc != 0:
            print(out)
            sys.exit(f"FAIL: the bug shows on the default geometry too (exit {rc}, {sig})")
        print("passes on the default geometry, as the bug needs another one")
    if a.sequential_passes:
        with open(a.program, encoding="utf-8") as f:
            lines = [ln for ln in f if ln.split()[:1] != ["preempt"]]
        with tempfile.TemporaryDirectory() as d:
            seq = os.path.join(d, "sequential.mmr")
            with open(seq, "w", encoding="utf-8") as f:
                f.writelines(lines)
            rc, sig, out = replay(a.buggy, a.buggy_args.split(), seq)
        if rc != 0:
            print(out)
            sys.exit(f"FAIL: the bug shows without the interleaving too (exit {rc}, {sig})")
        print("passes with no op interleaved: only the race shows the bug")


if __name__ == "__main__":
    main()
