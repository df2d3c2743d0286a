#!/usr/bin/env python3
"""coverage.html: scripts/coverage.sh over corpus/seeds (in the build tree
$MMRIG_BUILD/coverage) writes html/index.html with every kernel/mm file,
summary.json, and ends with the one-line summary whose figures are
summary.json's and whose program count is the number of seeds."""
import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402

SUMMARY = re.compile(r"coverage: lines (\d+\.\d\d)%, functions (\d+\.\d\d)%, "
                     r"branches (\d+\.\d\d)% \((\d+) programs\)")


def options(ap):
    for opt in ("--script", "--seeds", "--work"):
        ap.add_argument(opt, required=True)


class CoverageHtml(rigtest.TestCase):
    def test_coverage_sh(self):
        a = rigtest.args
        work = os.path.join(self.workdir(), "cov")  # coverage.sh makes it
        t0 = time.monotonic()
        p = rigtest.run([a.script, work, a.seeds], timeout=1800)
        print(f"coverage.sh: exit {p.returncode} in {time.monotonic() - t0:.1f} s "
              f"(MMRIG_BUILD={os.environ.get('MMRIG_BUILD', '')})")
        self.assertExit(p, 0, "coverage.sh")
        last = p.stdout.rstrip("\n").split("\n")[-1]
        print(last)
        m = SUMMARY.fullmatch(last)
        self.assertIsNotNone(m, f"the last line is not the summary: {last!r}")
        summary = rigtest.load_json(os.path.join(work, "summary.json"))
        seeds = [f for f in os.listdir(a.seeds) if not f.startswith(".")]
        self.assertEqual(int(m.group(4)), len(seeds), "programs vs seeds")
        for i, k in enumerate(("lines", "functions", "branches"), 1):
            self.assertEqual(f"{summary[k]:.2f}", m.group(i), f"{k}: the line vs summary.json")
            self.assertTrue(0 < summary[k] <= 100, f"{k} {summary[k]} out of range")
            self.assertLessEqual(summary[f"{k}_covered"], summary[f"{k}_total"], f"{k}: covered > total")
        index = os.path.join(work, "html", "index.html")
        self.assertTrue(os.path.isfile(index), "no html/index.html")
        page = rigtest.read(index)
        for f in sorted(os.listdir(os.path.join(os.path.dirname(a.script), "..", "kernel", "mm"))):
            if f.endswith(".c"):
                self.assertIn(f, page, f"html/index.html does not list {f}")
        n_html = sum(len(fs) for _, _, fs in os.walk(os.path.join(work, "html")))
        self.assertGreater(n_html, 5, "files under html/")


if __name__ == "__main__":
    rigtest.main(options)
