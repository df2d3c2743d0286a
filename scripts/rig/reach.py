#!/usr/bin/env python3
"""Line-level reach of a coverage run (scripts/coverage.sh's export.json):
every source line no program executed, and the check that each unreached
line of kernel/mm is one a reviewed allowlist explains.

usage: reach.py lines [--root DIR] OUTDIR
       reach.py check [--root DIR] --allowlist FILE OUTDIR
       reach.py lint [--root DIR] FILE

`lines` writes OUTDIR/unreached-lines.txt from OUTDIR/export.json, one
unreached line each as FILE:LINE: FUNCTION: SOURCE (the source trimmed).
`check` does the same, then compares the unreached lines of kernel/mm/
with the allowlist: exit 1 when a line is unreached and unlisted or an
entry matches no unreached line (stale), 0 otherwise. `lint` only parses
the allowlist. A malformed allowlist is exit 2 with FILE:LINE:COL.

The allowlist (tests/coverage/unreachable.txt) holds one entry per source
line, keyed by what survives unrelated edits (file, function, trimmed
text; never the line number), with the reason on the indented lines
after it:

    kernel/mm/buddy.c: check_free: panic("bad-free", "pfn %lu is reserved", pfn);
        no caller frees a reserved page: ...

Lines are counted as llvm-cov counts them for its per-file summary (a
line's count is the largest of the regions starting on it and the one
wrapping into it; only lines inside a function's body), so the totals
equal report.txt's; a mismatch fails `check` (exit 2) and is a warning
for `lines`, never a silent difference. See docs/man/mmrig-coverage.md.
"""
import argparse
import collections
import json
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from rig import common  # noqa: E402

# The files the check judges; the line report covers every reported file.
JUDGED = "kernel/mm/"
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Malformed(Exception):
    """An allowlist error at path:line:col."""

    def __init__(self, path, line, col, msg):
        super().__init__(f"{path}:{line}:{col}: error: {msg}")


Entry = collections.namedtuple("Entry", "file func text reason where")
Line = collections.namedtuple("Line", "file line func text")


def line_counts(segments):
    """{line: count} of the mapped lines of one file's segments
    ([line, col, count, has_count, is_region_entry, is_gap]), by
    llvm-cov's LineCoverageStats rule."""
    out = {}
    i, wrapped, cur = 0, None, []
    line = segments[0][0] if segments else 0
    while i < len(segments):
        if cur:
            wrapped = cur[-1]
        cur = []
        while i < len(segments) and segments[i][0] == line:
            cur.append(segments[i])
            i += 1
        starts = [s for s in cur if s[3] and s[4] and not s[5]]
        skipped = bool(cur) and not cur[0][3] and cur[0][4]
        if not skipped and ((wrapped is not None and wrapped[3]) or starts):
            count = wrapped[2] if wrapped is not None else 0
            for s in starts:
                count = max(count, s[2])
            out[line] = count
        line += 1
    return out


def function_spans(data):
    """{absolute file: [(first line, last line, name)]} of every function
    body, from its regions in its own file (file id 0)."""
    spans = collections.defaultdict(set)
    for f in data["functions"]:
        body = [r for r in f["regions"] if r[5] == 0]
        if body:
            name = f["name"].split(":")[-1]  # static functions are "file.c:name"
            spans[f["filenames"][0]].add((min(r[0] for r in body), max(r[2] for r in body), name))
    return spans


def unreached(export_path, root, strict):
    """Every unreached line of the exported files, as Lines sorted by file
    and line (paths relative to root). Counts that disagree with llvm-cov's
    summary are exit 2 when strict, else a warning."""
    with open(export_path) as f:
        data = json.load(f)["data"][0]
    spans = function_spans(data)
    root = os.path.abspath(root).rstrip("/") + "/"
    out = []
    for f in data["files"]:
        path = f["filename"]
        rel = path[len(root):] if path.startswith(root) else path
        body = sorted(spans.get(path, ()))
        counts = {n: c for n, c in line_counts(f["segments"]).items()
                  if any(a <= n <= b for a, b, _ in body)}
        want = f["summary"]["lines"]
        if (len(counts), sum(1 for c in counts.values() if c)) != (want["count"], want["covered"]):
            msg = (f"reach: {rel}: {len(counts)} lines, {sum(1 for c in counts.values() if c)} "
                   f"covered; llvm-cov says {want['count']}, {want['covered']}")
            if strict:
                common.die(msg)
            print(f"mmrig: warning: {msg}", file=sys.stderr)
        with open(path, errors="replace") as src:
            text = src.read().split("\n")
        for n in sorted(n for n, c in counts.items() if c == 0):
            # The innermost body holding the line names it.
            func = min((b - a, name) for a, b, name in body if a <= n <= b)[1]
            out.append(Line(rel, n, func, text[n - 1].strip() if n <= len(text) else ""))
    return out


def parse_allowlist(path, root):
    """The entries of an allowlist file; Malformed on the first error."""
    entries, cur, reason = [], None, []

    def close():
        if cur is not None:
            if not reason:
                raise Malformed(path, cur.where, len(raw_lines[cur.where - 1]) + 1,
                                "entry has no reason (an indented line after it)")
            entries.append(cur._replace(reason=" ".join(reason)))

    with open(path, errors="replace") as f:
        raw_lines = f.read().split("\n")
    for no, raw in enumerate(raw_lines, 1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0] in " \t":
            if cur is None:
                raise Malformed(path, no, 1, "a reason with no entry before it")
            reason.append(line.strip())
            continue
        close()
        cur, reason = None, []
        parts = line.split(": ", 2)
        if len(parts) < 3:
            raise Malformed(path, no, len(line) + 1,
                            "expected FILE: FUNCTION: SOURCE (each ': ' separated)")
        file, func, text = parts
        if not file.startswith(JUDGED) or not os.path.isfile(os.path.join(root, file)):
            raise Malformed(path, no, 1, f"'{file}' is not a file under {JUDGED}")
        if not IDENT.fullmatch(func):
            raise Malformed(path, no, len(file) + 3, f"'{func}' is not a function name")
        if text != text.strip() or not text:
            raise Malformed(path, no, len(file) + len(func) + 5,
                            "the source text must be the trimmed line, not empty")
        cur = Entry(file, func, text, "", no)
    close()
    return entries


def compare(lines, entries):
    """(unlisted lines, stale entries): each entry covers one unreached
    line with its key, so N identical lines need N entries."""
    by_key = collections.defaultdict(list)
    for e in entries:
        by_key[(e.file, e.func, e.text)].append(e)
    unlisted = []
    for ln in lines:
        if not ln.file.startswith(JUDGED):
            continue
        listed = by_key.get((ln.file, ln.func, ln.text))
        if listed:
            listed.pop(0)
        else:
            unlisted.append(ln)
    stale = sorted((e for es in by_key.values() for e in es), key=lambda e: e.where)
    return unlisted, stale


def fmt(ln):
    return f"{ln.file}:{ln.line}: {ln.func}: {ln.text}"


def write_lines(outdir, lines):
    with open(os.path.join(outdir, "unreached-lines.txt"), "w") as f:
        for ln in lines:
            f.write(fmt(ln) + "\n")


def main(argv):
    p = argparse.ArgumentParser(prog="rig/reach.py")
    p.add_argument("action", choices=("lines", "check", "lint"))
    p.add_argument("path", help="OUTDIR (lines, check) or the allowlist (lint)")
    p.add_argument("--allowlist", metavar="FILE")
    p.add_argument("--root", default=common.ROOT)
    a = p.parse_args(argv)
    allowlist = a.path if a.action == "lint" else a.allowlist
    if a.action == "check" and not allowlist:
        common.die("reach.py check needs --allowlist FILE")
    entries = []
    if allowlist:
        try:
            entries = parse_allowlist(allowlist, a.root)
        except OSError as e:
            common.die(f"{allowlist}: {e.strerror}")
        except Malformed as e:
            print(e, file=sys.stderr)
            return 2
    if a.action == "lint":
        return 0
    lines = unreached(os.path.join(a.path, "export.json"), a.root, a.action == "check")
    write_lines(a.path, lines)
    if a.action == "lines":
        return 0
    unlisted, stale = compare(lines, entries)
    judged = sum(1 for ln in lines if ln.file.startswith(JUDGED))
    for ln in unlisted:
        print(f"unreached, not in the allowlist: {fmt(ln)}")
    for e in stale:
        print(f"{allowlist}:{e.where}: stale: {e.file}: {e.func}: {e.text} "
              "(no unreached line has this file, function and text)")
    print(f"reach: {judged} lines of {JUDGED} unreached, {judged - len(unlisted)} of them "
          f"allowed by {allowlist}; {len(unlisted)} unlisted, {len(stale)} stale")
    return 1 if unlisted or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
