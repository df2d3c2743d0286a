"""Where the tree and its builds are, building a preset, the tools' paths
inside a build, and how a subcommand fails on bad usage (the package's map:
rig/__init__.py).

The build tree of a preset depends on the adapter set (--adapter DIR,
out-of-tree allocator adapters compiled in through the CMake cache variable
MMRIG_ADAPTERS): none gives $MMRIG_BUILD/<preset>, the default trees; a set
gives $MMRIG_BUILD/<preset>-adapters-<hash of the sorted absolute dirs>, so
the default trees are never reconfigured. use_adapters() selects the set of
this process once; build(), tree() and tool() follow it. scripts/mmrig and
coverage.sh ask rig/tree.py, which uses the same functions."""
import hashlib
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# MMRIG_BUILD moves every preset's tree elsewhere (tests and parallel
# checkouts use their own), as build/<preset> is the default.
BUILD = os.environ.get("MMRIG_BUILD") or os.path.join(ROOT, "build")


def die(msg):
    """Bad usage or an unusable input: one line on stderr, exit 2."""
    print(f"mmrig: {msg}", file=sys.stderr)
    sys.exit(2)


# The adapter set of this process: absolute directories, sorted (see
# use_adapters). Empty: the default build trees.
ADAPTERS = []


def adapter_dirs(dirs, cwd=None):
    """The --adapter arguments as the set the build takes: each made
    absolute against cwd (default: this process's), normalized, duplicates
    dropped, sorted. A directory that does not exist is bad usage (exit 2)."""
    out = set()
    for d in dirs or ():
        p = os.path.normpath(os.path.join(cwd or os.getcwd(), d))
        if not os.path.isdir(p):
            die(f"--adapter {d}: no such directory" + (f" ({p})" if p != d else ""))
        out.add(p)
    return sorted(out)


def use_adapters(dirs, cwd=None):
    """Selects the adapter set every later build(), tree() and tool() of
    this process uses; returns it."""
    ADAPTERS[:] = adapter_dirs(dirs, cwd)
    return list(ADAPTERS)


def tree_name(preset, adapters=None):
    """The build tree's directory name under BUILD: the preset itself, or
    with adapters <preset>-adapters-<12 hex digits>, a function of the set
    alone (order and duplicates do not matter)."""
    adapters = ADAPTERS if adapters is None else adapters
    if not adapters:
        return preset
    key = "\n".join(sorted(set(adapters))).encode("utf-8", "surrogateescape")
    return f"{preset}-adapters-{hashlib.sha256(key).hexdigest()[:12]}"


def tree(preset, adapters=None):
    """The build tree of a preset for the adapter set (default: this
    process's)."""
    return os.path.join(BUILD, tree_name(preset, adapters))


def build_log(preset, log_dir=None):
    return os.path.join(log_dir or BUILD, f"build-{tree_name(preset)}.log")


def build(preset, log_dir=None, targets=None, log=None):
    """Configures and builds a CMake preset in tree(preset) (with the
    adapter set as MMRIG_ADAPTERS); on failure shows the log's tail and
    exits 2. Incremental, so calling it for a built tree is cheap."""
    log = log or build_log(preset, log_dir)
    os.makedirs(os.path.dirname(os.path.abspath(log)), exist_ok=True)
    tree_dir = tree(preset)
    configure = ["cmake", "--preset", preset, "-B", tree_dir]
    if ADAPTERS:
        configure.append("-DMMRIG_ADAPTERS=" + ";".join(ADAPTERS))
    cmds = [configure,
            ["cmake", "--build", tree_dir, "-j", str(os.cpu_count() or 1)]
            + (["--target", *targets] if targets else [])]
    with open(log, "w") as f:
        for cmd in cmds:
            if subprocess.run(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT).returncode:
                with open(log) as g:
                    sys.stderr.write("".join(g.readlines()[-40:]))
                die(f"build of preset {preset} failed (full log: {log})")
    return tree_dir


def tool(preset, name):
    """Path of a harness program inside a preset's build tree (of this
    process's adapter set)."""
    sub = "tools" if name in ("mmrig-min", "mmrig-conv") else "engines"
    return os.path.join(tree(preset), "harness", sub, name)


def parse_duration(text):
    """Seconds from "90", "90s", "10m" or "1h" (argparse type)."""
    import argparse
    import re
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text or "")
    if not m or float(m.group(1)) <= 0:
        raise argparse.ArgumentTypeError(
            f"bad duration {text!r} (seconds, or with s/m/h: 90, 10m, 1h)")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def positive(kind, rule="must be positive"):
    """argparse type: a number of kind (int, float) above 0; rule is the
    error's wording."""
    import argparse

    def parse(text):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}")
        if v <= 0:
            raise argparse.ArgumentTypeError(rule)
        return v
    return parse
