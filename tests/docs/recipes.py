#!/usr/bin/env python3
"""docs/contributing.md's recipes work as written. The page's code blocks
that follow a marker

  <!-- recipe: FILE after: ANCHOR -->   the block goes after the one line
  <!-- recipe: FILE before: ANCHOR -->  of FILE holding ANCHOR (or before it,
  <!-- recipe: FILE replace: ANCHOR --> or in its place)
  <!-- recipe: FILE new -->            the block is a new file (NN in its
                                        name: the next free number there)
  <!-- recipe: regenerate -->           its first line regenerates the docs

are the recipes' code. `named` (fast) holds each recipe's prose and blocks
together: every file a step names in bold gets a block, every block's
file is named in its recipe, and every block applies to its file.
`example` (slow: it builds) applies every block of the op and check
recipes to a scratch copy of the tree, builds the targets the proofs
need and runs them: the example op parses, canonicalises, round-trips
through the binary form of a new format version and passes; its check
fires with its signature on the planted bug; the docs' inventories fail
until the regenerate command, then pass; --list-ops and --list-checks
show both.

usage: recipes.py {named,example} --source DIR --work DIR [--cmake C --ctest C]"""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402

PAGE = "docs/contributing.md"
RECIPES = ("Add an op", "Add a check")  # the recipes the example follows
MARKER = re.compile(r"^(?P<indent> *)<!-- recipe: (?P<what>.*?) -->\n", re.M)
# What the example adds, as the recipes' blocks name it.
OP, CHECK = "frob", "slab.frob-ksize"
PLANT = "kmalloc-ksize-overstates"
PROGRAM = "tests/planted/programs/kmalloc-frob.mmr"
SIGNATURE = f"{CHECK} in {OP}"
# What the build must make for the proofs, nothing more.
TARGETS = ["mmrig-replay", "mmrig-conv", "test_min_slots", "test_checks",
           f"mmrig-replay-mut-{PLANT}"]
INVENTORY_TESTS = "^docs\\.(check-tables|ops|panics|plants|suites)$"


class RecipeError(Exception):
    """A block or marker that cannot be followed; the message starts
    file:line:col."""


class Block:
    def __init__(self, section, line, what, text):
        self.section, self.line, self.text = section, line, text
        self.file, self.how, self.anchor = what, None, None
        m = re.match(r"(?P<file>\S+) (?:(?P<how>after|before|replace): (?P<anchor>.+)"
                     r"|(?P<new>new))$", what)
        if m:
            self.file = m.group("file")
            self.how = m.group("how") or "new"
            self.anchor = m.group("anchor")


def read_blocks(text):
    """Every marked block of the page, in order, with the recipe (## section)
    it is in."""
    blocks = []
    for m in MARKER.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        indent = m.group("indent")
        rest = text[m.end():].split("\n")
        if not rest or not re.match(re.escape(indent) + r"```", rest[0]):
            raise RecipeError(f"{PAGE}:{line + 1}:1: error: a recipe marker must be followed "
                              "by a fenced block at its own indentation")
        body = []
        for raw in rest[1:]:
            if raw.strip() == "```":
                break
            if raw and not raw.startswith(indent):
                raise RecipeError(f"{PAGE}:{line + 2 + len(body)}:1: error: a block's lines "
                                  "keep the indentation of its fence")
            body.append(raw[len(indent):])
        else:
            raise RecipeError(f"{PAGE}:{line + 1}:1: error: the block never ends")
        heads = re.findall(r"^## (.+)$", text[:m.start()], re.M)
        blocks.append(Block(heads[-1] if heads else "", line, m.group("what"),
                            "\n".join(body) + "\n"))
    return blocks


def sections(text):
    """## heading -> its text."""
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def next_free(root, rel):
    """rel with NN replaced by the next number its directory has not used."""
    if "NN" not in rel:
        return rel
    d = os.path.join(root, os.path.dirname(rel))
    used = [int(n[:2]) for n in os.listdir(d) if re.match(r"\d\d-", n)]
    return rel.replace("NN", f"{max(used, default=0) + 1:02d}")


def apply(root, block):
    """The block written into the copy at root; the file it went to."""
    rel = next_free(root, block.file)
    path = os.path.join(root, rel)
    where = f"{PAGE}:{block.line}:1"
    if block.how == "new":
        if os.path.exists(path):
            raise RecipeError(f"{where}: error: {rel} already exists")
        rigtest.write(path, block.text)
        return rel
    if block.how is None:
        raise RecipeError(f"{where}: error: want `FILE after: ANCHOR`, `FILE before: ANCHOR`, "
                          f"`FILE replace: ANCHOR` or `FILE new`, not {block.file!r}")
    if not os.path.isfile(path):
        raise RecipeError(f"{where}: error: no file {rel}")
    lines = rigtest.read(path).splitlines(keepends=True)
    hits = [i for i, ln in enumerate(lines) if block.anchor in ln]
    if len(hits) != 1:
        raise RecipeError(f"{where}: error: {block.anchor!r} is on {len(hits)} lines of {rel}, "
                          "want exactly one")
    at = hits[0] + (1 if block.how == "after" else 0)
    lines[at:at + (block.how == "replace")] = [block.text]
    rigtest.write(path, "".join(lines))
    return rel


class Page(rigtest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.text = rigtest.read(os.path.join(rigtest.args.source, PAGE))
        cls.blocks = read_blocks(cls.text)


class Named(Page):

    def test_named(self):
        """Each recipe's bold files have blocks, and each block's file is
        named in its recipe."""
        secs = sections(self.text)
        for recipe in RECIPES:
            with self.subTest(recipe=recipe):
                self.assertIn(recipe, secs, f"{PAGE} has no section ## {recipe}")
                prose = secs[recipe]
                bold = set(re.findall(r"\*\*`([^`]+)`\*\*", prose))
                edited = {b.file for b in self.blocks if b.section == recipe and b.how}
                self.assertTrue(edited, f"## {recipe} has no recipe blocks")
                self.assertEqual(sorted(bold - edited), [],
                                 f"## {recipe} names these files in bold but has no block "
                                 "for them")
                named = set(re.findall(r"`([\w./-]+/[\w.-]+)`", prose))
                self.assertEqual(sorted(edited - named), [],
                                 f"## {recipe} has blocks for files it does not name")

    def test_anchors(self):
        """Every block applies: its anchor is on exactly one line of its
        file, a new file does not exist yet (on copies of just those files)."""
        root = self.workdir()
        for b in self.blocks:
            if b.how is None:
                continue
            d = os.path.dirname(b.file)
            os.makedirs(os.path.join(root, d), exist_ok=True)
            if "NN" in b.file:  # the numbers in use are what NN is computed from
                for n in os.listdir(os.path.join(rigtest.args.source, d)):
                    rigtest.write(os.path.join(root, d, n), "")
            elif os.path.isfile(os.path.join(rigtest.args.source, b.file)) \
                    and not os.path.exists(os.path.join(root, b.file)):
                shutil.copy(os.path.join(rigtest.args.source, b.file), os.path.join(root, b.file))
        for b in self.blocks:
            if b.how is not None or b.file != "regenerate":
                with self.subTest(block=f"{PAGE}:{b.line}"):
                    problem = None
                    try:
                        apply(root, b)
                    except RecipeError as e:
                        problem = str(e)
                    self.assertIsNone(problem)


class Example(Page):
    def test_example(self):
        a = rigtest.args
        if not shutil.which("clang-14"):
            self.skipTest("the host-asan preset the recipes use needs clang-14")
        work = self.workdir()
        root = rigtest.copy_source(a.source, os.path.join(work, "src"))
        env = {k: v for k, v in os.environ.items() if k != "MMRIG_BUILD"}
        blocks = [b for b in self.blocks if b.section in RECIPES]
        regen = [b for b in self.blocks if b.file == "regenerate"]
        self.assertEqual(len(regen), 1, "want one `<!-- recipe: regenerate -->` block")
        self.assertTrue(blocks, "no recipe blocks to follow")
        seed = None
        for b in blocks:
            rel = apply(root, b)
            if rel.startswith("corpus/seeds/"):
                seed = rel
        self.assertIsNotNone(seed, "the op recipe adds no seed")

        def run(*cmd, want=0, msg=""):
            p = rigtest.run(cmd, cwd=root, env=env, timeout=900)
            self.assertExit(p, want, msg)
            return p.stdout

        build = os.path.join(root, "build", "host-asan")
        run(a.cmake, "--preset", "host-asan", msg="configure")
        run(a.cmake, "--build", build, "-j2", "--target", *TARGETS, msg="build")
        replay = os.path.join(build, "harness", "engines", "mmrig-replay")
        conv = os.path.join(build, "harness", "tools", "mmrig-conv")

        # --list-ops and --list-checks show the additions.
        self.assertTrue(f"`{OP}`" in run(replay, "--list-ops"), "--list-ops lacks the op")
        self.assertTrue(f"`{CHECK}`" in run(replay, "--list-checks"),
                        "--list-checks lacks the check")

        # The seed parses, canonicalises, round-trips and passes in both forms.
        canon = run(replay, "--text", seed, msg="canonical text")
        self.assertRegex(canon, rf"(?m)^{OP} o\d+$")
        self.assertIn("PASS", run(replay, seed, msg="the seed"))
        binary = os.path.join(work, "seed.bin")
        run(conv, "--to-bin", seed, binary, msg="to binary")
        # in a new binary format version, its number in the format byte
        version = [int(re.search(r"(?m)^#define PROG_FORMAT_VERSION (\d+)$",
                                 rigtest.read(os.path.join(tree, "harness/lang/prog.h")))[1])
                   for tree in (a.source, root)]
        self.assertEqual(version[1], version[0] + 1, "the op recipe raises the format version")
        with open(binary, "rb") as f:
            self.assertEqual(f.read(1), bytes([0xb0 | version[1]]), "the format byte")
        self.assertEqual(run(conv, "--to-text", binary, msg="to text"), canon)
        self.assertIn("PASS", run(replay, binary, msg="the seed's binary form"))

        # The check fires on its plant, and only there.
        run(sys.executable, "scripts/rig/plants.py", "--check", "planted=tests/planted/mutants",
            msg="the plant recipe's spec check")
        self.assertIn("PASS", run(replay, PROGRAM, msg="the plant's program, clean"))
        mutant = os.path.join(build, "tests", "planted", f"mmrig-replay-mut-{PLANT}")
        out = run(mutant, PROGRAM, want=1, msg="the plant")
        self.assertEqual(rigtest.signature(out), SIGNATURE, out)
        ctest = [a.ctest, "--test-dir", build, "--output-on-failure"]
        run(*ctest, "-R", f"^(planted\\.{PLANT}|test_min_slots|test_checks)$",
            msg="the plant's and the tables' tests")

        # The inventories miss the op, the check and the plant until regenerated.
        failed = run(*ctest, "-R", INVENTORY_TESTS, want=8, msg="inventories before")
        for test in ("docs.check-tables", "docs.ops", "docs.plants"):
            self.assertRegex(failed, rf"\d+ - {re.escape(test)} \(Failed\)")
        regenerate = regen[0].text.splitlines()[0].split()
        self.assertEqual(regenerate[0], "cmake", regen[0].text)
        run(a.cmake, *regenerate[1:], msg="regenerate")
        run(*ctest, "-R", INVENTORY_TESTS, msg="inventories after")
        self.assertIn(f"`{CHECK}`", rigtest.read(os.path.join(root, "docs", "architecture.md")))
        self.assertIn(f"`{OP}`", rigtest.read(os.path.join(root, "docs", "op-language.md")))


def options(ap):
    ap.add_argument("--source", required=True, type=os.path.abspath)
    ap.add_argument("--work", required=True)
    ap.add_argument("--cmake", default=shutil.which("cmake") or "cmake")
    ap.add_argument("--ctest", default=shutil.which("ctest") or "ctest")


if __name__ == "__main__":
    rigtest.main(options, cases={"named": "Named", "example": "Example"})
