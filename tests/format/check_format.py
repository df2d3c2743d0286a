#!/usr/bin/env python3
"""The tree's formatting, checked the way CI checks it.

tree:    scripts/check-format.sh over every file git tracks exits 0; when it
         does not, the failure lists each file and what is wrong with it.
planted: the checker flags what it exists for, in a scratch tree holding
         only the configs and the script: a kernel function wrapped by
         hand at 80 columns, blanks at line ends, a missing final newline,
         C indented with blanks; it leaves alone a region between
         `clang-format off` and `on`, Markdown's hard breaks and a file an
         .editorconfig section exempts; a missing file and a missing
         clang-format are exit 2.

Both skip (77) when clang-format-14 is not installed; `tree` also skips
outside a git checkout, which has no list of tracked files.
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402

CLANG_FORMAT = os.environ.get("CLANG_FORMAT", "clang-format-14")

# A kernel function as clang-format lays it out, and the same function as
# it reads after a hand edit that wraps a call at 80 columns.
FORMATTED = """\
static unsigned long block_pages(unsigned int order)
{
	return 1ul << order;
}

unsigned long nr_free_in(const unsigned long *free_count, unsigned int max_order)
{
	unsigned long n = 0;

	for (unsigned int o = 0; o <= max_order; o++)
		n += free_count[o] * block_pages(o);
	return n;
}
"""
WRAPPED_BY_HAND = FORMATTED.replace(
    "unsigned long nr_free_in(const unsigned long *free_count, unsigned int max_order)",
    "unsigned long nr_free_in(const unsigned long *free_count,\n\t\t\tunsigned int max_order)")
TABLE_OFF = """\
/* clang-format off */
static const int order_pages[] = { 1, 2, 4,
				   8, 16, 32 };
/* clang-format on */
"""


def need_clang_format(case):
    if not shutil.which(CLANG_FORMAT):
        case.skipTest(f"{CLANG_FORMAT} is not installed (apt-get install clang-format-14)")


def check_format(top, *files, env=None):
    return rigtest.run(["bash", os.path.join(top, "scripts", "check-format.sh"), *files],
                       cwd=top, env=env)


class Tree(rigtest.TestCase):
    def test_tree_is_formatted(self):
        """Every tracked file follows .clang-format and .editorconfig."""
        need_clang_format(self)
        src = rigtest.args.source
        if rigtest.run(["git", "-C", src, "rev-parse", "--git-dir"]).returncode != 0:
            self.skipTest(f"{src} is not a git checkout")
        p = check_format(src)
        self.assertExit(p, 0, "scripts/check-format.sh found files off the tree's style; "
                        "clang-format-14 -i --style=file FILE fixes the C ones")


class Planted(rigtest.TestCase):
    def scratch(self):
        top = self.workdir()
        for rel in (".clang-format", ".editorconfig", "scripts/check-format.sh"):
            os.makedirs(os.path.dirname(os.path.join(top, rel)), exist_ok=True)
            shutil.copy2(os.path.join(rigtest.args.source, rel), os.path.join(top, rel))
        return top

    def flagged(self, top, name, text, want):
        rigtest.write(os.path.join(top, name), text)
        p = check_format(top, name)
        self.assertExit(p, 1, f"{name} should be flagged")
        self.assertIn(f"{name}", p.stdout)
        self.assertIn(want, p.stdout)

    def test_formatted_passes(self):
        need_clang_format(self)
        top = self.scratch()
        rigtest.write(os.path.join(top, "mm.c"), FORMATTED)
        rigtest.write(os.path.join(top, "notes.md"), "a hard break  \nnext line\n")
        rigtest.write(os.path.join(top, "table.c"), TABLE_OFF)
        p = check_format(top, "mm.c", "notes.md", "table.c")
        self.assertExit(p, 0)
        self.assertIn("0 of 3 files flagged", p.stdout)

    def test_wrapped_by_hand(self):
        need_clang_format(self)
        self.flagged(self.scratch(), "mm.c", WRAPPED_BY_HAND, "clang-format would change 1 places")

    def test_trailing_blanks(self):
        need_clang_format(self)
        self.flagged(self.scratch(), "build.sh", "echo hi \n", "build.sh:1: trailing whitespace")

    def test_no_final_newline(self):
        need_clang_format(self)
        top = self.scratch()
        self.flagged(top, "list.txt", "one\ntwo", "list.txt: no newline at the end")
        # the section for the truncated fixture exempts it
        rigtest.write(os.path.join(top, "truncated.mmr"), "alloc_pages order=0")
        self.assertExit(check_format(top, "truncated.mmr"), 0)

    def test_blank_indent(self):
        need_clang_format(self)
        text = FORMATTED.replace("\treturn 1ul << order;", "        return 1ul << order;")
        self.flagged(self.scratch(), "mm.c", text, "mm.c:3: indented with blanks, not tabs")

    def test_missing_file_and_tool(self):
        need_clang_format(self)
        top = self.scratch()
        p = check_format(top, "gone.c")
        self.assertExit(p, 2)
        self.assertIn("gone.c: cannot read", p.stderr)
        rigtest.write(os.path.join(top, "mm.c"), FORMATTED)
        p = check_format(top, "mm.c", env=dict(os.environ, CLANG_FORMAT="clang-format-none"))
        self.assertExit(p, 2)
        self.assertIn("clang-format-none not found", p.stderr)


def options(ap):
    ap.add_argument("--source", required=True, type=os.path.abspath)
    ap.add_argument("--work", required=True)


if __name__ == "__main__":
    rigtest.main(options, cases={"tree": "Tree", "planted": "Planted"})
