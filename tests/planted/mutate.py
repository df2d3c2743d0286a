#!/usr/bin/env python3
"""Writes a mutant of one kernel source: the planted bug of a .mut spec.

A spec holds `file:`, `program:`, `signature:` and one or more `find:` /
`replace:` pairs; scripts/rig/mutants.py owns the format and the mutant
file (see parse_spec, apply_spec, write_mutant). Each find text must occur
exactly once in the file. Usage: mutate.py SPEC SOURCE_ROOT OUT_FILE
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from rig import mutants  # noqa: E402


def main():
    spec_path, root, out = sys.argv[1:4]
    try:
        spec = mutants.parse_spec(spec_path)
        with open(f"{root}/{spec['file']}", encoding="utf-8") as f:
            text = mutants.apply_spec(spec, f.read(), spec_path)
    except mutants.SpecError as e:
        sys.exit(str(e))
    mutants.write_mutant(text, spec["file"], spec_path, root, out)


if __name__ == "__main__":
    main()
