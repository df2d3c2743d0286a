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
import json
import os
import shutil
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402
from rigtest import args as A, load_json as load, sha256 as sha, tree, snapshot  # noqa: E402

CASES = {"groups": "Triage.test_groups", "idempotent": "Triage.test_idempotent",
         "fresh-stores": "Triage.test_fresh_stores", "corrupted": "Triage.test_corrupted",
         "inputs-untouched": "Triage.test_inputs_untouched"}


def options(ap):
    for opt in ("--triage", "--replay", "--min", "--conv", "--programs", "--work"):
        ap.add_argument(opt, required=True)


def last_line(p):
    return p.stdout.strip().splitlines()[-1]


class Rig(rigtest.TestCase):
    """The tools on the planted-bug kernel, run from a work directory of the
    test's own (artifact paths in the store are as given: relative)."""

    def setUp(self):
        for opt in ("triage", "replay", "min", "conv", "programs"):
            setattr(A, opt, os.path.abspath(getattr(A, opt)))
        self.chdir(self.workdir())

    def program(self, name):
        return os.path.join(A.programs, name)

    def to_bin(self, src, dst):
        os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
        self.assertExit(rigtest.run([A.conv, "--to-bin", src, dst]), 0, f"mmrig-conv --to-bin {src}")

    def copy(self, src, dst):
        os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
        shutil.copyfile(src, dst)

    def signature(self, path):
        p = rigtest.run([A.replay, "--json", path])
        r = json.loads(p.stdout)["results"][0]
        self.assertEqual(r["result"], "FAIL", f"{path} replays as {r['result']}, want a failure")
        return r["signature"]

    def triage(self, store, *argv, want=None):
        p = rigtest.python(A.triage, "--replay", A.replay, "--min", A.min, "--store", store, *argv)
        print(f"$ triage --store {store} {' '.join(argv)}  -> {p.returncode}")
        print(p.stdout + p.stderr, end="")
        if want is not None:
            self.assertExit(p, want, "triage")
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
        self.assertNotEqual(slab, spur, "the two planted bugs give one signature: the test proves nothing")
        return slab, spur


class Triage(Rig):
    def test_groups(self):
        slab, spur = self.expected()
        d = self.inputs()
        p = self.triage("store", d, "--attempts", "2", want=1)
        self.assertEqual(last_line(p), "triage: 5 artifacts, 2 signatures (2 new), 0 errors", "summary line")
        s = load("store/summary.json")
        got = {x["signature"]: x for x in s["signatures"]}
        self.assertEqual(set(got), {slab, spur}, "signatures")
        self.assertEqual([x["paths"] for x in s["not_reproducible"]], [[f"{d}/crash-pass"]], "not reproducible")
        self.assertEqual(s["errors"], [], "errors")
        want = {slab: (2, [f"{d}/crash-slab2", f"{d}/slab-uaf.mmr"], f"{d}/crash-slab2"),
                spur: (2, [f"{d}/crash-spur2", f"{d}/crash-spur2-copy", f"{d}/spurious.mmr"],
                       f"{d}/crash-spur2")}
        for sig, (count, paths, first) in want.items():
            row = got[sig]
            rep = load(f"store/{row['slug']}/report.json")
            self.assertEqual((rep["signature"], rep["count"], rep["paths"]), (sig, count, paths), "report.json")
            self.assertEqual((rep["reproducibility"], rep["kind"]), ("4/4", "crash"), f"{sig}: reproducibility, kind")
            self.assertEqual(rep["first_reproducer"]["path"], first, f"{sig}: the first reproducer")
            self.assertEqual(sha(f"store/{row['slug']}/original.bin"), sha(first),
                             f"{sig}: the first reproducer, byte for byte")
            repro = f"store/{row['slug']}/reproducer.mmr"
            self.assertTrue(rep["minimized"], f"{sig}: not minimized")
            self.assertTrue(0 < rep["ops_after"] < rep["ops_before"],
                            f"{sig}: not minimized: {rep['ops_before']} -> {rep['ops_after']}")
            text = rigtest.read(repro)
            self.assertIn(f"# signature: {sig}", text, "reproducer.mmr is not the minimized program")
            self.assertEqual(sum(1 for l in text.splitlines() if l and not l.startswith("#")), rep["ops_after"],
                             f"{sig}: reproducer.mmr is not the minimized program:\n{text}")
            self.assertEqual(self.signature(repro), sig, "the reproducer replays as")
            self.assertEqual(rep["replays_as"], sig, "report.json replays_as")
            self.assertIn(f"SIGNATURE: {sig}", rep["replay_report"], "the report text lacks the signature line")
            self.assertTrue(rigtest.read(f"store/{row['slug']}/report.md").startswith(f"# {sig}\n"),
                            f"{sig}: report.md does not start with the signature")
        dirs = sorted(n for n in os.listdir("store") if os.path.isdir(f"store/{n}"))
        self.assertEqual(dirs, sorted(got[x]["slug"] for x in got),
                         "store directories: one per signature expected, no leftovers")
        print(f"ok: 2 signatures: {slab} / {spur}")

    def test_idempotent(self):
        slab, spur = self.expected()
        self.copy(self.program("spurious.mmr"), "a/spurious.mmr")
        self.to_bin(self.program("spurious-2.mmr"), "a/crash-spur2")
        opts = ["--min-runs", "4", "--attempts", "2"]
        self.triage("store", "a", *opts, want=1)
        first = tree("store")
        p = self.triage("store", "a", *opts, want=0)
        self.assertSameTree(first, tree("store"), "a second triage of the same inputs changed the store")
        self.assertIn("(0 new)", last_line(p), "second run")
        spur_slug = load("store/summary.json")["signatures"][0]["slug"]
        kept = {k: v for k, v in first.items() if k.startswith(spur_slug + "/")
                and not k.endswith(("report.json", "report.md"))}

        # New crash files: one of a new signature, one of the known signature.
        self.to_bin(self.program("slab-uaf-2.mmr"), "b/crash-slab2")
        rigtest.write("spur3.mmr", rigtest.read(self.program("spurious-2.mmr")) + "p11 = alloc_pages 1\n")
        self.to_bin("spur3.mmr", "b/crash-spur3")
        p = self.triage("store", "a", "b", *opts, want=1)
        self.assertEqual(last_line(p), "triage: 4 artifacts, 2 signatures (1 new), 0 errors", "joining run")
        now = tree("store")
        self.assertSameTree(kept, {k: now.get(k) for k in kept}, "the known signature's reproducer was replaced")
        s = {x["signature"]: x for x in load("store/summary.json")["signatures"]}
        self.assertEqual(set(s), {slab, spur}, "after joining")
        self.assertEqual((s[spur]["count"], s[slab]["count"]), (3, 1), "after joining: counts")
        rep = load(f"store/{spur_slug}/report.json")
        self.assertEqual(rep["paths"], ["a/crash-spur2", "a/spurious.mmr", "b/crash-spur3"], "joined artifact list")
        self.triage("store", "b", "a", *opts, want=0)
        self.assertSameTree(now, tree("store"), "re-triaging after the join changed the store")
        print("ok: idempotent, new crashes join")

    def test_fresh_stores(self):
        d = self.inputs()
        os.remove(f"{d}/slab-uaf.mmr")  # one ASan crash is enough here (and slow)
        opts = ["--min-runs", "4", "--attempts", "2"]
        self.triage("store1", d, *opts, "--jobs", "2", want=1)
        files = sorted(os.path.join(d, n) for n in os.listdir(d))
        self.triage("store2", *reversed(files), *opts, "--jobs", "1", want=1)
        t1, t2 = tree("store1"), tree("store2")
        self.assertEqual(len([k for k in t1 if k.endswith("reproducer.mmr")]), 2, f"store1 holds {sorted(t1)}")
        self.assertSameTree(t1, t2, "two fresh stores from the same inputs")
        print(f"ok: {len(t1)} entries, byte-identical")

    def test_corrupted(self):
        slab, spur = self.expected()
        self.copy(self.program("truncated.mmr"), "in/crash-cut.mmr")
        self.copy(self.program("spurious.mmr"), "in/spurious.mmr")
        self.to_bin(self.program("spurious-2.mmr"), "in/crash-spur2")
        open("in/crash-empty", "wb").close()
        before = snapshot("in")
        p = self.triage("store", "in", "--no-minimize", want=2)
        lines = p.stderr.splitlines()
        self.assertTrue(any(l.startswith("triage: in/crash-cut.mmr:") and "error:" in l for l in lines),
                        "no parse error naming in/crash-cut.mmr on stderr")
        self.assertTrue(any(l.startswith("triage: in/crash-empty: ") for l in lines),
                        "no error naming in/crash-empty on stderr")
        self.assertSameTree(before, snapshot("in"), "the inputs changed")
        s = load("store/summary.json")
        self.assertEqual([(x["signature"], x["count"], x["reproducibility"]) for x in s["signatures"]],
                         [(spur, 2, "6/6")], "the other inputs were not triaged")  # the default: 3 attempts each
        self.assertEqual([e["path"] for e in s["errors"]], ["in/crash-cut.mmr", "in/crash-empty"], "summary errors")
        self.assertEqual(last_line(p), "triage: 2 artifacts, 1 signatures (1 new), 2 errors", "summary line")
        t = tree("store")
        self.triage("store", "in", "--no-minimize", want=2)
        self.assertSameTree(t, tree("store"), "a second run over a bad input changed the store")
        print("ok: bad inputs reported and kept")

    def test_inputs_untouched(self):
        self.expected()
        # A campaign's output: only crashes/hangs are artifacts.
        self.to_bin(self.program("slab-uaf-2.mmr"), "camp/libfuzzer/crashes/crash-0a1b")
        self.to_bin(self.program("spurious-2.mmr"), "camp/libfuzzer/crashes/timeout-2c3d")
        self.to_bin(self.program("slab-uaf-2.mmr"), "camp/libfuzzer/corpus/0123")
        self.to_bin(self.program("spurious-2.mmr"), "camp/libfuzzer/corpus/4567")
        self.to_bin(self.program("slab-uaf.mmr"), "camp/afl/default/crashes/id:000000,sig:06")
        self.to_bin(self.program("spurious.mmr"), "camp/afl/default/hangs/id:000000,src:000001")
        self.copy(self.program("passing.mmr"), "camp/afl/default/queue/id:000000,orig:seed")
        self.copy(self.program("slab-uaf.mmr"), "camp/afl/default/crashes/README.txt")
        self.copy(self.program("slab-uaf.mmr"), "camp/afl/default/fuzzer_stats")
        os.makedirs("camp/afl/default/.synced")
        # Plain directories and single files, a text crash among them.
        self.copy(self.program("spurious.mmr"), "plain/sub/spurious.mmr")
        self.copy(self.program("slab-uaf.mmr"), "plain/.hidden")
        self.to_bin(self.program("passing.mmr"), "single-pass")
        for p in ("camp", "plain", "single-pass"):
            os.chmod(p, 0o555 if os.path.isdir(p) else 0o444)
        before = snapshot(".")
        self.triage("camp/store", "camp", want=2)  # refused: inside an input dir
        self.assertFalse(os.path.exists("camp/store"), "a --store inside an input directory was created")
        p = self.triage("store", "camp", "plain", "single-pass", "--attempts", "1", "--no-minimize", want=1)
        after = snapshot(".")
        after = {k: v for k, v in after.items() if k != "store" and not k.startswith("store/")}
        self.assertSameTree(before, after, "triage changed its inputs")
        for d in ("camp", "plain"):
            os.chmod(d, 0o755)
        self.assertEqual(last_line(p), "triage: 6 artifacts, 2 signatures (2 new), 0 errors",
                         "summary line: queue, corpus or bookkeeping files taken?")
        idx = load("store/index.json")
        paths = sorted(x for a in idx["artifacts"].values() for x in a["paths"])
        want = sorted(["camp/libfuzzer/crashes/crash-0a1b", "camp/libfuzzer/crashes/timeout-2c3d",
                       "camp/afl/default/crashes/id:000000,sig:06",
                       "camp/afl/default/hangs/id:000000,src:000001",
                       "plain/sub/spurious.mmr", "single-pass"])
        self.assertEqual(paths, want, "artifacts taken")
        print("ok: inputs untouched")


if __name__ == "__main__":
    rigtest.main(options, CASES)
