#!/usr/bin/env python3
"""A stand-in for the rig's C tools in the scripts' allocator tests: it
acts by the name it is run under (mmrig-replay, mmrig-min, mmrig-conv,
mmrig-fuzz-libfuzzer; copied into a fake build tree) as the C side's
contract says those tools do, and appends what it was given (argv, its
MMRIG_ALLOCATOR, its own path) as one JSON line to $FAKE_LOG.

Knobs: FAKE_ALLOCATORS (default "kbuddy firstfit"): what --list-allocators
lists; FAKE_CONV_SKIP (default "kmem_cache"): a seed containing it is one
the allocator cannot run (exit 3; with the allocator kbuddy never);
FAKE_CONV_NONE=1: no seed applies (the empty program does); FAKE_CONV_FAIL=1: mmrig-conv fails
(exit 2) on every seed."""
import json
import os
import sys

ALLOC_ENV = "MMRIG_ALLOCATOR"


def install(build, suffix=""):
    """Lays out a fake build below build: <preset><suffix> trees of
    host-asan (replay, min, conv, one prebuilt binary seed), libfuzzer and
    coverage, each tool a copy of this script. suffix: "" or the
    "-adapters-HASH" of an adapter set."""
    import shutil
    me = os.path.abspath(__file__)
    for preset, sub, name in [("host-asan", "engines", "mmrig-replay"), ("host-asan", "tools", "mmrig-min"),
                              ("host-asan", "tools", "mmrig-conv"), ("coverage", "engines", "mmrig-replay"),
                              ("libfuzzer", "engines", "mmrig-fuzz-libfuzzer")]:
        d = os.path.join(build, preset + suffix, "harness", sub)
        os.makedirs(d, exist_ok=True)
        shutil.copy(me, os.path.join(d, name))
        os.chmod(os.path.join(d, name), 0o755)
    seeds = os.path.join(build, "host-asan" + suffix, "corpus", "seeds-bin")
    os.makedirs(seeds, exist_ok=True)
    with open(os.path.join(seeds, "prebuilt.bin"), "wb") as f:
        f.write(b"prebuilt")


def records(log, tool=None):
    """The JSON lines of $FAKE_LOG, of one tool or all."""
    try:
        with open(log) as f:
            lines = [json.loads(l) for l in f if l.strip()]
    except OSError:
        return []
    return [r for r in lines if tool is None or r["tool"] == tool]


def record(**extra):
    log = os.environ.get("FAKE_LOG")
    if not log:
        return
    line = json.dumps({"tool": os.path.basename(sys.argv[0]), "path": os.path.abspath(sys.argv[0]),
                       "argv": sys.argv[1:], "env_allocator": os.environ.get(ALLOC_ENV), **extra})
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, (line + "\n").encode())
    os.close(fd)


def opt(args, name, default=None):
    return args[args.index(name) + 1] if name in args else default


def signature(alloc):
    return "buddy.misaligned in alloc_pages" + ("" if alloc == "kbuddy" else f" [{alloc}]")


def replay(args):
    if "--list-allocators" in args:
        for name in os.environ.get("FAKE_ALLOCATORS", "kbuddy firstfit").split():
            print(f"{name:16s} a fake allocator")
        return 0
    record()
    alloc = opt(args, "--allocator", "kbuddy")
    skip = {"--allocator", "--timeout", "--rss-mb", "--arena-mb", "--form"}
    files, i = [], 0
    while i < len(args):
        if args[i] in skip:
            i += 2
            continue
        if not args[i].startswith("-"):
            files.append(args[i])
        i += 1
    if "--text" in args:
        print("p0 = alloc_pages 0")
        return 0
    results = []
    for f in files:
        if os.path.isdir(f):
            continue
        if os.environ.get("FAKE_REPLAY_PASS"):
            results.append({"file": f, "result": "PASS"})
        else:
            results.append({"file": f, "result": "FAIL", "signature": signature(alloc),
                            "report": f"SIGNATURE: {signature(alloc)}\n"})
    failed = sum(r["result"] == "FAIL" for r in results)
    print(json.dumps({"results": results, "passed": len(results) - failed, "failed": failed,
                      "errors": 0, "known_open": 0}))
    return 1 if failed else 0


def minimize(args):
    record()
    out = opt(args, "-o")
    with open(out, "w") as f:
        f.write(f"# signature: {signature(opt(args, '--allocator', 'kbuddy'))}\np0 = alloc_pages 0\n")
    return 0


def conv(args):
    record()
    alloc = opt(args, "--allocator", "kbuddy")
    if "--dict" in args:
        with open(args[-1], "w") as f:
            f.write(f'# {alloc}\nop="\\x01"\n')
        return 0
    if "--upgrade" in args:  # each file of IN written to OUT as "up:" + its bytes
        src, dst = args[-2], args[-1]
        os.makedirs(dst)
        for name in sorted(os.listdir(src)):
            with open(os.path.join(src, name), "rb") as f, open(os.path.join(dst, name), "wb") as g:
                g.write(b"up:" + f.read())
        return 0
    if os.environ.get("FAKE_CONV_FAIL"):  # a mmrig-conv without --allocator
        print("mmrig-conv: unknown option --allocator", file=sys.stderr)
        return 2
    src, dst = args[-2], args[-1]
    with open(src, errors="replace") as f:
        text = f.read()
    if alloc != "kbuddy" and text.strip() and (os.environ.get("FAKE_CONV_NONE")
                              or os.environ.get("FAKE_CONV_SKIP", "kmem_cache") in text):
        print(f"mmrig-conv: {src}: an op {alloc} cannot run", file=sys.stderr)
        return 3
    with open(dst, "wb") as f:
        f.write(b"bin:" + os.path.basename(src).encode())
    return 0


def libfuzzer(args):
    record()
    if "-merge=1" in args:  # -merge=1 ... NEW OLD...: keep every old input
        dirs = [a for a in args if not a.startswith("-")]
        for d in dirs[1:]:
            for n in os.listdir(d):
                with open(os.path.join(d, n), "rb") as f, open(os.path.join(dirs[0], n), "wb") as g:
                    g.write(f.read())
        return 0
    prefix = next(a.split("=", 1)[1] for a in args if a.startswith("-artifact_prefix="))
    with open(prefix + "crash-fake", "wb") as f:
        f.write(b"boom")
    print("#100\tDONE   cov: 10 ft: 12 corp: 1/1b exec/s: 100", flush=True)
    return 0


if __name__ == "__main__":
    name = os.path.basename(sys.argv[0])
    act = {"mmrig-replay": replay, "mmrig-min": minimize, "mmrig-conv": conv,
           "mmrig-fuzz-libfuzzer": libfuzzer}.get(name)
    if act is None:
        sys.exit(f"fake_tool: run as {name}?")
    sys.exit(act(sys.argv[1:]))
