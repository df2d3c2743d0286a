#!/usr/bin/env python3
"""report.render: scripts/report.py on a synthetic night. The HTML page
holds the three plots (svg ids, one polyline per series with the number of
points its data had), both signatures escaped, the reproducers, the
regression and coverage lines; report.md the same facts; rendering twice
gives the same bytes; report.py leaves the run's inputs alone."""
import html
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402
import synth  # noqa: E402


def options(ap):
    ap.add_argument("--report", required=True)
    ap.add_argument("--work", required=True)


class Render(rigtest.TestCase):
    def setUp(self):
        self.run_dir = synth.make(self.workdir())

    def render(self):
        p = rigtest.python(rigtest.args.report, self.run_dir, timeout=60)
        self.assertExit(p, 0, "report.py")
        with open(os.path.join(self.run_dir, "report.html"), "rb") as h, \
                open(os.path.join(self.run_dir, "report.md"), "rb") as m:
            return h.read(), m.read()

    def svg(self, page, pid):
        m = re.search(rf'<svg id="{pid}"[^>]*>(.*?)</svg>', page, re.S)
        self.assertIsNotNone(m, f"no <svg id={pid}>")
        return m.group(1)

    def polylines(self, body):
        out = {}
        for m in re.finditer(r'<polyline [^>]*data-series="([^"]*)" data-points="(\d+)"[^>]*points="([^"]*)"', body):
            pts = m.group(3).split()
            self.assertEqual(len(pts), int(m.group(2)), f"series {m.group(1)}: data-points vs coordinates")
            out[m.group(1)] = len(pts)
        return out

    def test_page(self):
        top = os.path.dirname(os.path.dirname(self.run_dir))
        inputs = rigtest.tree(top)
        h1, m1 = self.render()
        h2, m2 = self.render()
        self.assertEqual(h1, h2, "report.html differs between two renderings")
        self.assertEqual(m1, m2, "report.md differs between two renderings")
        now = rigtest.tree(top)
        self.assertSameTree(inputs, {k: now[k] for k in now if k in inputs}, "report.py changed its inputs")
        page, md = h1.decode(), m1.decode()

        cov = self.svg(page, "plot-coverage")
        self.assertIn("<title", cov, "coverage plot has no title")
        self.assertIn("Coverage over time", cov, "coverage plot has no title")
        self.assertEqual(self.polylines(cov), {"libFuzzer cov": synth.PROGRESS_ROWS,
                                               "AFL++ edges": synth.PROGRESS_ROWS}, "coverage polylines")
        execs = self.svg(page, "plot-execs")
        self.assertEqual(self.polylines(execs), {"all engines": synth.PROGRESS_ROWS,
                                                 "libFuzzer": synth.LF_LOG_LINES,
                                                 "AFL++ (all instances)": synth.PLOT_DATA_ROWS},
                         "exec/s polylines")
        for body, name in ((cov, "coverage"), (execs, "exec/s")):
            self.assertIn('class="xlabel"', body, f"{name} plot: axis labels")
            self.assertIn('class="ylabel"', body, f"{name} plot: axis labels")
            self.assertGreaterEqual(body.count("<line"), 8, f"{name} plot: too few ticks")
        sigs = self.svg(page, "plot-signatures")
        self.assertEqual(sigs.count("<rect") - 1, 2, "signature plot: not 2 bars")  # minus the background

        for sig in (synth.SIG_NEW, synth.SIG_KNOWN):
            self.assertIn(html.escape(sig), page, "signature not in the page (escaped)")
        self.assertNotIn(synth.SIG_NEW, page, "raw '<b>' of a signature reached the page unescaped")
        self.assertNotIn("<b>co</b>", page, "signature markup not escaped")
        self.assertIn(html.escape(synth.REPRO_KNOWN.rstrip()), page, "reproducer not inlined")
        self.assertIn('href="../../store/vm-result-touch/report.md"', page, "no link to the store's report")
        self.assertIn("22 → 2", page, "ops before → after missing")
        self.assertIn("35 → 5", page, "ops before → after missing")
        self.assertIn("c.mmr", page, "regression failure not shown")
        self.assertIn("1 unexpected", page, "regression failure not shown")
        self.assertIn("lines 81.25%, functions 90.50%, branches 66.67% (42 programs)", page, "coverage line")
        self.assertIn('href="coverage/html/index.html"', page, "no link to the coverage HTML")
        self.assertIn("1cd8366 (dirty)", page, "git revision missing")
        self.assertNotIn("http://", page.replace('xmlns="http://www.w3.org/2000/svg"', ""),
                         "page refers to the network")
        self.assertNotIn("https://", page, "page refers to the network")
        self.assertNotIn("<script", page, "page uses script")

        for sig in (synth.SIG_NEW, synth.SIG_KNOWN):
            self.assertIn(sig, md, "signature not in report.md")
        self.assertIn("| NEW | 7 |", md, "report.md signature table")
        self.assertIn("| known | 3 |", md, "report.md signature table")
        self.assertIn("lines 81.25%", md, "report.md coverage line")

    def test_engine_files_without_progress(self):
        # Without progress.tsv the engines' own files give the series: two
        # AFL++ instances at different times are combined at every time
        # either wrote.
        os.unlink(os.path.join(self.run_dir, "fuzz", "progress.tsv"))
        pd = rigtest.read(os.path.join(self.run_dir, "fuzz", "afl", "main", "plot_data")).split("\n")
        second = [pd[0]] + [l.replace(f"{15 * (i + 1)}, 0,", f"{15 * (i + 1) + 5}, 0,", 1)
                            for i, l in enumerate(pd[1:4])]
        synth.write(os.path.join(self.run_dir, "fuzz", "afl", "s1", "plot_data"), "\n".join(second) + "\n")
        page = self.render()[0].decode()
        self.assertEqual(self.polylines(self.svg(page, "plot-coverage")),
                         {"libFuzzer cov": synth.LF_LOG_LINES, "AFL++ edges": synth.PLOT_DATA_ROWS + 3},
                         "fallback coverage")
        self.assertEqual(self.polylines(self.svg(page, "plot-execs")),
                         {"libFuzzer": synth.LF_LOG_LINES, "AFL++ (all instances)": synth.PLOT_DATA_ROWS + 3},
                         "fallback exec/s")


if __name__ == "__main__":
    rigtest.main(options)
