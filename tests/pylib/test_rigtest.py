#!/usr/bin/env python3
"""rigtest's own contract, on small test scripts written here and run as
ctest runs the suites: the exit status (0 passed, 1 failed, 77 all
skipped), a work directory removed when its test passes and kept when it
fails, options reaching the tests and the rest reaching unittest."""
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rigtest  # noqa: E402

PREAMBLE = f"""import os, sys, unittest
sys.dont_write_bytecode = True
sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r})
import rigtest


def options(ap):
    ap.add_argument("--work", required=True)
    ap.add_argument("--word", default="")


"""


def options(ap):
    ap.add_argument("--work", required=True)


class Contract(rigtest.TestCase):
    def script(self, body):
        self.dir = self.workdir()
        return rigtest.write(os.path.join(self.dir, "t.py"),
                             PREAMBLE + body + '\nrigtest.main(options)\n')

    def run_script(self, body, *argv):
        return rigtest.python(self.script(body), "--work", os.path.join(self.dir, "work"), *argv)

    def test_pass_removes_its_directory(self):
        p = self.run_script("class T(rigtest.TestCase):\n"
                            "    def test_ok(self):\n"
                            "        rigtest.write(os.path.join(self.workdir(), 'f'), 'x')\n")
        self.assertExit(p, 0)
        self.assertEqual(os.listdir(os.path.join(self.dir, "work")), [], "a passing test's directory is left")

    def test_failure_keeps_its_directory(self):
        p = self.run_script("class T(rigtest.TestCase):\n"
                            "    def test_bad(self):\n"
                            "        rigtest.write(os.path.join(self.workdir(), 'f'), 'x')\n"
                            "        self.assertEqual(1, 2)\n")
        self.assertExit(p, 1)
        kept = re.search(r"kept for inspection: (\S+)", rigtest.output(p))
        self.assertIsNotNone(kept, "the kept directory is not named")
        self.assertTrue(os.path.isfile(os.path.join(kept.group(1), "f")), "the failed test's directory is gone")

    def test_error_fails(self):
        self.assertExit(self.run_script("class T(rigtest.TestCase):\n"
                                        "    def test_raises(self):\n"
                                        "        raise OSError('boom')\n"), 1)

    def test_subtest_failure_fails(self):
        self.assertExit(self.run_script("class T(rigtest.TestCase):\n"
                                        "    def test_sub(self):\n"
                                        "        for i in range(3):\n"
                                        "            with self.subTest(i):\n"
                                        "                self.assertNotEqual(i, 1)\n"), 1)

    def test_all_skipped_is_77(self):
        p = self.run_script("class T(rigtest.TestCase):\n"
                            "    @classmethod\n"
                            "    def setUpClass(cls):\n"
                            "        raise unittest.SkipTest('no tool')\n"
                            "    def test_a(self):\n"
                            "        pass\n")
        self.assertExit(p, rigtest.SKIP)

    def test_some_skipped_is_0(self):
        p = self.run_script("class T(rigtest.TestCase):\n"
                            "    def test_a(self):\n"
                            "        self.skipTest('not here')\n"
                            "    def test_b(self):\n"
                            "        pass\n")
        self.assertExit(p, 0)

    def test_options_and_unittest_arguments(self):
        body = ("class T(rigtest.TestCase):\n"
                "    def test_word(self):\n"
                "        self.assertEqual(rigtest.args.word, 'blue')\n"
                "    def test_other(self):\n"
                "        self.fail('not selected')\n")
        self.assertExit(self.run_script(body, "--word", "blue", "-k", "test_word"), 0)
        self.assertExit(self.run_script(body, "--word", "red", "-k", "test_word"), 1)

    def test_nothing_ran_fails(self):
        self.assertExit(self.run_script("class T(rigtest.TestCase):\n"
                                        "    def test_a(self):\n"
                                        "        pass\n", "-k", "no_such_test"), 1)

    def test_read_only_tree_removed(self):
        d = self.workdir("ro")
        rigtest.write(os.path.join(d, "sub", "f"), "x")
        os.chmod(os.path.join(d, "sub"), 0o555)
        rigtest.remove(d)
        self.assertFalse(os.path.exists(d))

    def test_copy_source(self):
        """A git checkout's copy has its tracked and new files as they are
        in the working tree, not what git ignores; without git, everything
        but the top's build/ and out/."""
        src = self.workdir("src")
        for rel in ("a.c", "sub/b.c", "build/x.o", "sub/build/keep", ".gitignore"):
            rigtest.write(os.path.join(src, rel), rel)
        rigtest.write(os.path.join(src, ".gitignore"), "build/\n")
        plain = rigtest.copy_source(src, self.workdir("plain"))
        self.assertEqual(sorted(k for k, v in rigtest.tree(plain).items() if v != "dir"),
                         [".gitignore", "a.c", "sub/b.c", "sub/build/keep"])
        git = lambda *a: self.assertExit(rigtest.run(["git", "-C", src, *a]), 0)
        git("init", "-q")
        git("add", "a.c", ".gitignore")
        rigtest.write(os.path.join(src, "a.c"), "changed")
        copy = rigtest.copy_source(src, self.workdir("copy"))
        self.assertEqual(sorted(k for k, v in rigtest.tree(copy).items() if v != "dir"),
                         [".gitignore", "a.c", "sub/b.c"])
        self.assertEqual(rigtest.read(os.path.join(copy, "a.c")), "changed")


if __name__ == "__main__":
    rigtest.main(options)
