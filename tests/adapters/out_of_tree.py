#!/usr/bin/env python3
"""Out-of-tree adapters, as docs/your-allocator.md tells a user to do it.

1. copy allocators/template to a temporary directory outside the repository;
2. configure a separate build with MMRIG_ADAPTERS naming the copies and build
   only mmrig-replay and mmrig-conv;
3. --list-allocators must show template-page (page) and template-byte (byte);
4. corpus/seeds replayed with each: exit 0, some PASS, the rest N/A, no FAIL;
   a byte seed converted with `mmrig-conv --allocator template-byte --to-bin`
   must replay the same;
5. a small page program passes against the copy as it is; then a bug is
   planted in the copy (the split hands out a block whose upper half it
   also keeps free), the tool rebuilt, and the same program must FAIL with
   exactly the planted bug's signature, naming [template-page];
6. a crash planted in the byte template is signed with the template's own
   function: "asan.* in tb_malloc [template-byte]";
7. all along, a second copy (myalloc-v2: the same function and global
   names, allocators renamed *-v2) is built into the same tools, and keeps
   passing what the planted first copy fails.

--no-plant runs everything but the edits of steps 5 and 6: the test must
then fail (it shows the test can fail). Exit 0 on success, 1 on a failed
expectation. The temporary directory is kept when the test fails, or with
--keep.
"""
import os
import re
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402
from rigtest import args as A, signature  # noqa: E402

# The plant: one more split than asked, so the block handed out has its
# upper half listed free as well.
PLANT_FROM = "\t\t\twhile (o > order) {\n"
PLANT_TO = "\t\t\twhile (o >= order && o > 0) {\n"
PROGRAM = """# two orders side by side: an order-1 block, then an order-0 one
a = alloc_pages 1
b = alloc_pages 0
free_pages a
check
"""
WANT_SIGNATURE = "buddy.free-counts in alloc_pages [template-page]"
# A memory error inside the adapter: the signature names the adapter's own
# function (its directory is credited), not the rig's caller.
CRASH_FROM = "static void *tb_malloc(size_t size)\n{\n"
CRASH_TO = CRASH_FROM + "\tif (size == 777)\n\t\t*(volatile int *)(uintptr_t)size = 1;\n"
CRASH_PROGRAM = "o0 = kmalloc 777\n"
WANT_CRASH = re.compile(r"^asan\.[a-z-]+ in tb_malloc \[template-byte\]$")


def options(ap):
    ap.add_argument("--repo", required=True)
    ap.add_argument("--compiler", default="clang-14")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--no-plant", action="store_true",
                    help="skip the planted bug: the test must then fail")


def run(cmd, **kw):
    print("+ " + " ".join(cmd), flush=True)
    return rigtest.run(cmd, timeout=None, **kw)


def verdicts(out):
    """PASS / N/A / FAIL lines of a replay, by file."""
    got = {"PASS": [], "N/A": [], "FAIL": []}
    for line in out.splitlines():
        m = re.match(r"^(PASS|N/A|FAIL) (\S+)", line)
        if m:
            got[m.group(1)].append(m.group(2))
    return got


class OutOfTree(rigtest.TestCase):
    def plant(self, src, old, new, what):
        """Rewrites the one line a plant changes in the user's copy (checked
        to be there exactly once even with --no-plant)."""
        text = rigtest.read(src)
        self.assertEqual(text.count(old), 1,
                         f"the line to plant {what} in is not in {os.path.basename(src)} exactly once")
        if not A.no_plant:
            rigtest.write(src, text.replace(old, new))

    def build(self, build_dir, targets):
        t0 = time.monotonic()
        p = run(["cmake", "--build", build_dir, "-j", str(A.jobs), "--target", *targets])
        self.assertExit(p, 0, "build")
        return time.monotonic() - t0

    def replay(self, *argv):
        p = run([self.replay_tool, *argv])
        return p, rigtest.output(p)

    def test_walk_through(self):
        repo = os.path.realpath(A.repo)
        tmp = os.path.realpath(tempfile.mkdtemp(prefix="mmrig-adapters-") if A.keep else self.workdir())
        if A.keep:
            print(f"kept {tmp}")
        self.assertFalse((tmp + "/").startswith(repo + "/"), f"temporary directory {tmp} is inside the repository")
        mine = os.path.join(tmp, "myalloc")
        bdir = os.path.join(tmp, "build")
        shutil.copytree(os.path.join(repo, "allocators", "template"), mine)
        # A second version of the same allocators in a directory of its own:
        # the same function and global names, only the allocator names differ.
        # The build must keep the two apart (the bugs planted below go into
        # the first only, and the second must still pass).
        v2 = os.path.join(tmp, "myalloc-v2")
        shutil.copytree(mine, v2)
        for name in os.listdir(v2):
            path = os.path.join(v2, name)
            text = rigtest.read(path)
            text = text.replace('"template-page"', '"template-page-v2"')
            rigtest.write(path, text.replace('"template-byte"', '"template-byte-v2"'))

        t0 = time.monotonic()
        p = run(["cmake", "-S", repo, "-B", bdir, f"-DCMAKE_C_COMPILER={A.compiler}",
                 "-DMMRIG_SANITIZE=ON", "-DCMAKE_C_FLAGS=-O1", f"-DMMRIG_ADAPTERS={mine};{v2}"])
        self.assertExit(p, 0, "configure")
        configured = time.monotonic() - t0
        built = self.build(bdir, ["mmrig-replay", "mmrig-conv"])
        print(f"figures: configure {configured:.1f} s, build {built:.1f} s (-j{A.jobs})")
        self.replay_tool = os.path.join(bdir, "harness", "engines", "mmrig-replay")
        conv = os.path.join(bdir, "harness", "tools", "mmrig-conv")

        p, out = self.replay("--list-allocators")
        print(p.stdout)
        grains = {f[0]: f[1] for f in (line.split() for line in p.stdout.splitlines()) if len(f) >= 2}
        for v in ("", "-v2"):
            self.assertEqual((grains.get("template-page" + v), grains.get("template-byte" + v)), ("page", "byte"),
                             f"--list-allocators: template-page{v} (page), template-byte{v} (byte)")

        seeds = os.path.join(repo, "corpus", "seeds")
        nseeds = len([n for n in os.listdir(seeds) if not n.startswith(".")])
        for name in ("template-page", "template-byte"):
            p, out = self.replay("--allocator", name, seeds)
            v = verdicts(out)
            print(f"figures: {name}: {len(v['PASS'])} PASS, {len(v['N/A'])} N/A, "
                  f"{len(v['FAIL'])} FAIL of {nseeds} seeds (exit {p.returncode})")
            self.assertExit(p, 0, f"seeds with {name}")
            self.assertEqual(v["FAIL"], [], f"seeds with {name}: failures")
            self.assertTrue(v["PASS"], f"seeds with {name}: none passes")
            self.assertEqual(len(v["PASS"]) + len(v["N/A"]), nseeds, f"seeds with {name}: PASS or N/A each")

        # A byte seed encoded for the byte template's op set replays the same.
        binp = os.path.join(tmp, "krealloc.bin")
        p = run([conv, "--allocator", "template-byte", "--to-bin", os.path.join(seeds, "10-krealloc.mmr"), binp])
        self.assertExit(p, 0, "mmrig-conv --allocator template-byte --to-bin")
        p, out = self.replay("--allocator", "template-byte", binp)
        self.assertExit(p, 0, "the converted seed")
        self.assertIn("PASS", out, "the converted seed does not pass")

        prog = rigtest.write(os.path.join(tmp, "two-orders.mmr"), PROGRAM)
        p, out = self.replay("--allocator", "template-page", prog)
        self.assertExit(p, 0, "the program against the unmodified template")

        self.plant(os.path.join(mine, "page_template.c"), PLANT_FROM, PLANT_TO, "the bug")
        print(f"figures: rebuild after the edit {self.build(bdir, ['mmrig-replay']):.1f} s")
        p, out = self.replay("--allocator", "template-page", prog)
        print(out)
        self.assertExit(p, 1, "the planted bug caught")
        self.assertEqual(signature(out), WANT_SIGNATURE, "the planted bug's signature")
        print(f"caught: {signature(out)}")
        p, out = self.replay("--allocator", "template-page-v2", prog)
        self.assertExit(p, 0, "the bug planted in one version shows in the other")

        self.plant(os.path.join(mine, "byte_template.c"), CRASH_FROM, CRASH_TO, "the crash")
        self.build(bdir, ["mmrig-replay"])
        prog = rigtest.write(os.path.join(tmp, "crash.mmr"), CRASH_PROGRAM)
        p, out = self.replay("--allocator", "template-byte", prog)
        sig = signature(out)
        self.assertExit(p, 1, "a crash in the adapter")
        self.assertRegex(sig or "", WANT_CRASH, "a crash in the adapter is signed asan.* in tb_malloc [template-byte]")
        print(f"caught: {sig}")
        p, out = self.replay("--allocator", "template-byte-v2", prog)
        self.assertExit(p, 0, "the crash planted in one version shows in the other")


if __name__ == "__main__":
    rigtest.main(options)
