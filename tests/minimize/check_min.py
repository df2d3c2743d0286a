#!/usr/bin/env python3
"""mmrig-min end to end, on a kernel with a planted bug.

Minimizes a padded program that hits the bug and checks the result: it
replays with the same signature on the buggy kernel, has at most MAX_OPS
ops (fewer than the input), is canonical text (mmrig-conv prints it back
byte for byte), a second run gives the same bytes, minimizing the result
again changes nothing, the binary form gives the same result, a spent
run budget is reported, and the input file is untouched.
"""
import os
import shutil
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402
from rigtest import run, signature  # noqa: E402


def options(ap):
    for opt in ("--min", "--replay", "--conv", "--program", "--signature", "--work"):
        ap.add_argument(opt, required=True)
    ap.add_argument("--max-ops", type=int, required=True)
    # A bug that needs a geometry: the result's header line, exactly (and
    # then no op at all may be needed).
    ap.add_argument("--geometry", default="")
    # A hang needs short limits, or every run waits out the default.
    ap.add_argument("--min-args", default="")
    ap.add_argument("--replay-args", default="")


def body(text):
    return "".join(l + "\n" for l in text.splitlines() if not l.startswith("#"))


def ops(text):
    """The op lines: a geometry header is no op."""
    return [l for l in body(text).splitlines() if not l.startswith("geometry")]


def geometry_of(text):
    return next((l for l in body(text).splitlines() if l.startswith("geometry")), "")


class Minimize(rigtest.TestCase):
    def replay(self, path):
        a = rigtest.args
        return run([a.replay, *a.replay_args.split(), path], timeout=900)

    def assertReplaysWithSignature(self, path, msg):
        p = self.replay(path)
        self.assertExit(p, 1, msg)
        self.assertEqual(signature(p.stdout), rigtest.args.signature, msg)

    def minimize(self, src, out, *opts):
        a = rigtest.args
        p = run([a.min, *a.min_args.split(), *opts, "-o", out, src], timeout=900)
        print(p.stderr, end="")
        self.assertExit(p, 0, f"mmrig-min {src}")
        return rigtest.read(out)

    def test_minimize(self):
        a = rigtest.args
        work = self.workdir()
        src = os.path.join(work, os.path.basename(a.program))
        shutil.copyfile(a.program, src)
        before = (rigtest.sha256(src), os.stat(src).st_mtime_ns)

        # The padding must not hide the bug, or the test proves nothing.
        self.assertReplaysWithSignature(src, "the padded program")
        n_in = len(ops(run([a.conv, "--to-text", src]).stdout))

        out1 = os.path.join(work, "min1.mmr")
        text = self.minimize(src, out1)
        header = [l for l in text.splitlines() if l.startswith("#")]
        n_out = len(ops(text))
        print(text, end="")
        self.assertIn(f"# signature: {a.signature}", header, "the header names the signature")
        self.assertIn(f"# minimized by mmrig-min from {n_in} ops to {n_out}", header,
                      "the header gives the op counts")
        low = 0 if a.geometry else 1
        self.assertTrue(low <= n_out <= a.max_ops and n_out < n_in,
                        f"{n_out} ops after minimizing {n_in}, want {low}..{a.max_ops}")
        self.assertEqual(geometry_of(text), a.geometry, "geometry after minimizing")

        self.assertReplaysWithSignature(out1, "the result")

        p = run([a.conv, "--to-text", out1])
        self.assertExit(p, 0, "mmrig-conv --to-text of the result")
        self.assertEqual(p.stdout, body(text), "the result is canonical text")

        self.assertEqual(self.minimize(src, os.path.join(work, "min2.mmr")), text,
                         "a second run gives the same bytes")
        self.assertEqual(body(self.minimize(out1, os.path.join(work, "min3.mmr"))), body(text),
                         "minimizing the result again changes nothing (a fixpoint)")

        # The binary form of the same program minimizes to the same bytes.
        binary = os.path.join(work, "padded.bin")
        self.assertExit(run([a.conv, "--to-bin", src, binary]), 0, "mmrig-conv --to-bin")
        self.assertEqual(self.minimize(binary, os.path.join(work, "min4.mmr")), text,
                         "the binary form minimizes the same")

        # A spent budget still gives a result that keeps the signature, and says so.
        out5 = os.path.join(work, "min5.mmr")
        self.assertIn("# the run budget ran out", self.minimize(src, out5, "--max-runs", "4"),
                      "a spent run budget is noted in the header")
        self.assertReplaysWithSignature(out5, "the budget-limited result")

        self.assertEqual((rigtest.sha256(src), os.stat(src).st_mtime_ns), before,
                         "the input file is untouched")
        print(f"ok: {n_in} -> {n_out} ops, {a.signature}")


if __name__ == "__main__":
    rigtest.main(options)
