#!/usr/bin/env python3
"""Crash signatures survive rebuilds; distinct planted bugs stay distinct.

Builds the replay tool of one source tree several ways, each in a scratch
build directory of its own, each with a few planted bugs (the mutants of
tests/planted, through that directory's own mechanism: target
mmrig-replay-mut-NAME), and replays each mutant's program:

  asan-O0     clang, ASan + UBSan, -O0
  asan-O2     clang, ASan + UBSan, -O2 (inlining, tail calls)
  asan-moved  clang, ASan + UBSan, -O1, on a copy of the tree with padding
              functions and blank lines at the top of every kernel/mm file
              and the core's sources compiled and linked in reverse order
  plain-gcc   gcc -O2, no sanitizers (panics and oracles as everywhere; a
              fatal signal named by the parent from the child's faulting
              frames; the ASan and UBSan plants need a sanitizer to be seen)

Every build must print exactly the .mut's `signature:` for each mutant it
plants (plain-gcc its `plain-signature:` where the .mut has one: the
sanitizers name a crash their way), and the mutants' signatures must be
pairwise distinct. The clean mmrig-replay of each build must pass every
program, so what is caught is the plant. Build directories are kept, so a second run only rebuilds what
changed.

Usage: rebuild_stable.py --source DIR --work DIR [--generator G] [--jobs N]
                         [--mutant NAME ...] [--build NAME ...]
Exit 0 all equal, 1 a difference, 77 (ctest: skipped) a compiler missing.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from rig import plants  # noqa: E402

# One of each kind of finding: an ASan report, a UBSan report, two kernel
# panics (one at the end of a recursive walk, whose outer frames differ
# by optimisation level), an oracle divergence, and two crashes that are
# UBSan reports with sanitizers and a SIGSEGV without (one in an inlined
# header function, one in a static function inlined at -O2, in the reset).
MUTANTS = ["slab-use-after-free", "kmalloc-class-overrun", "kfree-large-double-free",
           "vm-reuse-keeps-cow", "kzalloc-no-zero", "slab-shrink-double-unlink",
           "slab-reset-unchain"]

# What of the tree a build reads (never build/ or .git).
TREE = ["CMakeLists.txt", "cmake", "kernel", "harness", "allocators", "tests", "corpus",
        "scripts/rig"]  # the build reads the .mut specs through scripts/rig/plants.py


def log(msg):
    print(msg, flush=True)


def read_spec(source, name):
    """The planted bug NAME of tests/planted/mutants, as the one reader of
    the .mut format reads it."""
    try:
        return plants.parse(os.path.join(source, "tests/planted/mutants", name + ".mut"))
    except plants.SpecError as e:
        sys.exit(f"rebuild_stable.py: {e}")


def write_if_changed(path, data):
    """Unchanged files keep their timestamps: the next build is incremental."""
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def padding(rel):
    """Code that moves everything after it: lines, addresses, symbol order."""
    tag = re.sub(r"\W", "_", rel)
    funcs = "".join(
        f"int mmrig_pad_{tag}_{i}(int x);\n"
        f"int mmrig_pad_{tag}_{i}(int x)\n{{\n\tvolatile int y = x;\n\n"
        f"\tfor (int k = 0; k < {i + 3}; k++)\n\t\ty = y * {2 * i + 3} + k;\n\treturn y;\n}}\n\n"
        for i in range(6))
    return "/* moved by tests/signatures */\n" + "\n" * 37 + funcs


def moved_tree(source, dest):
    """A copy of the tree with its code moved around (see the module doc)."""
    wanted = set()
    for top in TREE:
        src = os.path.join(source, top)
        if os.path.isfile(src):
            wanted.add(top)
            continue
        for dirpath, dirnames, filenames in os.walk(src):
            dirnames[:] = [d for d in dirnames if d not in ("build", "__pycache__")]
            for fn in filenames:
                wanted.add(os.path.relpath(os.path.join(dirpath, fn), source))
    for rel in sorted(wanted):
        with open(os.path.join(source, rel), "rb") as f:
            data = f.read()
        if rel.startswith("kernel/mm/") and rel.endswith(".c"):
            data = padding(rel).encode() + data
        elif rel == "cmake/core.cmake":
            anchor = b"  add_library(${name}_kernel OBJECT ${kernel_srcs})\n"
            if data.count(anchor) != 1:
                sys.exit("rebuild_stable.py: cmake/core.cmake changed, no place to reverse the sources")
            data = data.replace(anchor, b"  list(REVERSE kernel_srcs)\n" + anchor)
            anchor = b"function(mmrig_core name)\n"
            if data.count(anchor) != 1:
                sys.exit("rebuild_stable.py: cmake/core.cmake changed, no place to reverse the sources")
            data = data.replace(anchor, b"list(REVERSE MMRIG_HARNESS_SRCS)\nlist(REVERSE MMRIG_HOST_SRCS)\n"
                                b"list(REVERSE MMRIG_ALLOC_SRCS)\n" + anchor)
        write_if_changed(os.path.join(dest, rel), data)
    # Files gone from the tree go from the copy, or a glob would find them.
    for top in TREE:
        for dirpath, _, filenames in os.walk(os.path.join(dest, top)):
            for fn in filenames:
                rel = os.path.relpath(os.path.join(dirpath, fn), dest)
                if rel not in wanted:
                    os.remove(os.path.join(dest, rel))


def run(cmd, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    return p.returncode, p.stdout


def build(b, mutants, generator, jobs):
    """Configures and builds the clean and mutant replay tools of build b."""
    cfg = ["cmake", "-S", b["src"], "-B", b["dir"], "-DCMAKE_BUILD_TYPE=Debug",
           f"-DCMAKE_C_COMPILER={b['cc']}", f"-DCMAKE_C_FLAGS={b['flags']}",
           f"-DMMRIG_SANITIZE={'ON' if b['sanitize'] else 'OFF'}"]
    if generator and not os.path.exists(os.path.join(b["dir"], "CMakeCache.txt")):
        cfg += ["-G", generator]
    rc, out = run(cfg)
    if rc:
        print(out)
        sys.exit(f"FAIL: configuring {b['name']}")
    targets = ["mmrig-replay"] + [f"mmrig-replay-mut-{m}" for m in mutants]
    rc, out = run(["cmake", "--build", b["dir"], "-j", str(jobs), "--target", *targets])
    if rc:
        print(out[-6000:])
        sys.exit(f"FAIL: building {b['name']}")


def find_tool(bdir, name):
    for sub in ("harness/engines", "tests/planted"):
        path = os.path.join(bdir, sub, name)
        if os.path.exists(path):
            return path
    sys.exit(f"FAIL: {name} not built in {bdir}")


def replay(tool, program):
    """(exit status, first SIGNATURE line or None, output)."""
    p = subprocess.run([tool, program], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=300)
    for line in p.stdout.splitlines():
        line = line.strip()
        if line.startswith("SIGNATURE: "):
            return p.returncode, line[len("SIGNATURE: "):], p.stdout
    return p.returncode, None, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--generator", default="")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--mutant", action="append", help="instead of the default set")
    ap.add_argument("--build", action="append", help="only these builds (by name)")
    a = ap.parse_args()
    source = os.path.abspath(a.source)
    work = os.path.abspath(a.work)
    mutants = a.mutant or MUTANTS
    specs = {m: read_spec(source, m) for m in mutants}

    clang, gcc = shutil.which("clang-14"), shutil.which("gcc")
    if not clang or not gcc:
        print("SKIP: rebuild_stable.py needs clang-14 and gcc")
        return 77
    # The symbolizer names the ASan and UBSan frames, as scripts/mmrig sets.
    if not os.environ.get("ASAN_SYMBOLIZER_PATH") and shutil.which("llvm-symbolizer"):
        os.environ["ASAN_SYMBOLIZER_PATH"] = shutil.which("llvm-symbolizer")

    builds = [
        dict(name="asan-O0", src=source, cc=clang, flags="-O0", sanitize=True),
        dict(name="asan-O2", src=source, cc=clang, flags="-O2", sanitize=True),
        dict(name="asan-moved", src=os.path.join(work, "moved-src"), cc=clang, flags="-O1",
             sanitize=True),
        dict(name="plain-gcc", src=source, cc=gcc, flags="-O2", sanitize=False),
    ]
    if a.build:
        builds = [b for b in builds if b["name"] in a.build]
    status = 0
    got = {m: {} for m in mutants}
    t0 = time.time()
    moved_tree(source, os.path.join(work, "moved-src"))
    for b in builds:
        b["dir"] = os.path.join(work, b["name"])
        planted = [m for m in mutants if not specs[m].unmet(b["sanitize"])]
        t = time.time()
        build(b, planted, a.generator, a.jobs)
        log(f"built {b['name']} ({', '.join(planted)}) in {time.time() - t:.0f}s")
        clean = find_tool(b["dir"], "mmrig-replay")
        for m in planted:
            program = os.path.join(source, specs[m].program)
            rc, sig, out = replay(clean, program)
            if rc != 0:
                print(out)
                log(f"FAIL: {b['name']}: the clean build does not pass {specs[m].program}")
                status = 1
            rc, sig, out = replay(find_tool(b["dir"], f"mmrig-replay-mut-{m}"), program)
            log(f"  {b['name']:<11} {m:<24} {sig}")
            if rc != 1:
                print(out)
                log(f"FAIL: {b['name']}: {m} not caught (exit {rc}, want 1)")
                status = 1
            want = specs[m].signature if b["sanitize"] else \
                specs[m].plain_signature or specs[m].signature
            got[m][b["name"]] = (sig, want)

    log("")
    for m in mutants:
        bad = {b: (s, w) for b, (s, w) in got[m].items() if s != w}
        if bad:
            status = 1
            for b, (s, w) in bad.items():
                log(f"FAIL: {m}: {b} says {s!r}, its .mut says {w!r}")
        else:
            log(f"as the .mut says in {len(got[m])} builds: "
                + " / ".join(sorted({w for _, w in got[m].values()})))
    sigs = [specs[m].signature for m in mutants]
    for i, m in enumerate(mutants):
        for n in mutants[i + 1:]:
            if specs[m].signature == specs[n].signature:
                log(f"FAIL: {m} and {n} share the signature {specs[m].signature!r}")
                status = 1
    if status == 0:
        log(f"{len(mutants)} planted bugs, {len(set(sigs))} distinct signatures, stable across "
            f"{len(builds)} builds ({time.time() - t0:.0f}s)")
    return status


if __name__ == "__main__":
    sys.exit(main())
