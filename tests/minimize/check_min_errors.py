#!/usr/bin/env python3
"""mmrig-min's exit codes on the clean kernel: 1 for a program that passes
(and no output written), 2 with file:line:col for a malformed program, 2
for bad usage and for -o naming the input; inputs are never modified."""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys

failures = []


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def expect(what, args, rc, stderr_has=None):
    p = subprocess.run(args, capture_output=True, text=True, timeout=600)
    ok = p.returncode == rc and (stderr_has is None or stderr_has in p.stderr)
    print(f"{'ok  ' if ok else 'FAIL'} {what}: exit {p.returncode}, stderr {p.stderr.strip()!r}")
    if not ok:
        failures.append(f"{what}: want exit {rc}" + (f" and {stderr_has!r}" if stderr_has else ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--min", required=True)
    ap.add_argument("--passing", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)

    good = os.path.join(a.work, "passes.mmr")
    shutil.copyfile(a.passing, good)
    bad = os.path.join(a.work, "bad.mmr")
    with open(bad, "w") as f:
        f.write("# a typo on line 3\nx = kmalloc 64\nkfree x\n  kmallok 64\n")
    sums = {p: sha(p) for p in (good, bad)}
    out = os.path.join(a.work, "out.mmr")

    expect("passing program", [a.min, "-o", out, good], 1, "nothing to minimize")
    if os.path.exists(out):
        failures.append("an output was written for a passing program")
    expect("malformed program", [a.min, bad], 2, f"{bad}:4:3: error:")
    expect("missing file", [a.min, os.path.join(a.work, "nope.mmr")], 2, "cannot read")
    expect("no arguments", [a.min], 2, "usage:")
    expect("two inputs", [a.min, good, bad], 2, "usage:")
    expect("unknown option", [a.min, "--bogus", good], 2)
    expect("zero timeout", [a.min, "--timeout", "0", good], 2, "--timeout")
    expect("bad run budget", [a.min, "--max-runs", "x", good], 2, "--max-runs")
    expect("unknown allocator", [a.min, "--allocator", "nope", good], 2, "no allocator")
    pages = os.path.join(a.work, "pages.mmr")
    with open(pages, "w") as f:
        f.write("p = alloc_pages 0\n")
    sums[pages] = sha(pages)
    expect("an op the allocator cannot run", [a.min, "--allocator", "kmalloc", pages], 2,
           "not applicable to allocator kmalloc")
    expect("-o onto the input", [a.min, "-o", good, good], 2, "refusing")
    expect("-o onto the input by another path",
           [a.min, "-o", os.path.join(a.work, ".", "passes.mmr"), good], 2, "refusing")

    for p, s in sums.items():
        if sha(p) != s:
            failures.append(f"{p} was modified")
    if failures:
        sys.exit("FAIL:\n  " + "\n  ".join(failures))
    print("ok")


if __name__ == "__main__":
    main()
