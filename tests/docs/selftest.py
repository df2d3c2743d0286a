#!/usr/bin/env python3
"""The inventory check can fail: on a scratch copy of the tree, a panic,
a plant and a suite added without regenerating the docs are each caught
(exit 1, with the command that regenerates them), --update brings the
docs back in step, and a panic or suite the generator cannot list is an
error with file:line:col (exit 2).

usage: selftest.py --inventories INVENTORIES.py --replay R --build B --ctest C
                   --source S --work DIR"""
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402


class Inventories(rigtest.TestCase):
    def setUp(self):
        a = rigtest.args
        self.tree = rigtest.copy_source(a.source, self.workdir())
        self.args = ["--replay", a.replay, "--build", a.build, "--ctest", a.ctest,
                     "--source", self.tree]

    def run_inv(self, *kinds, update=False):
        p = rigtest.python(rigtest.args.inventories, *self.args,
                           *(["--update"] if update else []), *kinds)
        return p.returncode, rigtest.output(p)

    def edit(self, rel, old, new):
        path = os.path.join(self.tree, rel)
        text = rigtest.read(path)
        self.assertIn(old, text, rel)
        rigtest.write(path, text.replace(old, new, 1))

    def add_kernel_code(self, code):
        """code goes into buddy.c, at file level."""
        self.edit("kernel/mm/buddy.c", "void __free_pages(", code + "\n\nvoid __free_pages(")

    def write(self, rel, text):
        rigtest.write(os.path.join(self.tree, rel), text)

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
        self.assertIn("`panic.selftest-new in selftest_panic`",
                      rigtest.read(os.path.join(self.tree, "docs/architecture.md")))
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


def options(ap):
    ap.add_argument("--inventories", required=True, help="inventories.py under test")
    ap.add_argument("--replay", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--ctest", required=True)
    ap.add_argument("--source", required=True, type=os.path.abspath)
    ap.add_argument("--work", required=True)


if __name__ == "__main__":
    rigtest.main(options)
