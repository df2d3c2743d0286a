#!/usr/bin/env python3
"""A run the parent must stop: a hang or a memory runaway is reported with
its signature (timeout in OP / oom in OP) within a bound, and the same
program passes where nothing stops it, so the report is the limit's doing.

usage: check_stop.py --buggy CMD --clean CMD --program P --signature S --within SECS
(CMD is a replay tool plus its options, given as one quoted string)
"""
import os
import shlex
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402


def options(ap):
    for opt in ("--buggy", "--clean", "--program", "--signature"):
        ap.add_argument(opt, required=True)
    ap.add_argument("--within", type=float, required=True)


def replay(cmd):
    return rigtest.run([*shlex.split(cmd), rigtest.args.program])


class Stop(rigtest.TestCase):
    def test_clean_passes(self):
        self.assertExit(replay(rigtest.args.clean), 0, "the clean run")

    def test_buggy_stopped(self):
        a = rigtest.args
        t0 = time.monotonic()
        p = replay(a.buggy)
        secs = time.monotonic() - t0
        print(rigtest.output(p))
        self.assertExit(p, 1, "the stopped run")
        self.assertEqual(rigtest.signature(p.stdout), a.signature)
        # Generous: the bound only says the run was stopped, not left to hang.
        self.assertLessEqual(secs, a.within, "the run was not stopped in time")
        print(f"stopped: {a.signature} after {secs:.1f} s")


if __name__ == "__main__":
    rigtest.main(options)
