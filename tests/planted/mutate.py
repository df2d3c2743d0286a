#!/usr/bin/env python3
"""Writes the mutant of one planted bug: its spec's changes applied to its
source (scripts/rig/plants.py reads the spec; docs/planted-bugs.md is the
format). The build runs this for every mutant it compiles.

usage: mutate.py SPEC SOURCE_ROOT OUT_FILE
Exit 2 on a bad spec or one whose find text is not exactly once in the
source, with the spec's FILE:LINE:COL.
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from rig import plants  # noqa: E402


def main(argv):
    if len(argv) != 3:
        print("usage: mutate.py SPEC SOURCE_ROOT OUT_FILE", file=sys.stderr)
        return 2
    spec, root, out = argv
    try:
        plants.write(plants.parse(spec), root, out)
    except plants.SpecError as e:
        print(e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
