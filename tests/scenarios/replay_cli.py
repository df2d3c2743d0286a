#!/usr/bin/env python3
"""mmrig-replay's contract: exit codes, PASS/FAIL lines, --json, --text,
file:line:column errors, inputs left untouched, the same output twice.

usage: replay_cli.py MMRIG_REPLAY MMRIG_REPLAY_DOUBLES SEEDS_TEXT SEEDS_BIN"""
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402

TOY_SIG = "buddy.alloc-not-free in alloc_pages [toy-overlap]"


def options(ap):
    for name in ("replay", "doubles", "seeds_text", "seeds_bin"):
        ap.add_argument(name)


def replay(*argv, tool=None, **kw):
    return rigtest.run([tool or rigtest.args.replay, *argv], **kw)


def doubles(*argv):
    return replay(*argv, tool=rigtest.args.doubles)


def inputs():
    return rigtest.snapshot(rigtest.args.seeds_text), rigtest.snapshot(rigtest.args.seeds_bin)


class ReplayCli(rigtest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.before = inputs()

    def setUp(self):
        self.tmp = self.workdir()
        self.seeds = rigtest.args.seeds_text
        # Three page blocks: toy-overlap hands out one twice.
        self.prog = rigtest.write(os.path.join(self.tmp, "overlap.mmr"),
                                  "a = alloc_pages 0\nb = alloc_pages 0\nc = alloc_pages 0\n")

    def test_seeds_pass(self):
        p = replay(self.seeds)
        self.assertExit(p, 0, "all seeds pass")
        self.assertGreaterEqual(p.stdout.count("PASS "), 20, "a PASS line per seed")
        self.assertIn("replay: ", p.stdout, "summary line")
        self.assertIn(" passed, 0 failed", p.stdout, "summary line")
        self.assertEqual(replay(self.seeds).stdout, p.stdout, "same output on a second run")

    def test_json(self):
        p = replay("--json", rigtest.args.seeds_bin)
        doc = json.loads(p.stdout)
        self.assertExit(p, 0, "--json")
        self.assertEqual(doc["failed"], 0, "--json summary")
        self.assertGreaterEqual(doc["passed"], 20, "--json summary")
        self.assertTrue(all(r["result"] == "PASS" for r in doc["results"]), "--json results")

    def test_text_of_binary(self):
        # --text of a binary seed is the canonical text of its source.
        src = sorted(f for f in os.listdir(self.seeds) if f.endswith(".mmr"))[0]
        p1 = replay("--text", os.path.join(rigtest.args.seeds_bin, src[:-4] + ".bin"))
        p2 = replay("--text", os.path.join(self.seeds, src))
        self.assertExit(p1, 0)
        self.assertExit(p2, 0)
        self.assertTrue(p1.stdout.strip(), "--text printed nothing")
        self.assertEqual(p1.stdout, p2.stdout, "--text of binary equals canonical text")

    def test_unreadable(self):
        p = replay(os.path.join(self.tmp, "missing.mmr"))
        self.assertExit(p, 2, "unreadable path")
        self.assertIn("missing.mmr", p.stderr, "the path is named")

    def test_malformed(self):
        bad = rigtest.write(os.path.join(self.tmp, "bad.mmr"), "check\np = alloc_pages 3\nfree_pages q\n")
        p = replay(bad)
        self.assertExit(p, 2, "malformed text")
        self.assertIn(f"{bad}:3:12: error:", rigtest.output(p), "file:line:column")

    def test_bad_usage(self):
        self.assertExit(replay("--no-such-flag", self.seeds), 2, "unknown option")
        self.assertExit(replay(), 2, "no path")
        self.assertExit(replay("--allocator=nope", self.seeds), 2, "unknown allocator")

    def test_failing_program(self):
        # exit 1, FAIL line, report, SIGNATURE; JSON carries it.
        p = doubles("--allocator=toy-overlap", self.prog)
        self.assertExit(p, 1, "a failing program")
        self.assertIn(f"FAIL {self.prog}", p.stdout)
        self.assertIn("SIGNATURE: ", p.stdout)
        p = doubles("--json", "--allocator=toy-overlap", self.prog, self.seeds)
        doc = json.loads(p.stdout)
        self.assertExit(p, 1, "--json with a failure")
        self.assertGreaterEqual(doc["failed"], 1, "--json counts the failure")
        fails = [r for r in doc["results"] if r["result"] == "FAIL"]
        self.assertTrue(fails, "--json lists no failure")
        self.assertEqual(fails[0]["signature"], TOY_SIG, "--json signature")

    def test_not_applicable(self):
        # An op the allocator cannot run: N/A, never PASS, and not a failure.
        page_seed = os.path.join(self.seeds, "01-pages-every-order.mmr")
        p = replay("--allocator=kmalloc", page_seed, self.prog)
        self.assertExit(p, 0, "programs a byte allocator cannot run")
        for want in (f"N/A {page_seed}", "cannot run 'alloc_pages'", "replay: 2 not applicable",
                     "replay: 0 passed, 0 failed"):
            self.assertIn(want, p.stdout)
        p = replay("--json", "--allocator=kmalloc", page_seed)
        doc = json.loads(p.stdout)
        self.assertExit(p, 0, "--json of an N/A program")
        self.assertEqual((doc["not_applicable"], doc["passed"]), (1, 0), "--json counts the N/A program")
        self.assertEqual(doc["results"][0]["result"], "N/A")
        self.assertIn("alloc_pages", doc["results"][0]["not_applicable"], "--json names the op")
        p = replay(page_seed, env=dict(os.environ, MMRIG_ALLOCATOR="kmalloc"))
        self.assertExit(p, 0, "MMRIG_ALLOCATOR selects when --allocator is absent")
        self.assertIn(f"N/A {page_seed}", p.stdout, "MMRIG_ALLOCATOR selects when --allocator is absent")

    def test_unreadable_beats_failing(self):
        p = doubles("--allocator=toy-overlap", self.prog, os.path.join(self.tmp, "nope"))
        self.assertExit(p, 2, "unreadable beats failing")

    def test_zz_inputs_untouched(self):
        # Named to run last: every other test has replayed the seeds by now.
        self.assertEqual(inputs(), self.before, "replay left its inputs untouched")


if __name__ == "__main__":
    rigtest.main(options)
