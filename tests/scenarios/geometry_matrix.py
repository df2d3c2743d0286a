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
with it, and none on the default geometry.
"""
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402

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


def options(ap):
    ap.add_argument("root")
    ap.add_argument("replay")
    ap.add_argument("doubles")
    ap.add_argument("--also", nargs="*", default=[])
    ap.add_argument("--buggy")


def runs(replay_tool, doubles, also=()):
    """(label, command) for every cell of the matrix."""
    for g in [None] + GEOMETRIES:
        geo = ["--geometry", g] if g else []
        name = g or "own geometry"
        yield f"kbuddy / {name}", [replay_tool, *geo, *KERNEL_DIRS]
        if doubles:
            for a in DOUBLES + list(also):
                yield f"{a} / {name}", [doubles, "--allocator", a, *geo, "corpus/seeds"]


class Matrix(rigtest.TestCase):
    def replay(self, cmd):
        p = rigtest.run(cmd + ["--json"], cwd=rigtest.args.root)
        self.assertIn(p.returncode, (0, 1), f"{' '.join(cmd)}: {p.stderr[-2000:]}")
        return {r["file"]: r for r in json.loads(p.stdout)["results"]}

    def test_every_verdict_passes(self):
        a = rigtest.args
        if a.buggy:
            self.skipTest("--buggy: the self-test runs")
        own_na = {}
        bad, cells = [], 0
        for label, cmd in runs(a.replay, a.doubles, a.also):
            res = self.replay(cmd)
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
        print(f"geometry matrix: {cells} runs, {len(bad)} verdicts not PASS")
        self.assertEqual(bad, [], "verdicts not PASS")

    def test_catches_planted_bug(self):
        a = rigtest.args
        if not a.buggy:
            self.skipTest("no --buggy tool")
        default = self.replay([a.buggy, "--geometry", GEOMETRIES[0], *KERNEL_DIRS])
        self.assertEqual([f for f, r in default.items() if r["result"] == "FAIL"], [],
                         "the planted bug shows on the default geometry")
        caught = 0
        for label, cmd in runs(a.buggy, None):
            fails = [f for f, r in self.replay(cmd).items() if r["result"] == "FAIL"]
            print(f"{label}: {len(fails)} failed")
            caught += len(fails)
        print(f"the matrix caught the planted bug in {caught} runs")
        self.assertGreater(caught, 0, "the matrix did not catch the planted bug")


if __name__ == "__main__":
    rigtest.main(options)
