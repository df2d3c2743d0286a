#!/usr/bin/env python3
"""The regression corpus and the seeds replayed under a geometry matrix.

usage: geometry_matrix.py SOURCE_DIR REPLAY DOUBLES [--also NAME...] [--buggy TOOL]

Every program runs on its own geometry and then on each geometry below
(mmrig-replay --geometry), on the kernel; the seeds also on the plugged
page and byte doubles, and the allocators named after --also (the
third-party ones built in). Every verdict must be PASS. N/A is accepted
only for an op the allocator cannot run, where the program is N/A on its
own geometry too, or for a geometry without the page-source block a
byte allocator declares its init needs (min_source_block: jemalloc's 2
MiB on the 2 MiB arena): nothing that differs between geometries is
expected.

--buggy TOOL is the self-test: TOOL carries a bug that only a geometry
with several MAX_ORDER blocks shows, so the matrix must report a failure
with it, and none on the default geometry. Exit 0 when it does.
"""
import argparse
import json
import subprocess
import sys

# Default spelled out; one MAX_ORDER block at most; odd sizes that end
# inside a top-order block; a start on a MAX_ORDER boundary with several
# whole top-order buddies; the largest arena with every hole.
GEOMETRIES = [
    "pages=4096 hole=2061+7",
    "pages=512",
    "pages=1024 align=2M",
    "pages=2048 align=4M",
    "pages=6000 align=8K hole=3000+5",
    "pages=8192 align=4M",
    "pages=12345 align=256K hole=2047+2 hole=4096+256",
    "pages=16384 align=64K hole=1000+1 hole=8000+256 hole=16000+7",
]
KERNEL_DIRS = ["corpus/seeds", "corpus/regression"]
DOUBLES = ["toy", "firstfit", "bytes", "kmalloc"]


def replay(cmd, root):
    p = subprocess.run(cmd + ["--json"], cwd=root, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"FAIL: {' '.join(cmd)} exited {p.returncode}:\n{p.stderr[-2000:]}")
    return {r["file"]: r for r in json.loads(p.stdout)["results"]}


def runs(replay_tool, doubles, also=()):
    """(label, command) for every cell of the matrix."""
    for g in [None] + GEOMETRIES:
        geo = ["--geometry", g] if g else []
        name = g or "own geometry"
        yield f"kbuddy / {name}", [replay_tool, *geo, *KERNEL_DIRS]
        if doubles:
            for a in DOUBLES + list(also):
                yield f"{a} / {name}", [doubles, "--allocator", a, *geo, "corpus/seeds"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("replay")
    ap.add_argument("doubles")
    ap.add_argument("--also", nargs="*", default=[])
    ap.add_argument("--buggy")
    a = ap.parse_args()
    root, replay_tool, doubles, buggy = a.root, a.replay, a.doubles, a.buggy
    if buggy:
        default = replay([buggy, "--geometry", GEOMETRIES[0], *KERNEL_DIRS], root)
        bad = [f for f, r in default.items() if r["result"] == "FAIL"]
        if bad:
            sys.exit(f"FAIL: the planted bug shows on the default geometry: {bad}")
        caught = 0
        for label, cmd in runs(buggy, None):
            fails = [f for f, r in replay(cmd, root).items() if r["result"] == "FAIL"]
            print(f"{label}: {len(fails)} failed")
            caught += len(fails)
        print(f"the matrix caught the planted bug in {caught} runs")
        sys.exit(0 if caught else 1)

    own_na = {}
    bad, cells = [], 0
    for label, cmd in runs(replay_tool, doubles, a.also):
        res = replay(cmd, root)
        key = label.split(" / ")[0]
        if key not in own_na:
            own_na[key] = {f for f, r in res.items() if r["result"] == "N/A"}
        cells += 1
        passed = 0
        for f, r in sorted(res.items()):
            if r["result"] == "PASS":
                passed += 1
            elif r["result"] == "N/A" and f in own_na[key] and \
                    not r.get("not_applicable", "").startswith("boot"):
                pass
            elif r["result"] == "N/A" and "a free block of" in r.get("report", ""):
                pass
            else:
                bad.append(f"{label}: {f}: {r['result']} {r.get('signature', '')}"
                           f"{r.get('not_applicable', '')}")
        print(f"{label}: {passed} passed")
    for b in bad:
        print("FAIL:", b)
    print(f"geometry matrix: {cells} runs, {len(bad)} verdicts not PASS")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
