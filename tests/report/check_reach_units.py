#!/usr/bin/env python3
"""reach.units: scripts/rig/reach.py without a build, on a synthetic
llvm-cov export of a two-function file: the unreached lines found (as
llvm-cov counts them), a complete allowlist passing, an unlisted line and
a stale entry failing (exit 1), a summary the lines disagree with (exit 2),
malformed allowlists (exit 2 with FILE:LINE:COL), and coverage.sh refusing
a malformed allowlist before it builds anything."""
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402

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
# Malformed: (allowlist, LINE:COL of the first error, the message).
BAD = [
    ("kernel/mm/x.c f return 0;\n\tr\n", "1:26", "expected FILE: FUNCTION: SOURCE"),
    ("# c\n\n\tno entry\n", "3:1", "a reason with no entry"),
    ("kernel/mm/x.c: f: return 0;\nkernel/mm/x.c: g: {\n\tr\n", "1:28", "entry has no reason"),
    ("kernel/mm/nope.c: f: x;\n\tr\n", "1:1", "is not a file under kernel/mm/"),
    ("kernel/arch/y.c: f: x;\n\tr\n", "1:1", "is not a file under kernel/mm/"),
    ("kernel/mm/x.c: f(): x;\n\tr\n", "1:16", "'f()' is not a function name"),
    ("kernel/mm/x.c: f:  x;\n\tr\n", "1:19", "the source text must be the trimmed line"),
]


def options(ap):
    ap.add_argument("--scripts", required=True)
    ap.add_argument("--work", required=True)


class Reach(rigtest.TestCase):
    def setUp(self):
        self.work = self.workdir()
        self.root = os.path.join(self.work, "root")
        self.out = os.path.join(self.work, "out")
        os.makedirs(os.path.join(self.root, "kernel", "mm"))
        os.makedirs(os.path.join(self.root, "kernel", "arch"))
        os.makedirs(self.out)
        self.export()

    def export(self, count=8, covered=4):
        files, functions = [], []
        for rel in ("kernel/mm/x.c", "kernel/arch/y.c"):
            src = rigtest.write(os.path.join(self.root, rel), SOURCE)
            files.append({"filename": src, "segments": SEGMENTS,
                          "summary": {"lines": {"count": count, "covered": covered}}})
            functions += [{"name": "f", "filenames": [src],
                           "regions": [[2, 1, 6, 2, 5, 0, 0, 0], [4, 3, 4, 12, 0, 0, 0, 0]]},
                          {"name": rel.split("/")[-1] + ":g", "filenames": [src],
                           "regions": [[8, 1, 10, 2, 0, 0, 0, 0]]}]
        rigtest.write(os.path.join(self.out, "export.json"),
                      json.dumps({"data": [{"files": files, "functions": functions}]}))

    def reach(self, *argv):
        return rigtest.python(os.path.join(rigtest.args.scripts, "rig", "reach.py"), *argv,
                              "--root", self.root)

    def allowlist(self, name, text):
        return rigtest.write(os.path.join(self.work, name), text)

    def test_unreached_lines(self):
        r = self.reach("lines", self.out)
        self.assertExit(r, 0, "lines")
        lines = rigtest.read(os.path.join(self.out, "unreached-lines.txt")).splitlines()
        self.assertEqual(lines[:4], ["kernel/mm/x.c:4: f: return 0;", "kernel/mm/x.c:8: g: {",
                                     "kernel/mm/x.c:9: g: return 0;", "kernel/mm/x.c:10: g: }"],
                         "unreached-lines.txt")
        self.assertEqual(len(lines), 8, "files outside kernel/mm are listed too")
        self.assertEqual(lines[4], "kernel/arch/y.c:4: f: return 0;", "files outside kernel/mm are listed too")

    def test_complete_allowlist(self):
        r = self.reach("check", "--allowlist", self.allowlist("complete.txt", COMPLETE), self.out)
        self.assertExit(r, 0, "a complete allowlist")
        self.assertIn("4 lines of kernel/mm/ unreached, 4 of them allowed", r.stdout, "summary")

    def test_unlisted_line(self):
        # g's closing brace missing: unlisted, with its file, line, function, text.
        short = self.allowlist("short.txt", COMPLETE.rsplit("kernel/mm/x.c: g: }", 1)[0])
        r = self.reach("check", "--allowlist", short, self.out)
        self.assertExit(r, 1, "an unlisted line")
        self.assertIn("unreached, not in the allowlist: kernel/mm/x.c:10: g: }", r.stdout, "unlisted")

    def test_stale_entries(self):
        # Two entries for f's one unreached "return 0;": the second is stale
        # (one entry covers one line). So is an entry whose text no longer
        # matches.
        stale = self.allowlist("stale.txt", COMPLETE + "kernel/mm/x.c: f: return 0;\n\tagain\n"
                               "kernel/mm/x.c: g: return 1;\n\tedited since\n")
        r = self.reach("check", "--allowlist", stale, self.out)
        self.assertExit(r, 1, "stale entries")
        self.assertIn(f"{stale}:11: stale: kernel/mm/x.c: f: return 0;", r.stdout, "stale f")
        self.assertIn(f"{stale}:13: stale: kernel/mm/x.c: g: return 1;", r.stdout, "stale g")
        self.assertIn("0 unlisted, 2 stale", r.stdout, "stale count")

    def test_summary_mismatch(self):
        # Lines counted otherwise than llvm-cov's summary: an error, not a verdict.
        self.export(covered=5)
        r = self.reach("check", "--allowlist", self.allowlist("complete.txt", COMPLETE), self.out)
        self.assertExit(r, 2, "a mismatch")
        self.assertIn("llvm-cov says 8, 5", r.stderr, "mismatch")
        r = self.reach("lines", self.out)
        self.assertExit(r, 0, "a mismatch, lines only")
        self.assertIn("warning: reach: kernel/mm/x.c", r.stderr, "mismatch, lines only")

    def test_malformed(self):
        for i, (text, where, msg) in enumerate(BAD):
            with self.subTest(f"bad{i}"):
                p = self.allowlist(f"bad{i}.txt", text)
                r = self.reach("lint", p)
                self.assertExit(r, 2, f"bad{i}")
                self.assertTrue(r.stderr.startswith(f"{p}:{where}: error: "),
                                f"bad{i}: want {p}:{where}: ..., got {r.stderr!r}")
                self.assertIn(msg, r.stderr, f"bad{i}")

    def test_coverage_sh_lints_first(self):
        # coverage.sh lints the allowlist before building: exit 2, no output dir.
        cov_out = os.path.join(self.work, "cov")
        build = os.path.join(self.work, "build")
        r = rigtest.run([os.path.join(rigtest.args.scripts, "coverage.sh"), "--check-reach",
                         self.allowlist("bad0.txt", BAD[0][0]), cov_out, self.root],
                        env=dict(os.environ, MMRIG_BUILD=build))
        self.assertExit(r, 2, "coverage.sh")
        self.assertIn(":1:26: error:", r.stderr, "coverage.sh")
        self.assertFalse(os.path.exists(cov_out), "coverage.sh wrote something for a malformed allowlist")
        self.assertFalse(os.path.exists(build), "coverage.sh built something for a malformed allowlist")


if __name__ == "__main__":
    rigtest.main(options)
