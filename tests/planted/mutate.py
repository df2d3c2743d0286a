#!/usr/bin/env python3
"""Writes a mutant of one kernel source: the planted bug of a .mut spec.

A spec holds `file:`, `program:`, `signature:` and one or more `find:` /
`replace:` pairs. Each find text must occur exactly once in the file, so a
spec that no longer matches the source fails the build loudly instead of
silently testing nothing. Usage: mutate.py SPEC SOURCE_ROOT OUT_FILE
"""
import sys


def unescape(text):
    """Specs are one line each: \\n and \\t stand for newline and tab."""
    return text.replace("\\n", "\n").replace("\\t", "\t")


def parse(path):
    spec = {"pairs": []}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            key, sep, val = line.rstrip("\n").partition(": ")
            if not sep:
                sys.exit(f"{path}:{n}:1: error: expected 'key: value'")
            if key == "find":
                spec["pairs"].append([unescape(val), None])
            elif key == "replace":
                if not spec["pairs"] or spec["pairs"][-1][1] is not None:
                    sys.exit(f"{path}:{n}:1: error: replace without find")
                spec["pairs"][-1][1] = unescape(val)
            else:
                spec[key] = val
    return spec


def main():
    spec_path, root, out = sys.argv[1:4]
    spec = parse(spec_path)
    with open(f"{root}/{spec['file']}", encoding="utf-8") as f:
        text = f.read()
    for find, repl in spec["pairs"]:
        count = text.count(find)
        if count != 1 or repl is None:
            sys.exit(f"{spec_path}: error: '{find}' occurs {count} times in {spec['file']}")
        text = text.replace(find, repl)
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"/* MUTANT of {spec['file']} from {spec_path} */\n#line 1 \"{root}/{spec['file']}\"\n")
        f.write(text)


if __name__ == "__main__":
    main()
