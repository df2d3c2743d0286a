#!/usr/bin/env python3
"""Tests of the .mut reader (scripts/rig/plants.py, tests/planted/mutate.py).

  checked-in  every spec of the tree parses and applies to its source
  bad         a malformed spec, through either command, exits 2 with the
              FILE:LINE:COL of what is wrong
  cmake       the build's generated list (plants.cmake), read back by
              cmake itself, holds exactly the spec files' plants and
              values; awkward values survive the quoting

usage: check_specs.py --root SRC --plants BUILD/tests/plants.cmake [--cmake CMAKE]
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
A = None
DIRS = (("planted", "tests/planted/mutants"), ("robust", "tests/robust"),
        ("riscv", "tests/riscv/mutants"))
# A change that applies (the find text of buddy-nr-free.mut).
GOOD = "file: kernel/mm/buddy.c\nfind: \t\tadd_to_free_area(z, page + (1UL << o), o, migratetype);\nreplace: \n"
HOST = "program: p.mmr\nsignature: s in op\n"


def plants():
    sys.path.insert(0, os.path.join(A.root, "scripts"))
    from rig import plants as p
    return p


def run(*args):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True)


def dirs():
    return [(tag, os.path.join(A.root, d)) for tag, d in DIRS]


class CheckedIn(unittest.TestCase):
    def test_every_spec_parses_and_applies(self):
        p = plants()
        found = p.read_dirs(dirs())
        on_disk = [f for _, d in dirs() for f in glob.glob(os.path.join(d, "*.mut"))]
        self.assertEqual(sorted(x.path for x in found), sorted(on_disk))
        self.assertGreater(len(found), 70)
        for x in found:
            with self.subTest(x.name):
                self.assertTrue(x.host or x.boot)
                with open(os.path.join(A.root, x.file), encoding="utf-8") as f:
                    src = f.read()
                self.assertNotEqual(p.apply(x, src), src)

    def test_check_command(self):
        r = run(os.path.join(A.root, "scripts/rig/plants.py"), "--check", "--root", A.root,
                *[f"{t}={d}" for t, d in dirs()])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("every spec parses and applies", r.stdout)


class Bad(unittest.TestCase):
    """Each case: the spec's text, the LINE:COL and message it must name."""
    CASES = [
        ("no-colon", GOOD + HOST + "signature\n", "6:1", "expected 'key: value'"),
        ("unknown-key", GOOD + HOST + "exit: 1\n", "6:1", "unknown key 'exit'"),
        ("replace-first", "file: kernel/mm/buddy.c\nreplace: x\n" + HOST, "2:1", "replace without find"),
        ("find-twice", "file: kernel/mm/buddy.c\nfind: a\nfind: b\nreplace: c\n" + HOST, "3:1",
         "find without replace before it"),
        ("find-last", GOOD + HOST + "find: x\n", "6:1", "find without replace"),
        ("two-files", GOOD + HOST + "file: kernel/mm/slab.c\n", "6:1", "second 'file:' (first on line 1)"),
        ("no-file", "find: a\nreplace: b\n" + HOST, "1:1", "no 'file:' line"),
        ("outside", "file: ../etc/passwd\nfind: a\nreplace: b\n" + HOST, "1:7", "not a path inside the tree"),
        ("no-pair", "file: kernel/mm/buddy.c\n" + HOST, "1:1", "no 'find:' / 'replace:' pair"),
        ("needs", GOOD + HOST + "needs: luck\n", "6:8", "needs: luck is not one of: sanitizers"),
        ("default", GOOD + HOST + "default: fail\n", "6:10", "the only value is 'pass'"),
        ("half-host", GOOD + "program: p.mmr\n", "4:1", "program: and signature: go together"),
        ("op-alone", GOOD + "op: #1\nboot-exit: 1\nboot-expect: x\n", "4:1", "op: without program:"),
        ("boot-exit", GOOD + "boot-exit: one\nboot-expect: x\n", "4:12", "not an exit status"),
        ("half-boot", GOOD + "boot-expect: x\n", "4:1", "boot-exit: and boot-expect: go together"),
        ("boot-needs", GOOD + "needs: sanitizers\nboot-exit: 1\nboot-expect: x\n", "4:1",
         "the riscv kernel has no sanitizers"),
        ("semicolon", GOOD + "program: p.mmr\nsignature: a;b\n", "5:13", "';' in signature:"),
        ("not-once", "file: kernel/mm/buddy.c\nfind: no such text\nreplace: x\n" + HOST, "2:7",
         "'no such text' occurs 0 times in kernel/mm/buddy.c"),
        ("no-source", "file: kernel/mm/nope.c\nfind: a\nreplace: b\n" + HOST, "1:7",
         "file: kernel/mm/nope.c: No such file or directory"),
    ]

    def test_cases(self):
        with tempfile.TemporaryDirectory() as tmp:
            for name, text, where, msg in self.CASES:
                with self.subTest(name):
                    d = os.path.join(tmp, name)
                    os.makedirs(d)
                    spec = os.path.join(d, name + ".mut")
                    with open(spec, "w", encoding="utf-8") as f:
                        f.write(text)
                    want = f"{spec}:{where}: error: "
                    r = run(os.path.join(A.root, "tests/planted/mutate.py"), spec, A.root,
                            os.path.join(d, "out.c"))
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertIn(want, r.stderr)
                    self.assertIn(msg, r.stderr)
                    self.assertFalse(os.path.exists(os.path.join(d, "out.c")))
                    r = run(os.path.join(A.root, "scripts/rig/plants.py"), "--check", "--root",
                            A.root, f"t={d}")
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertIn(want, r.stderr)

    def test_no_expectation(self):
        """A spec with nothing to expect still writes its mutant (the
        mutation tests use such), but no suite takes it."""
        with tempfile.TemporaryDirectory() as tmp:
            spec = os.path.join(tmp, "bare.mut")
            with open(spec, "w", encoding="utf-8") as f:
                f.write(GOOD)
            r = run(os.path.join(A.root, "tests/planted/mutate.py"), spec, A.root,
                    os.path.join(tmp, "out.c"))
            self.assertEqual(r.returncode, 0, r.stderr)
            r = run(os.path.join(A.root, "scripts/rig/plants.py"), "--check", "--root", A.root, f"t={tmp}")
            self.assertEqual(r.returncode, 2)
            self.assertIn(f"{spec}:1:1: error: no expectation", r.stderr)

    def test_name_taken(self):
        with tempfile.TemporaryDirectory() as tmp:
            for sub in ("a", "b"):
                os.makedirs(os.path.join(tmp, sub))
                with open(os.path.join(tmp, sub, "same.mut"), "w", encoding="utf-8") as f:
                    f.write(GOOD + HOST)
            r = run(os.path.join(A.root, "scripts/rig/plants.py"), "--check", "--root", A.root,
                    f"a={tmp}/a", f"b={tmp}/b")
            self.assertEqual(r.returncode, 2)
            self.assertIn(f"{tmp}/b/same.mut:1:1: error: plant name 'same' is taken by {tmp}/a/same.mut",
                          r.stderr)

    def test_bad_usage(self):
        r = run(os.path.join(A.root, "scripts/rig/plants.py"), "--cmake")
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage:", r.stderr)


# Prints every variable the reader's list defines, one per line, so the
# test sees what cmake sees (a list's items joined by a tab).
DUMP = r"""
include(${LIST})
function(show var)
  string(REPLACE ";" "\t" v "${${var}}")
  message("${var}=${v}")
endfunction()
show(MMRIG_PLANT_SPECS)
show(MMRIG_PLANTS_BOOT)
foreach(tag IN LISTS TAGS)
  show(MMRIG_PLANTS_${tag})
endforeach()
foreach(spec IN LISTS MMRIG_PLANT_SPECS)
  get_filename_component(name ${spec} NAME_WE)
  foreach(k SPEC FILE NEEDS PROGRAM SIGNATURE PLAIN_SIGNATURE OP DEFAULT BOOT_EXIT BOOT_EXPECT)
    show(MMRIG_PLANT_${name}_${k})
  endforeach()
endforeach()
"""


def cmake_sees(listfile, tags):
    with tempfile.NamedTemporaryFile("w", suffix=".cmake", delete=False) as f:
        f.write(DUMP)
    try:
        r = subprocess.run([A.cmake, f"-DLIST={listfile}", f"-DTAGS={';'.join(tags)}", "-P", f.name],
                           capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    if r.returncode:
        raise AssertionError(r.stderr)
    return dict(line.split("=", 1) for line in r.stderr.splitlines() if "=" in line)


def expected(plant_list, tags):
    want = {"MMRIG_PLANT_SPECS": "\t".join(os.path.abspath(p.path) for p in plant_list),
            "MMRIG_PLANTS_BOOT": "\t".join(p.name for p in plant_list if p.boot)}
    for t in tags:
        want[f"MMRIG_PLANTS_{t}"] = "\t".join(p.name for p in plant_list if p.tag == t)
    for p in plant_list:
        v = f"MMRIG_PLANT_{p.name}_"
        want[v + "SPEC"] = os.path.abspath(p.path)
        for key in ("file", "needs", "program", "signature", "plain_signature", "op", "default",
                    "boot_exit"):
            want[v + key.upper()] = getattr(p, key) or ""
        want[v + "BOOT_EXPECT"] = "\t".join(p.boot_expect)
    return want


class CMakeList(unittest.TestCase):
    def test_build_list_is_the_specs(self):
        """The list this build was configured with equals the spec files."""
        p = plants()
        found = p.read_dirs(dirs())
        names = {os.path.splitext(os.path.basename(f))[0]
                 for _, d in dirs() for f in glob.glob(os.path.join(d, "*.mut"))}
        self.assertEqual({x.name for x in found}, names)
        got = cmake_sees(A.plants, [t for t, _ in DIRS])
        self.assertEqual(got, expected(found, [t for t, _ in DIRS]))

    def test_awkward_values(self):
        """Brackets, ${}, backslashes and quotes reach cmake unchanged."""
        p = plants()
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "odd.mut"), "w", encoding="utf-8") as f:
                f.write(GOOD + "program: a]].mmr\nsignature: x in ${y} \\n \"q\" [z]\n"
                        "op: ]=]\nboot-exit: 0\nboot-expect: ^a\\(b\\)$\nboot-expect: [[:digit:]]\n")
            out = os.path.join(tmp, "list.cmake")
            r = run(os.path.join(A.root, "scripts/rig/plants.py"), "--cmake", out, f"t={tmp}")
            self.assertEqual(r.returncode, 0, r.stderr)
            got = cmake_sees(out, ["t"])
            self.assertEqual(got, expected(p.read_dirs([("t", tmp)]), ["t"]))
            self.assertEqual(got["MMRIG_PLANT_odd_BOOT_EXPECT"], "^a\\(b\\)$\t[[:digit:]]")
            mtime = os.stat(out).st_mtime_ns
            run(os.path.join(A.root, "scripts/rig/plants.py"), "--cmake", out, f"t={tmp}")
            self.assertEqual(os.stat(out).st_mtime_ns, mtime, "an unchanged list was rewritten")


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--plants", required=True, help="the build's generated plants.cmake")
    ap.add_argument("--cmake", default="cmake")
    A, rest = ap.parse_known_args()
    A.root = os.path.abspath(A.root)
    return 0 if unittest.main(argv=[sys.argv[0], *rest], exit=False).result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
