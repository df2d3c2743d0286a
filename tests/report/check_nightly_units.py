#!/usr/bin/env python3
"""nightly.units: the parts of scripts/nightly.py that need no build: the
corpus size bound (largest dropped first), the repair of a merge killed
between its renames, run-directory names, the new-signature rule and the
exit status."""
import argparse
import os
import shutil
import sys

sys.dont_write_bytecode = True
ap = argparse.ArgumentParser()
ap.add_argument("--scripts", required=True)
ap.add_argument("--work", required=True)
a = ap.parse_args()
sys.path.insert(0, a.scripts)
import nightly  # noqa: E402

fails = []


def check(ok, what):
    if not ok:
        fails.append(what)
        print(f"FAIL: {what}")


shutil.rmtree(a.work, ignore_errors=True)
os.makedirs(a.work)


def make_dir(d, sizes):
    os.makedirs(d, exist_ok=True)
    for name, n in sizes.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(b"x" * n)


# The bound: by bytes, then by count; the largest go first, ties by name.
d = os.path.join(a.work, "bound")
make_dir(d, {"a": 10, "b": 50, "c": 50, "d": 5, "e": 30})
check(nightly.bound_corpus(d, 1000, 100) == 0, "a corpus inside the bound lost files")
check(nightly.bound_corpus(d, 60, 100) == 2, "bytes bound: not 2 dropped")
check(sorted(os.listdir(d)) == ["a", "d", "e"], f"bytes bound kept {sorted(os.listdir(d))}")
check(nightly.bound_corpus(d, 1000, 2) == 1 and sorted(os.listdir(d)) == ["a", "d"],
      f"count bound kept {sorted(os.listdir(d))}")

# Repair: a finished corpus.new wins, else corpus.prev is copied back.
top = os.path.join(a.work, "night")
make_dir(os.path.join(top, "corpus.prev"), {"old": 1})
make_dir(os.path.join(top, "corpus.new"), {"new": 1})
open(os.path.join(top, "corpus.new.ok"), "w").close()
nightly.recover_corpus(top)
check(os.listdir(os.path.join(top, "corpus")) == ["new"], "finished corpus.new not put back")
check(not os.path.exists(os.path.join(top, "corpus.new.ok")), "corpus.new.ok left behind")
shutil.rmtree(os.path.join(top, "corpus"))
make_dir(os.path.join(top, "corpus.new"), {"half": 1})  # no .ok: unfinished
nightly.recover_corpus(top)
check(os.listdir(os.path.join(top, "corpus")) == ["old"], "corpus.prev not put back")
check(os.listdir(os.path.join(top, "corpus.prev")) == ["old"], "corpus.prev not kept")
nightly.recover_corpus(top)  # nothing to do
check(os.listdir(os.path.join(top, "corpus")) == ["old"], "a present corpus was touched")

# Run directories: the id, then -2, -3.
runs = [os.path.basename(nightly.new_run_dir(top, "2026-11-28T1400")) for _ in range(3)]
check(runs == ["2026-11-28T1400", "2026-11-28T1400-2", "2026-11-28T1400-3"], f"run ids {runs}")

# latest: a text file with the run id (replacing an older symlink), and
# latest-run, a link to the run.
os.symlink("runs", os.path.join(top, "latest"))
nightly.point_latest(top, os.path.join(top, "runs", runs[1]))
check(open(os.path.join(top, "latest")).read() == runs[1] + "\n", "latest does not name the run")
check(os.path.realpath(os.path.join(top, "latest-run")) == os.path.realpath(os.path.join(top, "runs", runs[1])),
      "latest-run does not point at the run")

# New = store after - before - known open; the campaign's list when triage failed.
class N:
    def __init__(self):
        self.top = top
        self.doc = {"campaign_signatures": [
            {"signature": "vm.result in touch", "count": 4, "reproducible": True},
            {"signature": "panic.x in y", "count": 1, "reproducible": True},
            {"signature": "not reproducible (passes on replay)", "count": 2, "reproducible": False}]}


n = N()
nightly.known_open = lambda: {"panic.x in y"}
nightly.store_signatures = lambda store: {"vm.result in touch", "old.sig in z"}
nightly.judge_signatures(n, {"old.sig in z"}, True)
check(n.doc["new_signatures"] == ["vm.result in touch"], f"new {n.doc['new_signatures']}")
st = {s["signature"]: (s["status"], s["count"]) for s in n.doc["signatures"]}
check(st == {"vm.result in touch": ("NEW", 4), "panic.x in y": ("known-open", 1)}, f"listed {st}")
n = N()
nightly.judge_signatures(n, {"vm.result in touch"}, False)
check(n.doc["new_signatures"] == [], f"triage failed: new {n.doc['new_signatures']}")

# Exit status: 1 before 2 before 3.
E = nightly.exit_status
check(E({}) == 0, "clean night not 0")
check(E({"new_signatures": ["s"], "errors": ["e"], "regression_unexpected": True}) == 1, "new not 1")
check(E({"errors": ["e"], "regression_unexpected": True}) == 2, "error not 2")
check(E({"regression_unexpected": True}) == 3, "regression not 3")

print("nightly.units:", "FAIL" if fails else "ok", f"({len(fails)} failed checks)")
sys.exit(1 if fails else 0)
