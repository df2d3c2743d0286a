#!/usr/bin/env python3
"""mmrig-min end to end, on a kernel with a planted bug.

Minimizes a padded program that hits the bug and checks the result: it
replays with the same signature on the buggy kernel, has at most MAX_OPS
ops (fewer than the input), is canonical text (mmrig-conv prints it back
byte for byte), a second run gives the same bytes, minimizing the result
again changes nothing, the binary form gives the same result, a spent
run budget is reported, and the input file is untouched.
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900)


def fail(msg, p=None):
    if p is not None:
        print(p.stdout)
        print(p.stderr, file=sys.stderr)
    sys.exit(f"FAIL: {msg}")


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def body(text):
    return "".join(l + "\n" for l in text.splitlines() if not l.startswith("#"))


def ops(text):
    """The op lines: a geometry header is no op."""
    return [l for l in body(text).splitlines() if not l.startswith("geometry")]


def geometry_of(text):
    return next((l for l in body(text).splitlines() if l.startswith("geometry")), "")


def signature_of(out):
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("SIGNATURE: "):
            return line[len("SIGNATURE: "):]
    return None


def minimize(a, src, out, *opts):
    p = run([a.min, *a.min_args.split(), *opts, "-o", out, src])
    print(p.stderr, end="")
    if p.returncode != 0:
        fail(f"mmrig-min {src} exited {p.returncode}, want 0", p)
    with open(out) as f:
        return f.read()


def main():
    ap = argparse.ArgumentParser()
    for opt in ("--min", "--replay", "--conv", "--program", "--signature", "--work"):
        ap.add_argument(opt, required=True)
    ap.add_argument("--max-ops", type=int, required=True)
    # A bug that needs a geometry: the result's header line, exactly (and
    # then no op at all may be needed).
    ap.add_argument("--geometry", default="")
    # A hang needs short limits, or every run waits out the default.
    ap.add_argument("--min-args", default="")
    ap.add_argument("--replay-args", default="")
    a = ap.parse_args()

    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    src = os.path.join(a.work, os.path.basename(a.program))
    shutil.copyfile(a.program, src)
    before = (sha(src), os.stat(src).st_mtime_ns)

    # The padding must not hide the bug, or the test proves nothing.
    p = run([a.replay, *a.replay_args.split(), src])
    if p.returncode != 1 or signature_of(p.stdout) != a.signature:
        fail(f"the padded program does not fail with {a.signature!r}", p)
    n_in = len(ops(run([a.conv, "--to-text", src]).stdout))

    out1 = os.path.join(a.work, "min1.mmr")
    text = minimize(a, src, out1)
    header = [l for l in text.splitlines() if l.startswith("#")]
    n_out = len(ops(text))
    print(text, end="")
    if f"# signature: {a.signature}" not in header:
        fail(f"header does not name the signature: {header}")
    if f"# minimized by mmrig-min from {n_in} ops to {n_out}" not in header:
        fail(f"header does not give the op counts {n_in} -> {n_out}: {header}")
    low = 0 if a.geometry else 1
    if not low <= n_out <= a.max_ops or n_out >= n_in:
        fail(f"{n_out} ops after minimizing {n_in}, want {low}..{a.max_ops}")
    if geometry_of(text) != a.geometry:
        fail(f"geometry {geometry_of(text)!r} after minimizing, want {a.geometry!r}")

    p = run([a.replay, *a.replay_args.split(), out1])
    if p.returncode != 1 or signature_of(p.stdout) != a.signature:
        fail(f"the result replays as {signature_of(p.stdout)!r}, want {a.signature!r}", p)

    p = run([a.conv, "--to-text", out1])
    if p.returncode != 0 or p.stdout != body(text):
        fail("the result is not canonical text", p)

    if minimize(a, src, os.path.join(a.work, "min2.mmr")) != text:
        fail("a second run gave different bytes")
    if body(minimize(a, out1, os.path.join(a.work, "min3.mmr"))) != body(text):
        fail("minimizing the result again changed it: not a fixpoint")

    # The binary form of the same program minimizes to the same bytes.
    binary = os.path.join(a.work, "padded.bin")
    if run([a.conv, "--to-bin", src, binary]).returncode != 0:
        fail("mmrig-conv --to-bin failed")
    if minimize(a, binary, os.path.join(a.work, "min4.mmr")) != text:
        fail("the binary form minimized differently")

    # A spent budget still gives a result that keeps the signature, and says so.
    out5 = os.path.join(a.work, "min5.mmr")
    if "# the run budget ran out" not in minimize(a, src, out5, "--max-runs", "4"):
        fail("a spent run budget is not noted in the header")
    p = run([a.replay, *a.replay_args.split(), out5])
    if p.returncode != 1 or signature_of(p.stdout) != a.signature:
        fail("the budget-limited result lost the signature", p)

    if (sha(src), os.stat(src).st_mtime_ns) != before:
        fail("the input file was modified")
    print(f"ok: {n_in} -> {n_out} ops, {a.signature}")


if __name__ == "__main__":
    main()
