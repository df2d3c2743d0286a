#!/usr/bin/env python3
"""coverage.html: scripts/coverage.sh over corpus/seeds (in the build tree
$MMRIG_BUILD/coverage) writes html/index.html with every kernel/mm file,
summary.json, and ends with the one-line summary whose figures are
summary.json's and whose program count is the number of seeds."""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--script", required=True)
ap.add_argument("--seeds", required=True)
ap.add_argument("--work", required=True)
a = ap.parse_args()

fails = []


def check(ok, what):
    if not ok:
        fails.append(what)
        print(f"FAIL: {what}")


shutil.rmtree(a.work, ignore_errors=True)
t0 = time.monotonic()
r = subprocess.run([a.script, a.work, a.seeds], capture_output=True, text=True, timeout=1800)
print(f"coverage.sh: exit {r.returncode} in {time.monotonic() - t0:.1f} s "
      f"(MMRIG_BUILD={os.environ.get('MMRIG_BUILD', '')})")
check(r.returncode == 0, f"coverage.sh exit {r.returncode}: {r.stderr[-2000:]}")
lines = r.stdout.rstrip("\n").split("\n")
last = lines[-1] if lines else ""
print(last)
m = re.fullmatch(r"coverage: lines (\d+\.\d\d)%, functions (\d+\.\d\d)%, "
                 r"branches (\d+\.\d\d)% \((\d+) programs\)", last)
check(m is not None, f"last line is not the summary: {last!r}")
seeds = [f for f in os.listdir(a.seeds) if not f.startswith(".")]
summary = None
try:
    summary = json.load(open(os.path.join(a.work, "summary.json")))
except (OSError, ValueError) as e:
    check(False, f"summary.json: {e}")
if m and summary:
    check(int(m.group(4)) == len(seeds), f"{m.group(4)} programs, {len(seeds)} seeds")
    for i, k in enumerate(("lines", "functions", "branches"), 1):
        check(f"{summary[k]:.2f}" == m.group(i), f"{k}: line {m.group(i)} vs summary.json {summary[k]}")
        check(0 < summary[k] <= 100, f"{k} {summary[k]} out of range")
        check(summary[f"{k}_covered"] <= summary[f"{k}_total"], f"{k}: covered > total")
index = os.path.join(a.work, "html", "index.html")
check(os.path.isfile(index), "no html/index.html")
if os.path.isfile(index):
    page = open(index, errors="replace").read()
    for f in sorted(os.listdir(os.path.join(os.path.dirname(a.script), "..", "kernel", "mm"))):
        if f.endswith(".c"):
            check(f in page, f"html/index.html does not list {f}")
n_html = sum(len(fs) for _, _, fs in os.walk(os.path.join(a.work, "html")))
check(n_html > 5, f"only {n_html} files under html/")

print("coverage.html:", "FAIL" if fails else "ok", f"({len(fails)} failed checks)")
sys.exit(1 if fails else 0)
