#!/usr/bin/env python3
"""Planted bugs: the one reader of the `.mut` spec format.

A spec is a kernel source, one or more exact text replacements in it, and
what must happen when the rig (or the riscv kernel's boot self-test) runs
the source so changed. docs/planted-bugs.md is the format's reference; the
short version:

  # why the bug matters (comment lines start with #)
  file: kernel/mm/buddy.c          the source, relative to the tree
  find: TEXT                       must occur exactly once in it ...
  replace: TEXT                    ... and becomes this (\\n, \\t escapes)
  needs: sanitizers                only a sanitizer build can see the bug
  program: tests/.../x.mmr         host: the program that shows the bug,
  signature: CHECK in OP           with this SIGNATURE line
  plain-signature: ...             host, without sanitizers: this one
  op: ...                          host: the report's op: line starts so
  default: pass                    host: the default geometry hides it
  interleaving: required           host: a race; the program without its
                                   preempt ops passes on the buggy build
  boot-exit: N                     riscv boot: qemu's exit status, and a
  boot-expect: REGEX               grep -E line per expected console line

Everything reads specs here: the build (through the CMake list written by
--cmake), tests/planted/mutate.py (the mutant file), the signature
stability test. Errors name the spec as FILE:LINE:COL, and the command
line exits 2 on them.

usage: plants.py --cmake OUT TAG=DIR...   the CMake lists of the plants in
                                          each DIR (see cmake_text)
       plants.py --check [--root R] TAG=DIR...
                                          every spec parses and applies
       plants.py --list [--sanitize on|off] TAG=DIR...
                                          one line per plant: where it runs
                                          in such a build, or why not
"""
import argparse
import glob
import os
import re
import sys

sys.dont_write_bytecode = True
if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from rig import fs, mutants  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Keys that take one value; find / replace / boot-expect repeat.
SINGLE = ("file", "needs", "program", "signature", "plain-signature", "op", "default",
          "interleaving", "boot-exit")
REPEATED = ("find", "replace", "boot-expect")
# What a build may lack: the one need a plant can name today.
NEEDS = ("sanitizers",)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class SpecError(Exception):
    """A bad spec: the message starts with FILE:LINE:COL: error:."""


class Plant:
    """One parsed spec. Values are as written (escapes only undone in the
    find / replace pairs); absent keys are None, boot_expect a list."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.splitext(os.path.basename(path))[0]
        self.tag = None          # the directory's tag (--cmake TAG=DIR)
        self.pairs = []          # [find, replace, line, col of the find text]
        self.lines = {}          # key -> line it was given on
        self.boot_expect = []
        for k in SINGLE:
            setattr(self, _attr(k), None)

    @property
    def host(self):
        """The host rig runs it (tests/planted, tests/robust)."""
        return self.program is not None

    @property
    def boot(self):
        """The riscv kernel boots it (tests/riscv)."""
        return self.boot_exit is not None

    def unmet(self, sanitize):
        """Why a host build with or without sanitizers cannot plant it
        (a phrase), or None."""
        if self.needs == "sanitizers" and not sanitize:
            return "needs sanitizers (MMRIG_SANITIZE is OFF)"
        return None

    def error(self, key, msg, col=1):
        return SpecError(f"{self.path}:{self.lines.get(key, 1)}:{col}: error: {msg}")


def _attr(key):
    return key.replace("-", "_")


def _unescape(text):
    """Specs are one line each: \\n and \\t stand for newline and tab."""
    return text.replace("\\n", "\n").replace("\\t", "\t")


def parse_text(text, path):
    """The Plant that text (the contents of the spec at path) describes."""
    p = Plant(path)
    if not _NAME.fullmatch(p.name):
        raise SpecError(f"{path}:1:1: error: plant name '{p.name}' is not letters, digits, '.', '_', '-'")
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, val = line.partition(": ")
        where = f"{path}:{n}"
        vcol = len(key) + 3
        if not sep or not val and key != "replace":  # an empty replace deletes
            raise SpecError(f"{where}:1: error: expected 'key: value'")
        if key not in SINGLE and key not in REPEATED:
            raise SpecError(f"{where}:1: error: unknown key '{key}' (known: "
                            + ", ".join(SINGLE + REPEATED) + ")")
        semi = val.find(";")
        if semi >= 0 and key not in ("find", "replace"):
            # CMake lists are ';'-separated: such a value would split.
            raise SpecError(f"{where}:{vcol + semi}: error: ';' in {key}: (the build's lists cannot carry it)")
        if key == "find":
            if p.pairs and p.pairs[-1][1] is None:
                raise SpecError(f"{where}:1: error: find without replace before it")
            p.pairs.append([_unescape(val), None, n, vcol])
        elif key == "replace":
            if not p.pairs or p.pairs[-1][1] is not None:
                raise SpecError(f"{where}:1: error: replace without find")
            p.pairs[-1][1] = _unescape(val)
        elif key == "boot-expect":
            p.boot_expect.append(val)
            p.lines.setdefault(key, n)
        else:
            if getattr(p, _attr(key)) is not None:
                raise SpecError(f"{where}:1: error: second '{key}:' (first on line {p.lines[key]})")
            setattr(p, _attr(key), val)
            p.lines[key] = n
    _validate(p)
    return p


def _validate(p):
    if p.file is None:
        raise p.error("file", "no 'file:' line")
    if os.path.isabs(p.file) or ".." in p.file.split("/"):
        raise p.error("file", f"file: {p.file} is not a path inside the tree", 7)
    if not p.pairs:
        raise p.error("file", "no 'find:' / 'replace:' pair")
    if p.pairs[-1][1] is None:
        raise SpecError(f"{p.path}:{p.pairs[-1][2]}:1: error: find without replace")
    if p.needs is not None and p.needs not in NEEDS:
        raise p.error("needs", f"needs: {p.needs} is not one of: " + ", ".join(NEEDS), 8)
    if p.default is not None and p.default != "pass":
        raise p.error("default", f"default: {p.default}, the only value is 'pass'", 10)
    if p.interleaving is not None and p.interleaving != "required":
        raise p.error("interleaving",
                      f"interleaving: {p.interleaving}, the only value is 'required'", 15)
    if (p.program is None) != (p.signature is None):
        have = "program" if p.program is not None else "signature"
        raise p.error(have, "program: and signature: go together (the host expectation)")
    for k in ("plain-signature", "op", "default", "interleaving"):
        if getattr(p, _attr(k)) is not None and not p.host:
            raise p.error(k, f"{k}: without program: and signature:")
    if p.boot_exit is not None and not p.boot_exit.isdigit():
        raise p.error("boot-exit", f"boot-exit: {p.boot_exit} is not an exit status", 12)
    if (p.boot_exit is None) != (not p.boot_expect):
        have = "boot-exit" if p.boot_exit is not None else "boot-expect"
        raise p.error(have, "boot-exit: and boot-expect: go together (the riscv boot expectation)")
    if p.boot and p.needs is not None:
        raise p.error("needs", "needs: is about the host build; the riscv kernel has no sanitizers")


def parse(path):
    """The Plant of the spec file at path."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"{path}:1:1: error: cannot read: {e}") from None
    return parse_text(text, path)


def apply(plant, text):
    """text (the source plant.file) with the plant's changes. Each find text
    must occur exactly once, so a spec the source moved away from fails
    loudly instead of testing nothing."""
    for find, repl, line, col in plant.pairs:
        count = text.count(find)
        if count != 1:
            raise SpecError(f"{plant.path}:{line}:{col}: error: '{find}' occurs {count} times in {plant.file}")
        text = text.replace(find, repl)
    return text


def source_of(plant, root):
    path = os.path.join(root, plant.file)
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise plant.error("file", f"file: {plant.file}: {e.strerror}", 7) from None


def write(plant, root, out):
    """Writes the mutant of plant's source (root: the tree) to out."""
    mutants.write_mutant(apply(plant, source_of(plant, root)), plant.file, plant.path, root, out)


def read_dirs(dirs):
    """The plants of every *.mut in each (tag, directory), in name order per
    directory, each plant's tag set. Names are unique across them all."""
    plants, seen = [], {}
    for tag, d in dirs:
        for path in sorted(glob.glob(os.path.join(d, "*.mut"))):
            p = parse(path)
            # Writing a mutant needs only the change; a plant the build
            # runs needs something to expect.
            if not p.host and not p.boot:
                raise p.error("file", "no expectation: give program: + signature: (host) "
                              "or boot-exit: + boot-expect: (riscv boot)")
            if p.name in seen:
                raise SpecError(f"{path}:1:1: error: plant name '{p.name}' is taken by {seen[p.name]}")
            seen[p.name] = path
            p.tag = tag
            plants.append(p)
    return plants


# ---------------------------------------------------------------- the CMake lists

def _bracket(value):
    """value as a CMake bracket argument: nothing in it is expanded."""
    eq = ""
    while f"]{eq}]" in value + "]":  # a value ending in ']' would close early
        eq += "="
    return f"[{eq}[{value}]{eq}]"


def cmake_text(plants, dirs):
    """The lists the build takes (tests/planted/plants.cmake includes them):
    MMRIG_PLANTS_<TAG> the names of each directory's plants,
    MMRIG_PLANTS_BOOT the plants the riscv kernel boots,
    MMRIG_PLANT_SPECS and MMRIG_PLANT_DIRS what a re-run depends on, and per
    plant MMRIG_PLANT_<name>_<KEY> for SPEC, FILE and every single-valued
    key (empty when absent), BOOT_EXPECT a list."""
    out = ["# Written by scripts/rig/plants.py --cmake from the .mut specs; edits are lost.\n"]

    def put(var, values):
        out.append(f"set({var}" + "".join(" " + _bracket(v) for v in values) + ")\n")
    put("MMRIG_PLANT_DIRS", [os.path.abspath(d) for _, d in dirs])
    put("MMRIG_PLANT_SPECS", [os.path.abspath(p.path) for p in plants])
    for tag, _ in dirs:
        put(f"MMRIG_PLANTS_{tag}", [p.name for p in plants if p.tag == tag])
    put("MMRIG_PLANTS_BOOT", [p.name for p in plants if p.boot])
    for p in plants:
        v = f"MMRIG_PLANT_{p.name}_"
        put(v + "SPEC", [os.path.abspath(p.path)])
        for k in SINGLE:
            val = getattr(p, _attr(k))
            put(v + _attr(k).upper(), [] if val is None else [val])
        put(v + "BOOT_EXPECT", p.boot_expect)
    return "".join(out)


# ---------------------------------------------------------------- command line

def _tag_dir(arg):
    tag, sep, d = arg.partition("=")
    if not sep or not re.fullmatch(r"\w+", tag) or not os.path.isdir(d):
        raise argparse.ArgumentTypeError(f"{arg}: want TAG=DIR, TAG a word and DIR a directory")
    return tag, d


def main(argv):
    ap = argparse.ArgumentParser(prog="plants.py", description="The .mut specs of TAG=DIR...")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--cmake", metavar="OUT", help="write the CMake lists to OUT")
    mode.add_argument("--check", action="store_true", help="every spec parses and applies")
    mode.add_argument("--list", action="store_true", help="where each plant runs, or why not")
    ap.add_argument("--root", default=ROOT, help="the tree the specs' paths are in")
    ap.add_argument("--sanitize", choices=("on", "off"), default="on",
                    help="with --list: the kind of host build")
    ap.add_argument("dirs", nargs="+", type=_tag_dir, metavar="TAG=DIR")
    a = ap.parse_args(argv)
    dirs, root, sanitize, out = a.dirs, a.root, a.sanitize == "on", a.cmake
    try:
        plants = read_dirs(dirs)
        if out:
            # An unchanged list keeps its mtime: nothing downstream re-runs.
            os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
            fs.write_if_changed(out, cmake_text(plants, dirs))
        elif a.check:
            for p in plants:
                apply(p, source_of(p, root))
            print(f"{len(plants)} plants: every spec parses and applies")
        else:
            for p in plants:
                where = [w for w, on in (("host", p.host), ("boot", p.boot)) if on]
                why = p.unmet(sanitize) if p.host else None
                state = f"skipped: {why}" if why else "runs"
                print(f"{p.tag}\t{p.name}\t{'+'.join(where)}\t{state}")
    except SpecError as e:
        print(e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
