#!/usr/bin/env python3
"""mmrig-replay's contract: exit codes, PASS/FAIL lines, --json, --text,
file:line:column errors, inputs left untouched, the same output twice."""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

replay, doubles, seeds_text, seeds_bin = sys.argv[1:5]
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print(f"CHECK failed: {what}")


def run(*args, tool=replay):
    p = subprocess.run([tool, *args], capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def tree_digest(path):
    h = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(path)):
        dirs.sort()
        for f in sorted(files):
            full = os.path.join(root, f)
            st = os.stat(full)
            h.update(full.encode())
            h.update(str(st.st_mtime_ns).encode())
            with open(full, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()


with tempfile.TemporaryDirectory() as tmp:
    before = tree_digest(seeds_text), tree_digest(seeds_bin)

    rc, out, err = run(seeds_text)
    check(rc == 0, f"all seeds pass (exit {rc})")
    check(out.count("PASS ") >= 20, "a PASS line per seed")
    check("replay: " in out and " passed, 0 failed" in out, "summary line")

    rc2, out2, _ = run(seeds_text)
    check(out == out2, "same output on a second run")

    rc, out, err = run("--json", seeds_bin)
    doc = json.loads(out)
    check(rc == 0 and doc["failed"] == 0 and doc["passed"] >= 20, "--json summary")
    check(all(r["result"] == "PASS" for r in doc["results"]), "--json results")

    # --text of a binary seed is the canonical text of its source.
    src = sorted(f for f in os.listdir(seeds_text) if f.endswith(".mmr"))[0]
    rc, from_bin, _ = run("--text", os.path.join(seeds_bin, src[:-4] + ".bin"))
    rc2, from_txt, _ = run("--text", os.path.join(seeds_text, src))
    check(rc == 0 and rc2 == 0 and from_bin == from_txt and from_bin.strip(),
          "--text of binary equals canonical text")

    # Unreadable input: exit 2 with the path named.
    rc, out, err = run(os.path.join(tmp, "missing.mmr"))
    check(rc == 2 and "missing.mmr" in err, f"unreadable path exits 2 (exit {rc})")

    # Malformed text: exit 2 with file:line:column.
    bad = os.path.join(tmp, "bad.mmr")
    with open(bad, "w") as f:
        f.write("check\np = alloc_pages 3\nfree_pages q\n")
    rc, out, err = run(bad)
    check(rc == 2 and f"{bad}:3:12: error:" in out + err,
          f"malformed text exits 2 with line:col (exit {rc}): {out}{err}")

    # Bad usage.
    rc, _, _ = run("--no-such-flag", seeds_text)
    check(rc == 2, "unknown option exits 2")
    rc, _, _ = run()
    check(rc == 2, "no path exits 2")
    rc, _, _ = run("--allocator=nope", seeds_text)
    check(rc == 2, "unknown allocator exits 2")

    # A failing program: exit 1, FAIL line, report, SIGNATURE; JSON carries it.
    prog = os.path.join(tmp, "overlap.mmr")
    with open(prog, "w") as f:
        f.write("a = alloc_pages 0\nb = alloc_pages 0\nc = alloc_pages 0\n")
    rc, out, _ = run("--allocator=toy-overlap", prog, tool=doubles)
    check(rc == 1 and f"FAIL {prog}" in out and "SIGNATURE: " in out, f"failing program exits 1 (exit {rc})")
    rc, out, _ = run("--json", "--allocator=toy-overlap", prog, seeds_text, tool=doubles)
    doc = json.loads(out)
    check(rc == 1 and doc["failed"] >= 1, "--json counts the failure")
    fails = [r for r in doc["results"] if r["result"] == "FAIL"]
    check(fails and fails[0]["signature"] == "buddy.alloc-not-free in alloc_pages [toy-overlap]",
          f"--json signature: {fails[:1]}")

    # An op the allocator cannot run: N/A, never PASS, and not a failure.
    page_seed = os.path.join(seeds_text, "01-pages-every-order.mmr")
    rc, out, _ = run("--allocator=kmalloc", page_seed, prog)
    check(rc == 0 and f"N/A {page_seed}" in out and "cannot run 'alloc_pages'" in out
          and "replay: 2 not applicable" in out and "replay: 0 passed, 0 failed" in out,
          f"programs a byte allocator cannot run are N/A (exit {rc}): {out}")
    rc, out, _ = run("--json", "--allocator=kmalloc", page_seed)
    doc = json.loads(out)
    check(rc == 0 and doc["not_applicable"] == 1 and doc["passed"] == 0 and
          doc["results"][0]["result"] == "N/A" and "alloc_pages" in doc["results"][0]["not_applicable"],
          f"--json counts and names the N/A program: {doc}")
    os.environ["MMRIG_ALLOCATOR"] = "kmalloc"
    rc, out, _ = run(page_seed)
    del os.environ["MMRIG_ALLOCATOR"]
    check(rc == 0 and f"N/A {page_seed}" in out, "MMRIG_ALLOCATOR selects when --allocator is absent")

    # Mixed: a failing program and an unreadable one -> 2 wins.
    rc, _, _ = run("--allocator=toy-overlap", prog, os.path.join(tmp, "nope"), tool=doubles)
    check(rc == 2, "unreadable beats failing")

    after = tree_digest(seeds_text), tree_digest(seeds_bin)
    check(before == after, "replay left its inputs untouched")

print(f"replay-cli: {failures} failed checks")
sys.exit(1 if failures else 0)
