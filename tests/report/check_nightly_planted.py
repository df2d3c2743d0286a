#!/usr/bin/env python3
"""nightly.planted: the done-when check of `mmrig nightly`, end to end and
long (builds four presets in its own tree, then a campaign of --time):
a copy of the source tree gets one planted bug (tests/planted/mutants),
scripts/nightly.py runs on it, and then

- the exit status is 1 and the planted signature is NEW, listed once
  (with --only, the only NEW one);
- its store entry is minimized to at most --max-ops ops, and the text
  reproducer replays with the same signature;
- report.html has the three plots and the signature, in the file and in
  headless Chromium's DOM, and its screenshot decodes (skipped parts are
  said when there is no chromium).

Registered only with -DMMRIG_NIGHTLY_TEST=ON (it takes 15 min or more)."""
import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

sys.dont_write_bytecode = True
import png  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--source", required=True, help="the source tree to copy")
ap.add_argument("--work", required=True)
ap.add_argument("--mutant", default="kzalloc-no-zero")
ap.add_argument("--time", default="10m")
ap.add_argument("--jobs", default=str(os.cpu_count() or 1))
ap.add_argument("--max-ops", type=int, default=15)
ap.add_argument("--only", action="store_true", help="the planted signature must be the only NEW one")
ap.add_argument("--chromium", default=os.environ.get("CHROMIUM") or shutil.which("chromium"))
a = ap.parse_args()
# The night runs from the copy with its own working directory.
a.work = os.path.abspath(a.work)

fails = []


def check(ok, what):
    if not ok:
        fails.append(what)
        print(f"FAIL: {what}", flush=True)
    return ok


shutil.rmtree(a.work, ignore_errors=True)
src = os.path.join(a.work, "src")
os.makedirs(src)
skip = {"./build", "./out"}
with tempfile.TemporaryFile() as t:
    with tarfile.open(fileobj=t, mode="w") as tar:
        tar.add(a.source, arcname=".", filter=lambda ti: None if ti.name in skip
                or "__pycache__" in ti.name else ti)
    t.seek(0)
    with tarfile.open(fileobj=t) as tar:
        tar.extractall(src)

spec = {}
for line in open(os.path.join(src, "tests", "planted", "mutants", a.mutant + ".mut")):
    k, sep, v = line.rstrip("\n").partition(": ")
    if sep and k in ("file", "signature"):
        spec[k] = v
mutated = os.path.join(a.work, "mutant.c")
subprocess.run([sys.executable, os.path.join(src, "tests", "planted", "mutate.py"),
                os.path.join(src, "tests", "planted", "mutants", a.mutant + ".mut"), src, mutated],
               check=True)
# mutate.py's first two lines (a comment and #line) are for out-of-tree
# copies; here the mutant replaces the file itself.
with open(mutated) as f:
    text = f.read().split("\n", 2)[2]
with open(os.path.join(src, spec["file"]), "w") as f:
    f.write(text)
sig = spec["signature"]
print(f"planted {a.mutant} in {spec['file']}: expecting {sig!r}", flush=True)

env = dict(os.environ, MMRIG_BUILD=os.path.join(a.work, "build"))
night = os.path.join(a.work, "night")
r = subprocess.run([sys.executable, os.path.join(src, "scripts", "nightly.py"), "--time", a.time,
                    "--jobs", a.jobs, "--out", night], env=env)
check(r.returncode == 1, f"nightly exit {r.returncode}, want 1")
if not os.path.exists(os.path.join(night, "latest")):
    sys.exit("nightly.planted: FAIL: the night recorded no run")
run = os.path.join(night, "runs", open(os.path.join(night, "latest")).read().strip())
check(os.path.realpath(os.path.join(night, "latest-run")) == os.path.realpath(run), "latest-run link")
doc = json.load(open(os.path.join(run, "nightly.json")))
listed = [s for s in doc["signatures"] if s["signature"] == sig]
check(len(listed) == 1 and listed[0]["status"] == "NEW", f"planted signature listed {listed}")
others = [s for s in doc["new_signatures"] if s != sig]
if others:
    print(f"other NEW signatures: {others}")
    check(not a.only, "the planted bug gave more than one NEW signature")

store = os.path.join(night, "store")
rows = {r["signature"]: r for r in json.load(open(os.path.join(store, "summary.json")))["signatures"]}
entry = rows.get(sig)
if check(entry is not None, "planted signature not in the store"):
    check(entry["ops_after"] is not None and entry["ops_after"] <= a.max_ops,
          f"reproducer has {entry['ops_after']} ops, want <= {a.max_ops}")
    repro = os.path.join(store, entry["slug"], "reproducer.mmr")
    out = subprocess.run([os.path.join(a.work, "build", "host-asan", "harness", "engines", "mmrig-replay"),
                          "--json", repro], capture_output=True, text=True, env=env)
    got = [x.get("signature") for x in json.loads(out.stdout or "{}").get("results", [])]
    check(got == [sig], f"reproducer replays as {got}")

page = open(os.path.join(run, "report.html")).read()
for pid in ("plot-coverage", "plot-execs", "plot-signatures"):
    check(f'id="{pid}"' in page, f"report.html: no {pid}")
check(html.escape(sig) in page, "report.html: no planted signature")
if a.chromium:
    with tempfile.TemporaryDirectory() as ud:
        base = [a.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                f"--user-data-dir={ud}"]
        url = "file://" + os.path.join(run, "report.html")
        shot = os.path.join(a.work, "report.png")
        subprocess.run(base + [f"--screenshot={shot}", "--window-size=1280,2400", url],
                       capture_output=True, timeout=300)
        dom = subprocess.run(base + ["--dump-dom", url], capture_output=True, text=True,
                             timeout=300).stdout
    for pid in ("plot-coverage", "plot-execs", "plot-signatures"):
        check(re.search(rf'<svg [^>]*id="{pid}"', dom) is not None, f"DOM: no {pid}")
    check(html.escape(sig, quote=False) in dom, "DOM: no planted signature")
    if check(os.path.exists(shot), "no screenshot"):
        w, h, ch, rows_ = png.read(shot)
        orange = sum(row.count(bytes((0xff, 0x7f, 0x0e))) for row in rows_)
        check(orange > 500, f"screenshot: {orange} pixels of NEW bars")
else:
    print("note: no chromium, the page was not opened")

print("nightly.planted:", "FAIL" if fails else "ok", f"({len(fails)} failed checks)")
sys.exit(1 if fails else 0)
