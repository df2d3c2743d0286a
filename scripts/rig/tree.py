#!/usr/bin/env python3
"""The build tree of a preset for an adapter set, for the shell scripts
(scripts/mmrig, scripts/coverage.sh): the rule itself is rig/common.py's.

usage: tree.py path PRESET [--adapter DIR]...
       tree.py build PRESET [--adapter DIR]... [--target T]... [--log FILE]
Prints the tree's path on stdout; `build` configures and builds it first
(output in the log: FILE, default $MMRIG_BUILD/build-<tree>.log). Relative
DIRs are taken against the caller's working directory. Exit 2 for bad
usage, a missing adapter directory or a failed build.
"""
import argparse
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from rig import common  # noqa: E402


def main(argv):
    p = argparse.ArgumentParser(prog="rig/tree.py")
    p.add_argument("action", choices=("path", "build"))
    p.add_argument("preset")
    p.add_argument("--adapter", action="append", default=[], metavar="DIR")
    p.add_argument("--target", action="append", default=[], metavar="T")
    p.add_argument("--log", metavar="FILE")
    a = p.parse_args(argv)
    common.use_adapters(a.adapter)
    if a.action == "build":
        common.build(a.preset, targets=a.target or None, log=a.log)
    print(common.tree(a.preset))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
