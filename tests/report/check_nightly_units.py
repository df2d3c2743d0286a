#!/usr/bin/env python3
"""nightly.units: the parts of scripts/nightly.py that need no build: the
corpus size bound (largest dropped first), the repair of a merge killed
between its renames, run-directory names, the new-signature rule and the
exit status."""
import os
import shutil
import sys
from unittest import mock

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402

nightly = None


def options(ap):
    ap.add_argument("--scripts", required=True)
    ap.add_argument("--work", required=True)


def setUpModule():
    global nightly
    nightly = rigtest.script("nightly", os.path.dirname(os.path.abspath(rigtest.args.scripts)))


def make_dir(d, sizes):
    os.makedirs(d, exist_ok=True)
    for name, n in sizes.items():
        rigtest.write(os.path.join(d, name), b"x" * n)


class Bound(rigtest.TestCase):
    def test_bytes_then_count(self):
        # By bytes, then by count; the largest go first, ties by name.
        d = self.workdir()
        make_dir(d, {"a": 10, "b": 50, "c": 50, "d": 5, "e": 30})
        self.assertEqual(nightly.bound_corpus(d, 1000, 100), 0, "a corpus inside the bound lost files")
        self.assertEqual(nightly.bound_corpus(d, 60, 100), 2, "bytes bound: not 2 dropped")
        self.assertEqual(sorted(os.listdir(d)), ["a", "d", "e"], "bytes bound kept")
        self.assertEqual(nightly.bound_corpus(d, 1000, 2), 1, "count bound: not 1 dropped")
        self.assertEqual(sorted(os.listdir(d)), ["a", "d"], "count bound kept")


class Night(rigtest.TestCase):
    def setUp(self):
        self.top = self.workdir()

    def ls(self, name):
        return os.listdir(os.path.join(self.top, name))

    def test_recover_corpus(self):
        # A finished corpus.new wins, else corpus.prev is copied back.
        top = self.top
        make_dir(os.path.join(top, "corpus.prev"), {"old": 1})
        make_dir(os.path.join(top, "corpus.new"), {"new": 1})
        open(os.path.join(top, "corpus.new.ok"), "w").close()
        nightly.recover_corpus(top)
        self.assertEqual(self.ls("corpus"), ["new"], "finished corpus.new not put back")
        self.assertFalse(os.path.exists(os.path.join(top, "corpus.new.ok")), "corpus.new.ok left behind")
        shutil.rmtree(os.path.join(top, "corpus"))
        make_dir(os.path.join(top, "corpus.new"), {"half": 1})  # no .ok: unfinished
        nightly.recover_corpus(top)
        self.assertEqual(self.ls("corpus"), ["old"], "corpus.prev not put back")
        self.assertEqual(self.ls("corpus.prev"), ["old"], "corpus.prev not kept")
        nightly.recover_corpus(top)  # nothing to do
        self.assertEqual(self.ls("corpus"), ["old"], "a present corpus was touched")

    def test_run_dirs_and_latest(self):
        # Run directories: the id, then -2, -3.
        top = self.top
        runs = [os.path.basename(nightly.new_run_dir(top, "2026-11-28T1400")) for _ in range(3)]
        self.assertEqual(runs, ["2026-11-28T1400", "2026-11-28T1400-2", "2026-11-28T1400-3"], "run ids")
        # latest: a text file with the run id (replacing an older symlink),
        # and latest-run, a link to the run.
        os.symlink("runs", os.path.join(top, "latest"))
        nightly.point_latest(top, os.path.join(top, "runs", runs[1]))
        self.assertEqual(rigtest.read(os.path.join(top, "latest")), runs[1] + "\n",
                         "latest does not name the run")
        self.assertEqual(os.path.realpath(os.path.join(top, "latest-run")),
                         os.path.realpath(os.path.join(top, "runs", runs[1])),
                         "latest-run does not point at the run")


class NightDoc:
    def __init__(self, top):
        self.top = top
        self.doc = {"campaign_signatures": [
            {"signature": "vm.result in touch", "count": 4, "reproducible": True},
            {"signature": "panic.x in y", "count": 1, "reproducible": True},
            {"signature": "not reproducible (passes on replay)", "count": 2, "reproducible": False}]}


class Judge(rigtest.TestCase):
    def setUp(self):
        for name, fake in (("known_open", lambda: {"panic.x in y"}),
                           ("store_signatures", lambda store: {"vm.result in touch", "old.sig in z"})):
            patch = mock.patch.object(nightly, name, fake)
            patch.start()
            self.addCleanup(patch.stop)

    def test_new_signatures(self):
        # New = store after - before - known open; the campaign's list when
        # triage failed.
        n = NightDoc(self.workdir())
        nightly.judge_signatures(n, {"old.sig in z"}, True)
        self.assertEqual(n.doc["new_signatures"], ["vm.result in touch"], "new")
        st = {s["signature"]: (s["status"], s["count"]) for s in n.doc["signatures"]}
        self.assertEqual(st, {"vm.result in touch": ("NEW", 4), "panic.x in y": ("known-open", 1)}, "listed")
        n = NightDoc(n.top)
        nightly.judge_signatures(n, {"vm.result in touch"}, False)
        self.assertEqual(n.doc["new_signatures"], [], "triage failed: new")


class ExitStatus(rigtest.TestCase):
    def test_order(self):
        # 1 before 2 before 3.
        E = nightly.exit_status
        self.assertEqual(E({}), 0, "clean night not 0")
        self.assertEqual(E({"new_signatures": ["s"], "errors": ["e"], "regression_unexpected": True}), 1,
                         "new not 1")
        self.assertEqual(E({"errors": ["e"], "regression_unexpected": True}), 2, "error not 2")
        self.assertEqual(E({"regression_unexpected": True}), 3, "regression not 3")


if __name__ == "__main__":
    rigtest.main(options)
