#!/usr/bin/env python3
"""reach.units: scripts/rig/reach.py without a build, on a synthetic
llvm-cov export of a two-function file: the unreached lines found (as
llvm-cov counts them), a complete allowlist passing, an unlisted line and
a stale entry failing (exit 1), a summary the lines disagree with (exit 2),
malformed allowlists (exit 2 with FILE:LINE:COL), and coverage.sh refusing
a malformed allowlist before it builds anything."""
import argparse
import json
import os
import shutil
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--scripts", required=True)
ap.add_argument("--work", required=True)
a = ap.parse_args()
REACH = os.path.join(a.scripts, "rig", "reach.py")

fails = []


def check(ok, what):
    if not ok:
        fails.append(what)
        print(f"FAIL: {what}")


shutil.rmtree(a.work, ignore_errors=True)
root = os.path.join(a.work, "root")
out = os.path.join(a.work, "out")
os.makedirs(os.path.join(root, "kernel", "mm"))
os.makedirs(os.path.join(root, "kernel", "arch"))
os.makedirs(out)

# f(0) ran 5 times (its "return 0;" under the if never), g never: the
# unreached lines are 4, 8, 9 and 10; line 7 lies in no function body.
SOURCE = """int f(int a)
{
\tif (a)
\t\treturn 0;
\treturn 0;
}
int g(void)
{
\treturn 0;
}
"""
SEGMENTS = [[2, 1, 5, True, True, False], [3, 8, 0, True, True, True],
            [4, 3, 0, True, True, False], [4, 12, 5, True, False, False],
            [6, 2, 0, False, False, False], [8, 1, 0, True, True, False],
            [10, 2, 0, False, False, False]]


def export(path, count=8, covered=4):
    files, functions = [], []
    for rel in ("kernel/mm/x.c", "kernel/arch/y.c"):
        src = os.path.join(root, rel)
        with open(src, "w") as f:
            f.write(SOURCE)
        files.append({"filename": src, "segments": SEGMENTS,
                      "summary": {"lines": {"count": count, "covered": covered}}})
        functions += [{"name": "f", "filenames": [src],
                       "regions": [[2, 1, 6, 2, 5, 0, 0, 0], [4, 3, 4, 12, 0, 0, 0, 0]]},
                      {"name": rel.split("/")[-1] + ":g", "filenames": [src],
                       "regions": [[8, 1, 10, 2, 0, 0, 0, 0]]}]
    with open(path, "w") as f:
        json.dump({"data": [{"files": files, "functions": functions}]}, f)


def reach(*args):
    return subprocess.run([sys.executable, REACH, *args, "--root", root],
                          capture_output=True, text=True)


def allowlist(name, text):
    p = os.path.join(a.work, name)
    with open(p, "w") as f:
        f.write(text)
    return p


COMPLETE = """# every unreached line of kernel/mm/x.c
kernel/mm/x.c: f: return 0;
\tf is called with 0 only
kernel/mm/x.c: g: {
\tg is never called
kernel/mm/x.c: g: return 0;
\tg is never called,
\tsaid on two lines
kernel/mm/x.c: g: }
\tg is never called
"""

export(os.path.join(out, "export.json"))
r = reach("lines", out)
check(r.returncode == 0, f"lines: exit {r.returncode}: {r.stderr}")
lines = open(os.path.join(out, "unreached-lines.txt")).read().splitlines()
want = ["kernel/mm/x.c:4: f: return 0;", "kernel/mm/x.c:8: g: {",
        "kernel/mm/x.c:9: g: return 0;", "kernel/mm/x.c:10: g: }"]
check(lines[:4] == want, f"unreached-lines.txt {lines}")
check(len(lines) == 8 and lines[4] == "kernel/arch/y.c:4: f: return 0;",
      "files outside kernel/mm are listed too")

r = reach("check", "--allowlist", allowlist("complete.txt", COMPLETE), out)
check(r.returncode == 0, f"complete allowlist: exit {r.returncode}: {r.stdout}{r.stderr}")
check("4 lines of kernel/mm/ unreached, 4 of them allowed" in r.stdout, f"summary: {r.stdout}")

# g's closing brace missing: unlisted, with its file, line, function, text.
r = reach("check", "--allowlist", allowlist("short.txt", COMPLETE.rsplit("kernel/mm/x.c: g: }", 1)[0]), out)
check(r.returncode == 1, f"unlisted line: exit {r.returncode}")
check("unreached, not in the allowlist: kernel/mm/x.c:10: g: }" in r.stdout, f"unlisted: {r.stdout}")

# Two entries for f's one unreached "return 0;": the second is stale (one
# entry covers one line). So is an entry whose text no longer matches.
stale = allowlist("stale.txt", COMPLETE + "kernel/mm/x.c: f: return 0;\n\tagain\n"
                  "kernel/mm/x.c: g: return 1;\n\tedited since\n")
r = reach("check", "--allowlist", stale, out)
check(r.returncode == 1, f"stale entries: exit {r.returncode}")
check(f"{stale}:11: stale: kernel/mm/x.c: f: return 0;" in r.stdout, f"stale f: {r.stdout}")
check(f"{stale}:13: stale: kernel/mm/x.c: g: return 1;" in r.stdout, f"stale g: {r.stdout}")
check("0 unlisted, 2 stale" in r.stdout, f"stale count: {r.stdout}")

# Lines counted otherwise than llvm-cov's summary: an error, not a verdict.
export(os.path.join(out, "export.json"), covered=5)
r = reach("check", "--allowlist", allowlist("complete.txt", COMPLETE), out)
check(r.returncode == 2 and "llvm-cov says 8, 5" in r.stderr, f"mismatch: exit {r.returncode}: {r.stderr}")
r = reach("lines", out)
check(r.returncode == 0 and "warning: reach: kernel/mm/x.c" in r.stderr,
      f"mismatch, lines only: exit {r.returncode}: {r.stderr}")

# Malformed: exit 2, FILE:LINE:COL of the first error.
BAD = [
    ("kernel/mm/x.c f return 0;\n\tr\n", "1:26", "expected FILE: FUNCTION: SOURCE"),
    ("# c\n\n\tno entry\n", "3:1", "a reason with no entry"),
    ("kernel/mm/x.c: f: return 0;\nkernel/mm/x.c: g: {\n\tr\n", "1:28", "entry has no reason"),
    ("kernel/mm/nope.c: f: x;\n\tr\n", "1:1", "is not a file under kernel/mm/"),
    ("kernel/arch/y.c: f: x;\n\tr\n", "1:1", "is not a file under kernel/mm/"),
    ("kernel/mm/x.c: f(): x;\n\tr\n", "1:16", "'f()' is not a function name"),
    ("kernel/mm/x.c: f:  x;\n\tr\n", "1:19", "the source text must be the trimmed line"),
]
for i, (text, where, msg) in enumerate(BAD):
    p = allowlist(f"bad{i}.txt", text)
    r = reach("lint", p)
    check(r.returncode == 2, f"bad{i}: exit {r.returncode}")
    check(r.stderr.startswith(f"{p}:{where}: error: ") and msg in r.stderr,
          f"bad{i}: want {p}:{where}: ...{msg}..., got {r.stderr!r}")

# coverage.sh lints the allowlist before building: exit 2, no output dir.
cov_out = os.path.join(a.work, "cov")
r = subprocess.run([os.path.join(a.scripts, "coverage.sh"), "--check-reach",
                    os.path.join(a.work, "bad0.txt"), cov_out, root],
                   capture_output=True, text=True,
                   env=dict(os.environ, MMRIG_BUILD=os.path.join(a.work, "build")))
check(r.returncode == 2 and ":1:26: error:" in r.stderr, f"coverage.sh: exit {r.returncode}: {r.stderr}")
check(not os.path.exists(cov_out) and not os.path.exists(os.path.join(a.work, "build")),
      "coverage.sh wrote or built something for a malformed allowlist")

print("reach.units:", "FAIL" if fails else "ok", f"({len(fails)} failed checks)")
sys.exit(1 if fails else 0)
