#!/usr/bin/env python3
"""report.chromium: the synthetic night's report.html opened in headless
Chromium. The screenshot (decoded here, tests/report/png.py) must show
every plot: pixels of each series colour in three separate bands of rows
(coverage, exec/s, signatures); --dump-dom must hold the three <svg> plots
with their polylines and bars and both signatures. Exits 77 (skipped) when
there is no chromium (Debian package chromium)."""
import argparse
import html
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
import png  # noqa: E402
import synth  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--report", required=True,
                help="scripts/report.py (synthetic night in --work), or an existing report.html")
ap.add_argument("--work", help="work directory (synthetic mode)")
ap.add_argument("--signature", action="append", default=[],
                help="page mode: a signature the page must show (repeatable)")
ap.add_argument("--screenshot", help="page mode: where the PNG goes")
ap.add_argument("--chromium", default=os.environ.get("CHROMIUM") or shutil.which("chromium"))
ap.add_argument("--timeout", type=int, default=240)
a = ap.parse_args()
if not a.chromium or not os.access(a.chromium, os.X_OK):
    print("SKIP: no chromium (apt-get install chromium)")
    sys.exit(77)

fails = []


def check(ok, what):
    if not ok:
        fails.append(what)
        print(f"FAIL: {what}")


def chromium(args, stdout=None):
    """One headless run in its own session (killed whole on timeout) and
    its own profile directory."""
    with tempfile.TemporaryDirectory(prefix="mmrig-chromium-") as ud:
        cmd = [a.chromium, "--headless", "--no-sandbox", "--disable-gpu",
               "--hide-scrollbars", "--no-first-run", f"--user-data-dir={ud}", *args]
        p = subprocess.Popen(cmd, stdout=stdout or subprocess.DEVNULL,
                             stderr=subprocess.PIPE, start_new_session=True, text=True)
        try:
            out, err = p.communicate(timeout=a.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            check(False, f"chromium timed out after {a.timeout}s: {' '.join(args)}")
            return None
        if p.returncode != 0:
            check(False, f"chromium exit {p.returncode}: {err[-2000:]}")
        return out


# Page mode: a report some night wrote, checked for its plots and the
# signatures given; synthetic mode: the synthetic night, checked exactly.
page_mode = a.report.endswith(".html")
if page_mode:
    page_path = os.path.abspath(a.report)
    shot = os.path.abspath(a.screenshot or os.path.join(os.path.dirname(page_path), "report.png"))
    sigs_wanted = a.signature
else:
    if not a.work:
        ap.error("--work is needed with report.py")
    shutil.rmtree(a.work, ignore_errors=True)
    run = synth.make(a.work)
    r = subprocess.run([sys.executable, a.report, run], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        print(r.stderr)
        sys.exit(1)
    page_path = os.path.abspath(os.path.join(run, "report.html"))
    shot = os.path.join(a.work, "report.png")
    sigs_wanted = [synth.SIG_NEW, synth.SIG_KNOWN]
url = "file://" + page_path
chromium([f"--screenshot={shot}", "--window-size=1280,2400", url])
dom = chromium(["--dump-dom", url], stdout=subprocess.PIPE) or ""

# The DOM as Chromium parsed it: the plots and the signatures as text.
for pid in ("plot-coverage", "plot-execs", "plot-signatures"):
    check(re.search(rf'<svg [^>]*id="{pid}"', dom) is not None, f"DOM: no svg {pid}")
if not page_mode:
    check(len(re.findall(r"<polyline ", dom)) == 5, "DOM: not 5 polylines")
    check(len(re.findall(r'<g class="bar">', dom)) == 2, "DOM: not 2 bars")
    check("<b>co</b>" not in dom, "DOM: a signature's markup was parsed as HTML")
for sig in sigs_wanted:
    check(html.escape(sig, quote=False) in dom, f"DOM: signature text missing: {sig}")

# The screenshot: each plot is a box framed in #cccccc (the page's .plot
# border); inside each box, the colours of its series must be painted.
FRAME = bytes((0xcc, 0xcc, 0xcc))
COLOURS = {"libFuzzer blue": (0x1f, 0x77, 0xb4), "AFL++ red": (0xd6, 0x27, 0x28),
           "all-engines green": (0x2c, 0xa0, 0x2c), "NEW orange": (0xff, 0x7f, 0x0e),
           "known grey": (0x7f, 0x7f, 0x7f)}
# Per plot, top to bottom: the least pixels of each colour inside its box
# (a 3 px polyline across the plot is well over 1000; a legend swatch 140).
EXPECT = [("coverage", {"libFuzzer blue": 800, "AFL++ red": 800}),
          ("exec/s", {"libFuzzer blue": 500, "AFL++ red": 500, "all-engines green": 800}),
          ("signatures", {"NEW orange": 3000, "known grey": 1000})]
# A real night's page: which engines ran is not known here, so each plot
# needs some series painted (a 3 px line across it: 300 px at least);
# the bars only when signatures are expected.
PAGE_ANY = [("coverage", 300), ("exec/s", 300), ("signatures", 300 if sigs_wanted else 0)]


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


if os.path.exists(shot):
    w, h, ch, rows = png.read(shot)
    check((w, h) == (1280, 2400), f"screenshot is {w}x{h}")
    boxes = frames(w, h, ch, rows)
    check(len(boxes) == len(EXPECT), f"screenshot: {len(boxes)} plot frames, want {len(EXPECT)}")
    want = {bytes(v): k for k, v in COLOURS.items()}
    for (name, mins), (top, bottom, left, right) in zip(EXPECT, boxes):
        count = {k: 0 for k in COLOURS}
        distinct = set()
        for y in range(top, bottom + 1):
            row = rows[y]
            for i in range(left * ch, (right + 1) * ch, ch):
                px = row[i:i + 3]
                distinct.add(px)
                k = want.get(px)
                if k:
                    count[k] += 1
        print(f"plot {name}: box y {top}-{bottom} x {left}-{right}, {len(distinct)} colours, "
              + ", ".join(f"{k} {n}" for k, n in count.items() if n))
        if page_mode:
            least = dict(PAGE_ANY)[name]
            check(sum(count.values()) >= least, f"plot {name}: {sum(count.values())} series pixels, want >= {least}")
            continue
        for k, least in mins.items():
            check(count[k] >= least, f"plot {name}: {count[k]} pixels of {k}, want >= {least}")
        check(len(distinct) >= 10, f"plot {name}: only {len(distinct)} colours (blank?)")
else:
    check(False, "no screenshot written")

print("report.chromium:", "FAIL" if fails else "ok", f"({len(fails)} failed checks)")
sys.exit(1 if fails else 0)
