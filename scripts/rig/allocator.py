"""The page allocator under test, as every Python subcommand sees it.

--allocator NAME picks one of the allocators the tools were built with
(mmrig-replay --list-allocators); kbuddy, the kernel's buddy allocator, is
the default. The C side's contract, relied on here:
- mmrig-replay and mmrig-min take --allocator NAME;
- the fuzz targets read MMRIG_ALLOCATOR at start-up (unset: kbuddy);
- binary programs decode per allocator, so text seeds are converted per
  allocator: `mmrig-conv --to-bin --allocator NAME IN OUT` exits 3 when IN
  holds an op NAME cannot run, and `mmrig-conv --dict --allocator NAME OUT`
  writes NAME's dictionary;
- a signature of another allocator than kbuddy ends with " [NAME]".
--adapter DIR (repeatable) compiles out-of-tree adapters in: the build
tree rule is rig/common.py's (use_adapters, tree, tool).
"""
import argparse
import os
import re
import subprocess

from rig import common, fs
from rig.procs import last_error

DEFAULT = "kbuddy"
ENV = "MMRIG_ALLOCATOR"
NAME_RE = r"[A-Za-z0-9_][A-Za-z0-9_.-]*"
SUFFIX = re.compile(r"^(.*) \[(" + NAME_RE + r")\]$", re.S)
# mmrig-conv's exit status for a program the allocator cannot run.
CONV_NOT_APPLICABLE = 3


def name(text):
    """argparse type of --allocator: a plain name (it ends up in
    signatures, file names and command lines)."""
    if not re.fullmatch(NAME_RE, text or ""):
        raise argparse.ArgumentTypeError(
            f"bad allocator name {text!r} (letters, digits, '_', '.', '-')")
    return text


def add_args(p, default_help="kbuddy, the kernel's buddy allocator"):
    """--allocator NAME and --adapter DIR (repeatable), the same in every
    subcommand. --allocator defaults to None: the caller decides."""
    p.add_argument("--allocator", type=name, metavar="NAME",
                   help=f"page allocator under test (default: {default_help}; "
                        "scripts/mmrig replay --list-allocators)")
    p.add_argument("--adapter", action="append", default=[], metavar="DIR",
                   help="out-of-tree adapter directory compiled into the tools "
                        "(repeatable; builds go to a tree of their own)")


def child_args(allocator, adapters):
    """The same choice for a child mmrig script (nightly's steps)."""
    out = ["--allocator", allocator or DEFAULT]
    for d in adapters:
        out += ["--adapter", d]
    return out


def env(base, allocator):
    """A copy of the environment base with MMRIG_ALLOCATOR set: every
    engine and replay process gets it, so a caller's own value never
    leaks in."""
    e = dict(base)
    e[ENV] = allocator or DEFAULT
    return e


def split_signature(sig):
    """(signature without the allocator, allocator): "x in y [firstfit]"
    -> ("x in y", "firstfit"); no suffix -> (sig, "kbuddy")."""
    m = SUFFIX.match(sig or "")
    return (m.group(1), m.group(2)) if m else (sig, DEFAULT)


def listed(replay):
    """The allocators a mmrig-replay was built with, or None when it cannot
    say."""
    try:
        p = subprocess.run([replay, "--list-allocators"], capture_output=True,
                           text=True, errors="replace", timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if p.returncode != 0:
        return None
    return [line.split()[0] for line in p.stdout.splitlines() if line.strip()]


def check(allocator, replay):
    """Exit 2 unless the build knows the allocator."""
    names = listed(replay)
    if names is None:
        common.die(f"{replay} --list-allocators failed: cannot check --allocator {allocator}")
    if allocator not in names:
        common.die(f"no allocator {allocator!r} in this build (it has: {', '.join(names) or 'none'}); "
                   "--adapter DIR compiles an out-of-tree one in")


def convert_seeds(conv, allocator, dest, src=None):
    """The text seeds (corpus/seeds/*.mmr) in binary for the allocator,
    written to dest as <stem>.bin: (converted, skipped) source paths. A
    seed holding an op the allocator cannot run (mmrig-conv exit 3) is
    skipped; any other failure of mmrig-conv is fatal (exit 2)."""
    src = src or os.path.join(common.ROOT, "corpus", "seeds")
    os.makedirs(dest, exist_ok=True)
    converted, skipped = [], []
    for f in fs.files_in(src):
        if not f.endswith(".mmr"):
            continue
        stem = os.path.basename(f)[:-len(".mmr")]
        if to_bin(conv, allocator, f, os.path.join(dest, stem + ".bin")):
            converted.append(f)
        else:
            skipped.append(f)
    return converted, skipped


def to_bin(conv, allocator, src, out):
    """One text program in binary for the allocator (mmrig-conv --to-bin,
    so the format byte is the tools' own): False when it holds an op the
    allocator cannot run (exit 3); any other failure is fatal (exit 2)."""
    tmp = os.path.join(os.path.dirname(out), "." + os.path.basename(out) + ".tmp")
    p = subprocess.run([conv, "--to-bin", "--allocator", allocator, src, tmp],
                       capture_output=True, text=True, errors="replace")
    try:
        if p.returncode == CONV_NOT_APPLICABLE:
            return False
        if p.returncode == 0 and os.path.exists(tmp):
            os.replace(tmp, out)
            return True
        msg = last_error(p, f"exit {p.returncode}")
        common.die(f"mmrig-conv --to-bin --allocator {allocator} {src}: {msg}")
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def empty_program(conv, allocator, path):
    """The empty program in binary (its one byte is the format byte, so
    AFL++, which refuses an empty file, takes it too)."""
    src = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".mmr")
    with open(src, "w") as f:
        f.write("")
    try:
        to_bin(conv, allocator, src, path)
    finally:
        os.unlink(src)


def upgrade(conv, allocator, src, dest):
    """Binary inputs from before the format byte (src, a file or a
    directory) written again in the current format to dest by mmrig-conv
    --upgrade --legacy; src is left as it was. Exit 2 when it fails."""
    p = subprocess.run([conv, "--upgrade", "--legacy", "--allocator", allocator, src, dest],
                       capture_output=True, text=True, errors="replace")
    if p.returncode != 0:
        msg = last_error(p, f"exit {p.returncode}")
        common.die(f"mmrig-conv --upgrade --legacy {src}: {msg}")


def write_dict(conv, allocator, path):
    """The allocator's fuzzing dictionary (mmrig-conv --dict); exit 2 when
    mmrig-conv cannot write it."""
    p = subprocess.run([conv, "--dict", "--allocator", allocator, path],
                       capture_output=True, text=True, errors="replace")
    if p.returncode != 0 or not os.path.exists(path):
        msg = last_error(p, f"exit {p.returncode}")
        common.die(f"mmrig-conv --dict --allocator {allocator}: {msg}")
    return path
