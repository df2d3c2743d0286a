#!/usr/bin/env python3
"""A run the parent must stop: a hang or a memory runaway is reported with
its signature (timeout in OP / oom in OP) within a bound, and the same
program passes where nothing stops it, so the report is the limit's doing.

usage: check_stop.py --buggy CMD... --clean CMD... --signature S --within SECS
(CMD is a replay tool plus its options, given as one quoted string)
"""
import argparse
import shlex
import subprocess
import sys
import time


def run(cmd, program):
    t0 = time.monotonic()
    p = subprocess.run([*shlex.split(cmd), program], capture_output=True, text=True,
                       timeout=600)
    sig = None
    for line in p.stdout.splitlines():
        if line.strip().startswith("SIGNATURE: "):
            sig = line.strip()[len("SIGNATURE: "):]
    return p.returncode, sig, time.monotonic() - t0, p.stdout + p.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--buggy", required=True)
    ap.add_argument("--clean", required=True)
    ap.add_argument("--program", required=True)
    ap.add_argument("--signature", required=True)
    ap.add_argument("--within", type=float, required=True)
    a = ap.parse_args()

    rc, sig, _, out = run(a.clean, a.program)
    if rc != 0:
        print(out)
        sys.exit(f"FAIL: {a.clean} does not pass {a.program} (exit {rc})")
    rc, sig, secs, out = run(a.buggy, a.program)
    print(out)
    if rc != 1 or sig != a.signature:
        sys.exit(f"FAIL: exit {rc}, signature {sig!r}; want exit 1, {a.signature!r}")
    # Generous: the bound only says the run was stopped, not left to hang.
    if secs > a.within:
        sys.exit(f"FAIL: took {secs:.1f} s, more than {a.within} s")
    print(f"stopped: {sig} after {secs:.1f} s")


if __name__ == "__main__":
    main()
