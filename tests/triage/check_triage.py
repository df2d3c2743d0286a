#!/usr/bin/env python3
"""scripts/triage.py end to end, on a kernel with two planted bugs.

One case per run (the first argument):
  groups            crash files of two bugs (text, binary, a duplicate under
                    another name, a passing one) give exactly two signatures,
                    each with a minimized reproducer that replays with it
  idempotent        triaging the same inputs again leaves the store
                    byte-identical (exit 0); new crash files join it
  fresh-stores      two fresh stores from the same inputs (named in another
                    order, other --jobs) are byte-identical
  corrupted         a truncated text crash and an empty file: a clear error
                    naming each, exit 2, the files untouched, the rest triaged
  inputs-untouched  a campaign layout and plain dirs: only artifacts taken,
                    no input file or directory changed; a store inside an
                    input dir is refused
The expected signatures are what --replay says of the source programs, so
the test follows the signature format of the tree.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys


def fail(msg, p=None):
    if p is not None:
        print(p.stdout)
        print(p.stderr, file=sys.stderr)
    sys.exit(f"FAIL: {msg}")


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def tree(d):
    """relative path -> sha256 (files) or 'dir': the whole store's state."""
    out = {}
    for base, dirs, files in os.walk(d):
        for n in dirs:
            out[os.path.relpath(os.path.join(base, n), d)] = "dir"
        for n in files:
            p = os.path.join(base, n)
            out[os.path.relpath(p, d)] = sha(p)
    return out


def snapshot(d):
    """Every file and directory below d with its bytes, mode and mtime."""
    out = {}
    for base, dirs, files in os.walk(d):
        for n in dirs + files:
            p = os.path.join(base, n)
            st = os.lstat(p)
            out[os.path.relpath(p, d)] = (sha(p) if os.path.isfile(p) else "dir",
                                          st.st_mode, st.st_mtime_ns, st.st_size)
    return out


def same_tree(a, b, what):
    if a != b:
        diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        fail(f"{what}: differs in {diff}")


class Rig:
    def __init__(self, a):
        self.a = a
        for base, dirs, _ in os.walk(a.work):  # a read-only tree of a last run
            for n in dirs:
                os.chmod(os.path.join(base, n), 0o755)
        shutil.rmtree(a.work, ignore_errors=True)
        os.makedirs(a.work)
        os.chdir(a.work)  # artifact paths in the store are as given: relative

    def program(self, name):
        return os.path.join(self.a.programs, name)

    def to_bin(self, src, dst):
        os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
        p = subprocess.run([self.a.conv, "--to-bin", src, dst], capture_output=True, text=True)
        if p.returncode:
            fail(f"mmrig-conv --to-bin {src}", p)

    def copy(self, src, dst):
        os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
        shutil.copyfile(src, dst)

    def signature(self, path):
        p = subprocess.run([self.a.replay, "--json", path], capture_output=True, text=True)
        r = json.loads(p.stdout)["results"][0]
        if r["result"] != "FAIL":
            fail(f"{path} replays as {r['result']}, want a failure", p)
        return r["signature"]

    def triage(self, store, *args, want=None):
        cmd = [sys.executable, self.a.triage, "--replay", self.a.replay, "--min", self.a.min,
               "--store", store, *args]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        print(f"$ triage --store {store} {' '.join(args)}  -> {p.returncode}")
        print(p.stdout + p.stderr, end="")
        if want is not None and p.returncode != want:
            fail(f"triage exited {p.returncode}, want {want}", p)
        return p

    def inputs(self, d="in"):
        """Two bugs, text and binary, a duplicate, one that passes."""
        self.copy(self.program("slab-uaf.mmr"), f"{d}/slab-uaf.mmr")
        self.copy(self.program("spurious.mmr"), f"{d}/spurious.mmr")
        self.to_bin(self.program("slab-uaf-2.mmr"), f"{d}/crash-slab2")
        self.to_bin(self.program("spurious-2.mmr"), f"{d}/crash-spur2")
        self.copy(f"{d}/crash-spur2", f"{d}/crash-spur2-copy")
        self.to_bin(self.program("passing.mmr"), f"{d}/crash-pass")
        return d

    def expected(self):
        slab = self.signature(self.program("slab-uaf.mmr"))
        spur = self.signature(self.program("spurious.mmr"))
        if slab == spur:
            fail(f"the two planted bugs give one signature {slab!r}: the test proves nothing")
        return slab, spur


def load(path):
    with open(path) as f:
        return json.load(f)


def last_line(p):
    return p.stdout.strip().splitlines()[-1]


def case_groups(r):
    slab, spur = r.expected()
    d = r.inputs()
    p = r.triage("store", d, "--attempts", "2", want=1)
    if last_line(p) != "triage: 5 artifacts, 2 signatures (2 new), 0 errors":
        fail(f"summary line {last_line(p)!r}")
    s = load("store/summary.json")
    got = {x["signature"]: x for x in s["signatures"]}
    if set(got) != {slab, spur}:
        fail(f"signatures {sorted(got)}, want {sorted([slab, spur])}")
    if [x["paths"] for x in s["not_reproducible"]] != [[f"{d}/crash-pass"]] or s["errors"]:
        fail(f"not reproducible / errors: {s['not_reproducible']} {s['errors']}")
    want = {slab: (2, [f"{d}/crash-slab2", f"{d}/slab-uaf.mmr"], f"{d}/crash-slab2"),
            spur: (2, [f"{d}/crash-spur2", f"{d}/crash-spur2-copy", f"{d}/spurious.mmr"],
                   f"{d}/crash-spur2")}
    for sig, (count, paths, first) in want.items():
        row = got[sig]
        rep = load(f"store/{row['slug']}/report.json")
        if (rep["signature"], rep["count"], rep["paths"]) != (sig, count, paths):
            fail(f"{sig}: report has {rep['signature']!r}, {rep['count']}, {rep['paths']}")
        if rep["reproducibility"] != "4/4" or rep["kind"] != "crash":
            fail(f"{sig}: reproducibility {rep['reproducibility']}, kind {rep['kind']}")
        if rep["first_reproducer"]["path"] != first or \
                sha(f"store/{row['slug']}/original.bin") != sha(first):
            fail(f"{sig}: the first reproducer is not {first}, byte for byte")
        repro = f"store/{row['slug']}/reproducer.mmr"
        if not rep["minimized"] or not 0 < rep["ops_after"] < rep["ops_before"]:
            fail(f"{sig}: not minimized: {rep['ops_before']} -> {rep['ops_after']}")
        with open(repro) as f:
            text = f.read()
        if f"# signature: {sig}" not in text or \
                sum(1 for l in text.splitlines() if l and not l.startswith("#")) != rep["ops_after"]:
            fail(f"{sig}: reproducer.mmr is not the minimized program:\n{text}")
        if r.signature(repro) != sig or rep["replays_as"] != sig:
            fail(f"{sig}: the reproducer replays as {r.signature(repro)!r}")
        if f"SIGNATURE: {sig}" not in rep["replay_report"]:
            fail(f"{sig}: the report text lacks the signature line")
        with open(f"store/{row['slug']}/report.md") as f:
            if not f.read().startswith(f"# {sig}\n"):
                fail(f"{sig}: report.md does not start with the signature")
    dirs = sorted(n for n in os.listdir("store") if os.path.isdir(f"store/{n}"))
    if dirs != sorted(got[x]["slug"] for x in got):
        fail(f"store directories {dirs}: one per signature expected, no leftovers")
    print(f"ok: 2 signatures: {slab} / {spur}")


def case_idempotent(r):
    slab, spur = r.expected()
    r.copy(r.program("spurious.mmr"), "a/spurious.mmr")
    r.to_bin(r.program("spurious-2.mmr"), "a/crash-spur2")
    opts = ["--min-runs", "4", "--attempts", "2"]
    r.triage("store", "a", *opts, want=1)
    first = tree("store")
    p = r.triage("store", "a", *opts, want=0)
    same_tree(first, tree("store"), "a second triage of the same inputs changed the store")
    if "(0 new)" not in last_line(p):
        fail(f"second run: {last_line(p)!r}")
    spur_slug = load("store/summary.json")["signatures"][0]["slug"]
    kept = {k: v for k, v in first.items() if k.startswith(spur_slug + "/")
            and not k.endswith(("report.json", "report.md"))}

    # New crash files: one of a new signature, one of the known signature.
    r.to_bin(r.program("slab-uaf-2.mmr"), "b/crash-slab2")
    with open(r.program("spurious-2.mmr")) as f:
        extra = f.read() + "p11 = alloc_pages 1\n"
    with open("spur3.mmr", "w") as f:
        f.write(extra)
    r.to_bin("spur3.mmr", "b/crash-spur3")
    p = r.triage("store", "a", "b", *opts, want=1)
    if last_line(p) != "triage: 4 artifacts, 2 signatures (1 new), 0 errors":
        fail(f"joining run: {last_line(p)!r}")
    now = tree("store")
    same_tree(kept, {k: now[k] for k in kept}, "the known signature's reproducer was replaced")
    s = {x["signature"]: x for x in load("store/summary.json")["signatures"]}
    if set(s) != {slab, spur} or s[spur]["count"] != 3 or s[slab]["count"] != 1:
        fail(f"after joining: {s}")
    rep = load(f"store/{spur_slug}/report.json")
    if rep["paths"] != ["a/crash-spur2", "a/spurious.mmr", "b/crash-spur3"]:
        fail(f"joined artifact list {rep['paths']}")
    r.triage("store", "b", "a", *opts, want=0)
    same_tree(now, tree("store"), "re-triaging after the join changed the store")
    print("ok: idempotent, new crashes join")


def case_fresh_stores(r):
    d = r.inputs()
    os.remove(f"{d}/slab-uaf.mmr")  # one ASan crash is enough here (and slow)
    opts = ["--min-runs", "4", "--attempts", "2"]
    r.triage("store1", d, *opts, "--jobs", "2", want=1)
    files = sorted(os.path.join(d, n) for n in os.listdir(d))
    r.triage("store2", *reversed(files), *opts, "--jobs", "1", want=1)
    t1, t2 = tree("store1"), tree("store2")
    if len([k for k in t1 if k.endswith("reproducer.mmr")]) != 2:
        fail(f"store1 holds {sorted(t1)}")
    same_tree(t1, t2, "two fresh stores from the same inputs")
    print(f"ok: {len(t1)} entries, byte-identical")


def case_corrupted(r):
    slab, spur = r.expected()
    r.copy(r.program("truncated.mmr"), "in/crash-cut.mmr")
    r.copy(r.program("spurious.mmr"), "in/spurious.mmr")
    r.to_bin(r.program("spurious-2.mmr"), "in/crash-spur2")
    open("in/crash-empty", "wb").close()
    before = snapshot("in")
    p = r.triage("store", "in", "--no-minimize", want=2)
    lines = p.stderr.splitlines()
    if not any(l.startswith("triage: in/crash-cut.mmr:") and "error:" in l for l in lines):
        fail("no parse error naming in/crash-cut.mmr on stderr", p)
    if not any(l.startswith("triage: in/crash-empty: ") for l in lines):
        fail("no error naming in/crash-empty on stderr", p)
    same_tree(before, snapshot("in"), "the inputs changed")
    s = load("store/summary.json")
    if [(x["signature"], x["count"], x["reproducibility"]) for x in s["signatures"]] != \
            [(spur, 2, "6/6")]:  # the default: 3 attempts each
        fail(f"the other inputs were not triaged: {s['signatures']}")
    if [e["path"] for e in s["errors"]] != ["in/crash-cut.mmr", "in/crash-empty"]:
        fail(f"summary errors {s['errors']}")
    if last_line(p) != "triage: 2 artifacts, 1 signatures (1 new), 2 errors":
        fail(f"summary line {last_line(p)!r}")
    t = tree("store")
    r.triage("store", "in", "--no-minimize", want=2)
    same_tree(t, tree("store"), "a second run over a bad input changed the store")
    print("ok: bad inputs reported and kept")


def case_inputs_untouched(r):
    slab, spur = r.expected()
    # A campaign's output: only crashes/hangs are artifacts.
    r.to_bin(r.program("slab-uaf-2.mmr"), "camp/libfuzzer/crashes/crash-0a1b")
    r.to_bin(r.program("spurious-2.mmr"), "camp/libfuzzer/crashes/timeout-2c3d")
    r.to_bin(r.program("slab-uaf-2.mmr"), "camp/libfuzzer/corpus/0123")
    r.to_bin(r.program("spurious-2.mmr"), "camp/libfuzzer/corpus/4567")
    r.to_bin(r.program("slab-uaf.mmr"), "camp/afl/default/crashes/id:000000,sig:06")
    r.to_bin(r.program("spurious.mmr"), "camp/afl/default/hangs/id:000000,src:000001")
    r.copy(r.program("passing.mmr"), "camp/afl/default/queue/id:000000,orig:seed")
    r.copy(r.program("slab-uaf.mmr"), "camp/afl/default/crashes/README.txt")
    r.copy(r.program("slab-uaf.mmr"), "camp/afl/default/fuzzer_stats")
    os.makedirs("camp/afl/default/.synced")
    # Plain directories and single files, a text crash among them.
    r.copy(r.program("spurious.mmr"), "plain/sub/spurious.mmr")
    r.copy(r.program("slab-uaf.mmr"), "plain/.hidden")
    r.to_bin(r.program("passing.mmr"), "single-pass")
    for p in ("camp", "plain", "single-pass"):
        os.chmod(p, 0o555 if os.path.isdir(p) else 0o444)
    before = snapshot(".")
    r.triage("camp/store", "camp", want=2)  # refused: inside an input dir
    if os.path.exists("camp/store"):
        fail("a --store inside an input directory was created")
    p = r.triage("store", "camp", "plain", "single-pass", "--attempts", "1", "--no-minimize",
                 want=1)
    after = snapshot(".")
    after = {k: v for k, v in after.items() if k != "store" and not k.startswith("store/")}
    same_tree(before, after, "triage changed its inputs")
    for d in ("camp", "plain"):
        os.chmod(d, 0o755)
    if last_line(p) != "triage: 6 artifacts, 2 signatures (2 new), 0 errors":
        fail(f"summary line {last_line(p)!r}: queue, corpus or bookkeeping files taken?")
    idx = load("store/index.json")
    paths = sorted(x for a in idx["artifacts"].values() for x in a["paths"])
    want = sorted(["camp/libfuzzer/crashes/crash-0a1b", "camp/libfuzzer/crashes/timeout-2c3d",
                   "camp/afl/default/crashes/id:000000,sig:06",
                   "camp/afl/default/hangs/id:000000,src:000001",
                   "plain/sub/spurious.mmr", "single-pass"])
    if paths != want:
        fail(f"artifacts taken {paths}, want {want}")
    print("ok: inputs untouched")


CASES = {"groups": case_groups, "idempotent": case_idempotent,
         "fresh-stores": case_fresh_stores, "corrupted": case_corrupted,
         "inputs-untouched": case_inputs_untouched}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    for opt in ("--triage", "--replay", "--min", "--conv", "--programs", "--work"):
        ap.add_argument(opt, required=True)
    a = ap.parse_args()
    for opt in ("triage", "replay", "min", "conv", "programs"):
        setattr(a, opt, os.path.abspath(getattr(a, opt)))
    CASES[a.case](Rig(a))


if __name__ == "__main__":
    main()
