#!/usr/bin/env python3
"""mmrig-replay honours a text program's "# expect:" header: "pass" must
pass; a signature marks a known-open bug, which must fail with exactly
that signature (KNOWN-OPEN, exit 0); passing instead, or failing with
another signature, is unexpected (exit 1).

usage: replay_expect.py REPLAY_WITH_DOUBLES PLANTED_PROGRAM_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print(f"FAILED: {what}")


def run(replay, *args):
    p = subprocess.run([replay, *args], capture_output=True, text=True)
    return p.returncode, p.stdout


def main():
    replay, programs = sys.argv[1], sys.argv[2]
    with open(os.path.join(programs, "pages-overlap.mmr")) as f:
        body = "".join(l for l in f if not l.startswith("#"))
    sig = "buddy.alloc-not-free in alloc_pages [toy-overlap]"
    with tempfile.TemporaryDirectory() as d:
        def write(name, header):
            path = os.path.join(d, name)
            with open(path, "w") as f:
                f.write(header + body)
            return path

        known = write("known.mmr", f"# A bug still open in toy-overlap.\n# expect: {sig}\n")
        other = write("other.mmr", "# expect: buddy.free-counts in free_pages\n")
        passing = write("pass.mmr", "# expect: pass\n")

        rc, out = run(replay, "--allocator", "toy-overlap", known)
        check(rc == 0 and f"KNOWN-OPEN {known}" in out, f"known-open bug as expected: {rc} {out}")
        check("1 failed as their headers expect" in out, "summary counts it")
        rc, out = run(replay, "--json", "--allocator", "toy-overlap", known)
        doc = json.loads(out)
        check(rc == 0 and doc["known_open"] == 1 and doc["failed"] == 0, "json counts")
        check(doc["results"][0]["as_expected"] is True and doc["results"][0]["expect"] == sig,
              "json expectation")

        rc, out = run(replay, "--allocator", "toy", known)
        check(rc == 1 and "update the header" in out, f"fixed bug, stale header: {rc} {out}")
        rc, out = run(replay, "--allocator", "toy-overlap", other)
        check(rc == 1 and f"FAIL {other}" in out, f"another signature: {rc} {out}")
        rc, out = run(replay, "--allocator", "toy-overlap", passing)
        check(rc == 1 and f"FAIL {passing}" in out, f"expect pass, fails: {rc}")
        rc, out = run(replay, "--allocator", "toy", passing)
        check(rc == 0 and f"PASS {passing}" in out, f"expect pass, passes: {rc}")
    print(f"replay_expect: {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
