#!/usr/bin/env python3
"""mmrig-min's exit codes on the clean kernel: 1 for a program that passes
(and no output written), 2 with file:line:col for a malformed program, 2
for bad usage and for -o naming the input; inputs are never modified."""
import os
import shutil
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402


def options(ap):
    for opt in ("--min", "--passing", "--work"):
        ap.add_argument(opt, required=True)


class Errors(rigtest.TestCase):
    def setUp(self):
        work = self.workdir()
        self.good = os.path.join(work, "passes.mmr")
        shutil.copyfile(rigtest.args.passing, self.good)
        self.bad = rigtest.write(os.path.join(work, "bad.mmr"),
                                 "# a typo on line 3\nx = kmalloc 64\nkfree x\n  kmallok 64\n")
        self.pages = rigtest.write(os.path.join(work, "pages.mmr"), "p = alloc_pages 0\n")
        self.out = os.path.join(work, "out.mmr")
        self.nope = os.path.join(work, "nope.mmr")
        self.other_path = os.path.join(work, ".", "passes.mmr")
        self.sums = {p: rigtest.sha256(p) for p in (self.good, self.bad, self.pages)}

    def expect(self, what, argv, rc, stderr_has=None):
        with self.subTest(what):
            p = rigtest.run([rigtest.args.min, *argv])
            print(f"{what}: exit {p.returncode}, stderr {p.stderr.strip()!r}")
            self.assertExit(p, rc, what)
            if stderr_has is not None:
                self.assertIn(stderr_has, p.stderr, what)

    def test_exit_codes(self):
        self.expect("passing program", ["-o", self.out, self.good], 1, "nothing to minimize")
        self.assertFalse(os.path.exists(self.out), "an output was written for a passing program")
        self.expect("malformed program", [self.bad], 2, f"{self.bad}:4:3: error:")
        self.expect("missing file", [self.nope], 2, "cannot read")
        self.expect("no arguments", [], 2, "usage:")
        self.expect("two inputs", [self.good, self.bad], 2, "usage:")
        self.expect("unknown option", ["--bogus", self.good], 2)
        self.expect("zero timeout", ["--timeout", "0", self.good], 2, "--timeout")
        self.expect("bad run budget", ["--max-runs", "x", self.good], 2, "--max-runs")
        self.expect("unknown allocator", ["--allocator", "nope", self.good], 2, "no allocator")
        self.expect("an op the allocator cannot run", ["--allocator", "kmalloc", self.pages], 2,
                    "not applicable to allocator kmalloc")
        self.expect("-o onto the input", ["-o", self.good, self.good], 2, "refusing")
        self.expect("-o onto the input by another path", ["-o", self.other_path, self.good], 2,
                    "refusing")
        for p, s in self.sums.items():
            self.assertEqual(rigtest.sha256(p), s, f"{p} was modified")


if __name__ == "__main__":
    rigtest.main(options)
