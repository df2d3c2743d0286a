#!/usr/bin/env python3
"""The inventory check can fail: on a scratch copy of the tree, a panic,
a plant and a suite added without regenerating the docs are each caught
(exit 1, with the command that regenerates them), --update brings the
docs back in step, and a panic or suite the generator cannot list is an
error with file:line:col (exit 2).

usage: selftest.py INVENTORIES.py --replay R --build B --source S"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SCRIPT, ARGS = None, None


def copy_tree(source, dest):
    """The files git tracks, as they are in the working tree."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=source, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = os.path.join(source, rel)
        if os.path.isfile(src):  # not deleted in the working tree
            os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
            shutil.copy(src, os.path.join(dest, rel))


class Inventories(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="mmrig-docs-")
        self.addCleanup(tmp.cleanup)
        self.tree = tmp.name
        i = ARGS.index("--source")
        copy_tree(ARGS[i + 1], self.tree)
        self.args = ARGS[:i] + ["--source", self.tree] + ARGS[i + 2:]

    def run_inv(self, *kinds, update=False):
        cmd = [sys.executable, SCRIPT] + self.args + (["--update"] if update else []) \
            + list(kinds)
        p = subprocess.run(cmd, capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr

    def edit(self, rel, old, new):
        path = os.path.join(self.tree, rel)
        with open(path) as f:
            text = f.read()
        self.assertIn(old, text, rel)
        with open(path, "w") as f:
            f.write(text.replace(old, new, 1))

    def add_kernel_code(self, code):
        """code goes into buddy.c, at file level."""
        self.edit("kernel/mm/buddy.c", "void __free_pages(", code + "\n\nvoid __free_pages(")

    def write(self, rel, text):
        os.makedirs(os.path.dirname(os.path.join(self.tree, rel)), exist_ok=True)
        with open(os.path.join(self.tree, rel), "w") as f:
            f.write(text)

    def test_copy_in_step(self):
        for kind in ("panics", "plants", "suites"):
            rc, out = self.run_inv(kind)
            self.assertEqual(rc, 0, out)

    def test_new_panic(self):
        self.add_kernel_code("static void selftest_panic(void)\n{\n\tpanic(\"selftest-new\", \"x\");\n}")
        rc, out = self.run_inv("panics")
        self.assertEqual(rc, 1, out)
        self.assertIn("panics table differs", out)
        self.assertIn("--update", out)
        rc, out = self.run_inv("panics", update=True)
        self.assertEqual(rc, 0, out)
        with open(os.path.join(self.tree, "docs/architecture.md")) as f:
            self.assertIn("`panic.selftest-new in selftest_panic`", f.read())
        rc, out = self.run_inv("panics")
        self.assertEqual(rc, 0, out)

    def test_panic_name_not_literal(self):
        self.add_kernel_code("static void selftest_panic(const char *name)\n{\n\tpanic(name, \"x\");\n}")
        rc, out = self.run_inv("panics")
        self.assertEqual(rc, 2, out)
        self.assertRegex(out, r"kernel/mm/buddy\.c:\d+:\d+: error: .*string literal")

    def test_panic_in_macro(self):
        self.add_kernel_code("#define SELFTEST_PANIC() \\\n\tpanic(\"selftest-macro\", \"x\")")
        rc, out = self.run_inv("panics")
        self.assertEqual(rc, 2, out)
        self.assertRegex(out, r"kernel/mm/buddy\.c:\d+:2: error: panic\(\) inside a macro")

    def test_new_plant(self):
        shutil.copy(os.path.join(self.tree, "tests/planted/mutants/buddy-nr-free.mut"),
                    os.path.join(self.tree, "tests/planted/mutants/selftest-plant.mut"))
        rc, out = self.run_inv("plants")
        self.assertEqual(rc, 1, out)
        self.assertIn("plants table differs", out)

    def test_new_suite(self):
        self.write("tests/zz-selftest/CMakeLists.txt", "add_test(NAME zz COMMAND true)\n")
        rc, out = self.run_inv("suites")
        self.assertEqual(rc, 2, out)
        self.assertIn("tests/zz-selftest/CMakeLists.txt:1:1: error", out)
        self.write("tests/zz-selftest/CMakeLists.txt",
                   "# A suite the self-test adds.\nadd_test(NAME zz COMMAND true)\n")
        rc, out = self.run_inv("suites")
        self.assertEqual(rc, 1, out)
        self.assertIn("suites table differs", out)

    def test_missing_block(self):
        self.edit("docs/op-language.md", "<!-- end of generated ops -->", "")
        rc, out = self.run_inv("ops")
        self.assertEqual(rc, 1, out)
        self.assertIn("want one block", out)


if __name__ == "__main__":
    SCRIPT, ARGS = sys.argv[1], sys.argv[2:]
    unittest.main(argv=sys.argv[:1])
