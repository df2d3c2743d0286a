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

--no-plant runs everything but the edit in step 5: the test must then fail
(it shows the test can fail). Exit 0 on success, 1 on a failed expectation.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

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



def plant(src, old, new, what, dry):
    """Rewrites the one line a plant changes in the user's copy (checked
    to be there exactly once even when dry)."""
    with open(src) as f:
        text = f.read()
    if text.count(old) != 1:
        fail(f"the line to plant {what} in is not in {os.path.basename(src)} exactly once")
    if not dry:
        with open(src, "w") as f:
            f.write(text.replace(old, new))

def fail(msg, out=""):
    if out:
        print(out)
    print(f"FAIL: {msg}")
    sys.exit(1)


def run(cmd, **kw):
    print("+ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def build(build_dir, jobs, targets):
    t0 = time.monotonic()
    p = run(["cmake", "--build", build_dir, "-j", str(jobs), "--target", *targets])
    if p.returncode:
        fail("build failed", p.stdout[-6000:] + p.stderr[-6000:])
    return time.monotonic() - t0


def verdicts(out):
    """PASS / N/A / FAIL lines of a replay, by file."""
    got = {"PASS": [], "N/A": [], "FAIL": []}
    for line in out.splitlines():
        m = re.match(r"^(PASS|N/A|FAIL) (\S+)", line)
        if m:
            got[m.group(1)].append(m.group(2))
    return got


def signature(out):
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("SIGNATURE: "):
            return line[len("SIGNATURE: "):]
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--compiler", default="clang-14")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--no-plant", action="store_true",
                    help="skip the planted bug: the test must then fail")
    a = ap.parse_args()

    repo = os.path.realpath(a.repo)
    tmp = os.path.realpath(tempfile.mkdtemp(prefix="mmrig-adapters-"))
    if (tmp + "/").startswith(repo + "/"):
        fail(f"temporary directory {tmp} is inside the repository")
    try:
        check(a, repo, tmp)
    finally:
        if a.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def check(a, repo, tmp):
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
        with open(path) as f:
            text = f.read()
        text = text.replace('"template-page"', '"template-page-v2"')
        text = text.replace('"template-byte"', '"template-byte-v2"')
        with open(path, "w") as f:
            f.write(text)

    t0 = time.monotonic()
    p = run(["cmake", "-S", repo, "-B", bdir, f"-DCMAKE_C_COMPILER={a.compiler}",
             "-DMMRIG_SANITIZE=ON", "-DCMAKE_C_FLAGS=-O1", f"-DMMRIG_ADAPTERS={mine};{v2}"])
    if p.returncode:
        fail("configure failed", p.stdout[-6000:] + p.stderr[-6000:])
    configured = time.monotonic() - t0
    built = build(bdir, a.jobs, ["mmrig-replay", "mmrig-conv"])
    print(f"figures: configure {configured:.1f} s, build {built:.1f} s (-j{a.jobs})")
    replay = os.path.join(bdir, "harness", "engines", "mmrig-replay")
    conv = os.path.join(bdir, "harness", "tools", "mmrig-conv")

    p = run([replay, "--list-allocators"])
    print(p.stdout)
    grains = {}
    for line in p.stdout.splitlines():
        f = line.split()
        if len(f) >= 2:
            grains[f[0]] = f[1]
    for v in ("", "-v2"):
        if grains.get("template-page" + v) != "page" or grains.get("template-byte" + v) != "byte":
            fail(f"--list-allocators lacks template-page{v} (page) or template-byte{v} (byte)",
                 p.stdout)

    seeds = os.path.join(repo, "corpus", "seeds")
    nseeds = len([n for n in os.listdir(seeds) if not n.startswith(".")])
    for name in ("template-page", "template-byte"):
        p = run([replay, "--allocator", name, seeds])
        v = verdicts(p.stdout + p.stderr)
        print(f"figures: {name}: {len(v['PASS'])} PASS, {len(v['N/A'])} N/A, "
              f"{len(v['FAIL'])} FAIL of {nseeds} seeds (exit {p.returncode})")
        if p.returncode != 0 or v["FAIL"] or not v["PASS"] or \
                len(v["PASS"]) + len(v["N/A"]) != nseeds:
            fail(f"seeds with {name}: want exit 0, some PASS, the rest N/A",
                 p.stdout + p.stderr)

    # A byte seed encoded for the byte template's op set replays the same.
    binp = os.path.join(tmp, "krealloc.bin")
    p = run([conv, "--allocator", "template-byte", "--to-bin",
             os.path.join(seeds, "10-krealloc.mmr"), binp])
    if p.returncode:
        fail("mmrig-conv --allocator template-byte --to-bin failed", p.stdout + p.stderr)
    p = run([replay, "--allocator", "template-byte", binp])
    if p.returncode or "PASS" not in p.stdout + p.stderr:
        fail("the converted seed does not pass", p.stdout + p.stderr)

    prog = os.path.join(tmp, "two-orders.mmr")
    with open(prog, "w") as f:
        f.write(PROGRAM)
    p = run([replay, "--allocator", "template-page", prog])
    if p.returncode:
        fail("the program fails against the unmodified template", p.stdout + p.stderr)

    plant(os.path.join(mine, "page_template.c"), PLANT_FROM, PLANT_TO, "the bug", a.no_plant)
    rebuilt = build(bdir, a.jobs, ["mmrig-replay"])
    print(f"figures: rebuild after the edit {rebuilt:.1f} s")
    p = run([replay, "--allocator", "template-page", prog])
    out = p.stdout + p.stderr
    print(out)
    if p.returncode != 1:
        fail(f"planted bug not caught (exit {p.returncode}, want 1)")
    sig = signature(out)
    if sig != WANT_SIGNATURE:
        fail(f"signature {sig!r}, want {WANT_SIGNATURE!r}")
    print(f"caught: {sig}")
    p = run([replay, "--allocator", "template-page-v2", prog])
    if p.returncode:
        fail("the bug planted in one version shows in the other", p.stdout + p.stderr)

    plant(os.path.join(mine, "byte_template.c"), CRASH_FROM, CRASH_TO, "the crash", a.no_plant)
    build(bdir, a.jobs, ["mmrig-replay"])
    prog = os.path.join(tmp, "crash.mmr")
    with open(prog, "w") as f:
        f.write(CRASH_PROGRAM)
    p = run([replay, "--allocator", "template-byte", prog])
    out = p.stdout + p.stderr
    sig = signature(out)
    if p.returncode != 1 or not sig or not WANT_CRASH.match(sig):
        fail(f"a crash in the adapter is signed {sig!r} (exit {p.returncode}), want "
             f"asan.* in tb_malloc [template-byte]", out)
    print(f"caught: {sig}")
    p = run([replay, "--allocator", "template-byte-v2", prog])
    if p.returncode:
        fail("the crash planted in one version shows in the other", p.stdout + p.stderr)


if __name__ == "__main__":
    main()
