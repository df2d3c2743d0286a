#!/usr/bin/env python3
"""report.chromium: the synthetic night's report.html opened in headless
Chromium. The screenshot (decoded here, tests/report/png.py) must show
every plot: pixels of each series colour in three separate bands of rows
(coverage, exec/s, signatures); --dump-dom must hold the three <svg> plots
with their polylines and bars and both signatures. Exits 77 (skipped) when
there is no chromium (Debian package chromium).

--report names scripts/report.py (a synthetic night in --work, checked
exactly) or a report.html some night wrote (checked for its plots and the
--signature values given)."""
import html
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402
import png  # noqa: E402
import synth  # noqa: E402

FRAME = bytes((0xcc, 0xcc, 0xcc))
COLOURS = {"libFuzzer blue": (0x1f, 0x77, 0xb4), "AFL++ red": (0xd6, 0x27, 0x28),
           "all-engines green": (0x2c, 0xa0, 0x2c), "NEW orange": (0xff, 0x7f, 0x0e),
           "known grey": (0x7f, 0x7f, 0x7f)}
# Per plot, top to bottom: the least pixels of each colour inside its box
# (a 3 px polyline across the plot is well over 1000; a legend swatch 140).
EXPECT = [("coverage", {"libFuzzer blue": 800, "AFL++ red": 800}),
          ("exec/s", {"libFuzzer blue": 500, "AFL++ red": 500, "all-engines green": 800}),
          ("signatures", {"NEW orange": 3000, "known grey": 1000})]


def options(ap):
    ap.add_argument("--report", required=True,
                    help="scripts/report.py (synthetic night in --work), or an existing report.html")
    ap.add_argument("--work", help="work directory (synthetic mode)")
    ap.add_argument("--signature", action="append", default=[],
                    help="page mode: a signature the page must show (repeatable)")
    ap.add_argument("--screenshot", help="page mode: where the PNG goes")
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM") or shutil.which("chromium"))
    ap.add_argument("--timeout", type=int, default=240)


def frames(w, h, ch, rows):
    """(top, bottom, left, right) of every box whose left edge is a
    vertical run of FRAME pixels at least 100 high, in the left 200 px."""
    for x in range(min(w, 200)):
        runs, y0 = [], None
        for y in range(h + 1):
            on = y < h and rows[y][x * ch:x * ch + 3] == FRAME
            if on and y0 is None:
                y0 = y
            elif not on and y0 is not None:
                if y - y0 >= 100:
                    runs.append((y0, y - 1))
                y0 = None
        if runs:
            out = []
            for top, bottom in runs:
                row = rows[(top + bottom) // 2]
                right = max(i // ch for i in range(0, len(row), ch) if row[i:i + 3] == FRAME)
                out.append((top, bottom, x, right))
            return out
    return []


def colours_in(box, ch, rows):
    """({colour name: pixels}, distinct colours) inside a box."""
    top, bottom, left, right = box
    want = {bytes(v): k for k, v in COLOURS.items()}
    count, distinct = {k: 0 for k in COLOURS}, set()
    for y in range(top, bottom + 1):
        for i in range(left * ch, (right + 1) * ch, ch):
            px = rows[y][i:i + 3]
            distinct.add(px)
            if px in want:
                count[want[px]] += 1
    return count, distinct


class Chromium(rigtest.TestCase):
    @classmethod
    def setUpClass(cls):
        a = rigtest.args
        if not a.chromium or not os.access(a.chromium, os.X_OK):
            raise unittest.SkipTest("no chromium (apt-get install chromium)")

    def chromium(self, argv, stdout=None):
        """One headless run in its own session (killed whole on timeout) and
        its own profile directory."""
        a = rigtest.args
        with tempfile.TemporaryDirectory(prefix="mmrig-chromium-") as ud:
            cmd = [a.chromium, "--headless", "--no-sandbox", "--disable-gpu",
                   "--hide-scrollbars", "--no-first-run", f"--user-data-dir={ud}", *argv]
            p = subprocess.Popen(cmd, stdout=stdout or subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, start_new_session=True, text=True)
            try:
                out, err = p.communicate(timeout=a.timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.communicate()
                self.fail(f"chromium timed out after {a.timeout}s: {' '.join(argv)}")
            self.assertEqual(p.returncode, 0, f"chromium: {err[-2000:]}")
            return out

    def test_page(self):
        a = rigtest.args
        page_mode = a.report.endswith(".html")
        if page_mode:
            page_path = os.path.abspath(a.report)
            shot = os.path.abspath(a.screenshot or os.path.join(os.path.dirname(page_path), "report.png"))
            sigs_wanted = a.signature
        else:
            self.assertTrue(a.work, "--work is needed with report.py")
            run_dir = synth.make(self.workdir())
            self.assertExit(rigtest.python(a.report, run_dir, timeout=60), 0, "report.py")
            page_path = os.path.abspath(os.path.join(run_dir, "report.html"))
            shot = os.path.join(os.path.dirname(os.path.dirname(run_dir)), "report.png")
            sigs_wanted = [synth.SIG_NEW, synth.SIG_KNOWN]
        url = "file://" + page_path
        with self.subTest("screenshot run"):
            self.chromium([f"--screenshot={shot}", "--window-size=1280,2400", url])
        dom = self.chromium(["--dump-dom", url], stdout=subprocess.PIPE) or ""

        # The DOM as Chromium parsed it: the plots and the signatures as text.
        for pid in ("plot-coverage", "plot-execs", "plot-signatures"):
            self.assertRegex(dom, rf'<svg [^>]*id="{pid}"', f"DOM: no svg {pid}")
        if not page_mode:
            self.assertEqual(len(re.findall(r"<polyline ", dom)), 5, "DOM: not 5 polylines")
            self.assertEqual(len(re.findall(r'<g class="bar">', dom)), 2, "DOM: not 2 bars")
            self.assertNotIn("<b>co</b>", dom, "DOM: a signature's markup was parsed as HTML")
        for sig in sigs_wanted:
            self.assertIn(html.escape(sig, quote=False), dom, "DOM: signature text missing")

        # The screenshot: each plot is a box framed in #cccccc (the page's
        # .plot border); inside each box, the colours of its series must be
        # painted.
        self.assertTrue(os.path.exists(shot), "no screenshot written")
        w, h, ch, rows = png.read(shot)
        self.assertEqual((w, h), (1280, 2400), "screenshot size")
        boxes = frames(w, h, ch, rows)
        self.assertEqual(len(boxes), len(EXPECT), "screenshot: plot frames")
        # A real night's page: which engines ran is not known here, so each
        # plot needs some series painted (a 3 px line across it: 300 px at
        # least); the bars only when signatures are expected.
        page_any = {"coverage": 300, "exec/s": 300, "signatures": 300 if sigs_wanted else 0}
        for (name, mins), box in zip(EXPECT, boxes):
            count, distinct = colours_in(box, ch, rows)
            print(f"plot {name}: box {box}, {len(distinct)} colours, "
                  + ", ".join(f"{k} {n}" for k, n in count.items() if n))
            with self.subTest(name):
                if page_mode:
                    self.assertGreaterEqual(sum(count.values()), page_any[name], f"plot {name}: series pixels")
                    continue
                for k, least in mins.items():
                    self.assertGreaterEqual(count[k], least, f"plot {name}: pixels of {k}")
                self.assertGreaterEqual(len(distinct), 10, f"plot {name}: colours (blank?)")


if __name__ == "__main__":
    rigtest.main(options)
