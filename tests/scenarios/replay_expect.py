#!/usr/bin/env python3
"""mmrig-replay honours a text program's "# expect:" header: "pass" must
pass; a signature marks a known-open bug, which must fail with exactly
that signature (KNOWN-OPEN, exit 0); passing instead, or failing with
another signature, is unexpected (exit 1).

usage: replay_expect.py REPLAY_WITH_DOUBLES PLANTED_PROGRAM_DIR
"""
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402

SIG = "buddy.alloc-not-free in alloc_pages [toy-overlap]"


def options(ap):
    ap.add_argument("replay")
    ap.add_argument("programs")


def replay(*argv):
    return rigtest.run([rigtest.args.replay, *argv])


class Expect(rigtest.TestCase):
    def setUp(self):
        d = self.workdir()
        with open(os.path.join(rigtest.args.programs, "pages-overlap.mmr")) as f:
            body = "".join(l for l in f if not l.startswith("#"))
        self.known = rigtest.write(os.path.join(d, "known.mmr"),
                                   f"# A bug still open in toy-overlap.\n# expect: {SIG}\n" + body)
        self.other = rigtest.write(os.path.join(d, "other.mmr"),
                                   "# expect: buddy.free-counts in free_pages\n" + body)
        self.passing = rigtest.write(os.path.join(d, "pass.mmr"), "# expect: pass\n" + body)

    def test_known_open(self):
        p = replay("--allocator", "toy-overlap", self.known)
        self.assertExit(p, 0, "a known-open bug as expected")
        self.assertIn(f"KNOWN-OPEN {self.known}", p.stdout)
        self.assertIn("1 failed as their headers expect", p.stdout, "the summary counts it")
        p = replay("--json", "--allocator", "toy-overlap", self.known)
        doc = json.loads(p.stdout)
        self.assertExit(p, 0, "--json")
        self.assertEqual((doc["known_open"], doc["failed"]), (1, 0), "json counts")
        self.assertIs(doc["results"][0]["as_expected"], True, "json expectation")
        self.assertEqual(doc["results"][0]["expect"], SIG, "json expectation")

    def test_fixed_bug_stale_header(self):
        p = replay("--allocator", "toy", self.known)
        self.assertExit(p, 1, "a fixed bug, stale header")
        self.assertIn("update the header", p.stdout)

    def test_another_signature(self):
        p = replay("--allocator", "toy-overlap", self.other)
        self.assertExit(p, 1, "another signature")
        self.assertIn(f"FAIL {self.other}", p.stdout)

    def test_expect_pass_fails(self):
        p = replay("--allocator", "toy-overlap", self.passing)
        self.assertExit(p, 1, "expect pass, fails")
        self.assertIn(f"FAIL {self.passing}", p.stdout)

    def test_expect_pass_passes(self):
        p = replay("--allocator", "toy", self.passing)
        self.assertExit(p, 0, "expect pass, passes")
        self.assertIn(f"PASS {self.passing}", p.stdout)


if __name__ == "__main__":
    rigtest.main(options)
