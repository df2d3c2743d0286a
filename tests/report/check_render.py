#!/usr/bin/env python3
"""report.render: scripts/report.py on a synthetic night. The HTML page
holds the three plots (svg ids, one polyline per series with the number of
points its data had), both signatures escaped, the reproducers, the
regression and coverage lines; report.md the same facts; rendering twice
gives the same bytes; report.py leaves the run's inputs alone."""
import argparse
import html
import os
import re
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True
import synth  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--report", required=True)
ap.add_argument("--work", required=True)
a = ap.parse_args()

fails = []


def check(ok, what):
    if not ok:
        fails.append(what)
        print(f"FAIL: {what}")


shutil.rmtree(a.work, ignore_errors=True)
run = synth.make(a.work)
inputs = {}
for dp, _, fs in os.walk(a.work):
    for f in fs:
        p = os.path.join(dp, f)
        inputs[p] = open(p, "rb").read()


def render():
    r = subprocess.run([sys.executable, a.report, run], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"report.py exit {r.returncode}: {r.stderr.strip()}")
    return (open(os.path.join(run, "report.html"), "rb").read(),
            open(os.path.join(run, "report.md"), "rb").read())


h1, m1 = render()
h2, m2 = render()
check(h1 == h2, "report.html differs between two renderings")
check(m1 == m2, "report.md differs between two renderings")
for p, b in inputs.items():
    check(open(p, "rb").read() == b, f"input changed: {p}")
page, md = h1.decode(), m1.decode()


def svg(pid):
    m = re.search(rf'<svg id="{pid}"[^>]*>(.*?)</svg>', page, re.S)
    check(m is not None, f"no <svg id={pid}>")
    return m.group(1) if m else ""


def polylines(body):
    out = {}
    for m in re.finditer(r'<polyline [^>]*data-series="([^"]*)" data-points="(\d+)"[^>]*points="([^"]*)"', body):
        pts = m.group(3).split()
        check(len(pts) == int(m.group(2)), f"series {m.group(1)}: data-points {m.group(2)} != {len(pts)} coordinates")
        out[m.group(1)] = len(pts)
    return out


cov = svg("plot-coverage")
check("<title" in cov and "Coverage over time" in cov, "coverage plot has no title")
check(polylines(cov) == {"libFuzzer cov": synth.PROGRESS_ROWS, "AFL++ edges": synth.PROGRESS_ROWS},
      f"coverage polylines {polylines(cov)}")
execs = svg("plot-execs")
check(polylines(execs) == {"all engines": synth.PROGRESS_ROWS, "libFuzzer": synth.LF_LOG_LINES,
                           "AFL++ (all instances)": synth.PLOT_DATA_ROWS},
      f"exec/s polylines {polylines(execs)}")
for body, name in ((cov, "coverage"), (execs, "exec/s")):
    check('class="xlabel"' in body and 'class="ylabel"' in body, f"{name} plot: axis labels")
    check(body.count("<line") >= 8, f"{name} plot: too few ticks")
sigs = svg("plot-signatures")
check(sigs.count("<rect") - 1 == 2, "signature plot: not 2 bars")  # minus the background

for sig in (synth.SIG_NEW, synth.SIG_KNOWN):
    check(html.escape(sig) in page, f"signature not in the page (escaped): {sig}")
check(synth.SIG_NEW not in page, "raw '<b>' of a signature reached the page unescaped")
check("<b>co</b>" not in page, "signature markup not escaped")
check(html.escape(synth.REPRO_KNOWN.rstrip()) in page, "reproducer not inlined")
check('href="../../store/vm-result-touch/report.md"' in page, "no link to the store's report")
check("22 → 2" in page and "35 → 5" in page, "ops before → after missing")
check("c.mmr" in page and "1 unexpected" in page, "regression failure not shown")
check("lines 81.25%, functions 90.50%, branches 66.67% (42 programs)" in page, "coverage line")
check('href="coverage/html/index.html"' in page, "no link to the coverage HTML")
check("1cd8366 (dirty)" in page, "git revision missing")
check("http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
      and "https://" not in page and "<script" not in page, "page refers to the network or uses script")

for sig in (synth.SIG_NEW, synth.SIG_KNOWN):
    check(sig in md, f"signature not in report.md: {sig}")
check("| NEW | 7 |" in md and "| known | 3 |" in md, "report.md signature table")
check("lines 81.25%" in md, "report.md coverage line")

# Without progress.tsv the engines' own files give the series: two AFL++
# instances at different times are combined at every time either wrote.
os.unlink(os.path.join(run, "fuzz", "progress.tsv"))
pd = open(os.path.join(run, "fuzz", "afl", "main", "plot_data")).read().split("\n")
second = [pd[0]] + [l.replace(f"{15 * (i + 1)}, 0,", f"{15 * (i + 1) + 5}, 0,", 1)
                    for i, l in enumerate(pd[1:4])]
synth.write(os.path.join(run, "fuzz", "afl", "s1", "plot_data"), "\n".join(second) + "\n")
h3, _ = render()
page = h3.decode()
want_cov = {"libFuzzer cov": synth.LF_LOG_LINES, "AFL++ edges": synth.PLOT_DATA_ROWS + 3}
want_exec = {"libFuzzer": synth.LF_LOG_LINES, "AFL++ (all instances)": synth.PLOT_DATA_ROWS + 3}
check(polylines(svg("plot-coverage")) == want_cov, f"fallback coverage {polylines(svg('plot-coverage'))}")
check(polylines(svg("plot-execs")) == want_exec, f"fallback exec/s {polylines(svg('plot-execs'))}")

print("report.render:", "FAIL" if fails else "ok", f"({len(fails)} failed checks)")
sys.exit(1 if fails else 0)
