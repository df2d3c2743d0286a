#!/usr/bin/env python3
"""`scripts/mmrig mutate`: the rig's own mutation score on kernel/mm.

Generates the mutants of kernel/mm/*.c (scripts/rig/mutants.py), builds
each in a mutation tree of its own and runs it against corpus/seeds and
corpus/regression (mmrig-replay, one program at a time, the first failure
kills), then runs each survivor's kernel unit tests (the tests/kernel
binaries, linked against the mutant: the first failing one kills), then
gives each survivor left a short libFuzzer run from the seeds.
Every result is appended to OUT/journal.jsonl as it comes, so --resume
continues an interrupted run; the report (OUT/report.md, OUT/report.json)
is written at the end, on Ctrl-C, and by --report alone.

The mutation trees ($MMRIG_BUILD/mutate/wN/{asan,libfuzzer}) are
configured once from the host-asan and libfuzzer presets with
MMRIG_MUTANT_DIR=$MMRIG_BUILD/mutate/wN/src (CMakeLists.txt): that directory
holds the mutant and verbatim copies of the other kernel/mm files, each
rewritten only when it changes, so a mutant costs one object and a link.
The source tree is never written.

Exit status: 0 done, 1 the score is below --min-score, 2 bad usage, bad
input or a failed build of the unmutated tree, 130 interrupted (the
journal keeps every finished mutant).
"""
import argparse
import concurrent.futures
import glob
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rig import mutants, procs  # noqa: E402
from rig.common import BUILD, ROOT, die  # noqa: E402
from rig.engines import replay_env  # noqa: E402
from rig.fs import atomic_write, files_in, lock_dir  # noqa: E402

KERNEL_DIR = "kernel/mm"
EQUIVALENT = os.path.join(ROOT, "tests", "mutation", "equivalent.txt")
# Program order: the seeds are short and cover every op kind, so most
# mutants die on one of the first few.
PROGRAM_DIRS = [os.path.join(ROOT, "corpus", "seeds"), os.path.join(ROOT, "corpus", "regression")]
# The unit stage's binaries: every mmrig_test() of tests/kernel (the
# programs linked against the kernel core; the freestanding and include
# checks are cmake scripts and see no mutant).
UNIT_CMAKELISTS = os.path.join(ROOT, "tests", "kernel", "CMakeLists.txt")
KILLED = ("killed", "killed-unit", "killed-fuzz", "timeout")
# awaiting-unit / awaiting-fuzz: survived the stages so far, a later one
# still to come (a partial run); counted as surviving until then.
STATUSES = ("killed", "killed-unit", "killed-fuzz", "timeout", "survived", "awaiting-unit",
            "awaiting-fuzz", "unviable", "equivalent")
STAGES = ("replay", "unit", "fuzz")

INTERRUPTED = threading.Event()


def say(msg):
    print(f"mutate: {msg}", flush=True)


# ---------------------------------------------------------------- selection

def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="mmrig mutate",
        description="Mutation score of the rig on kernel/mm: mutants built and run "
                    "against seeds + regression, survivors fuzzed (docs/bug-finding.md).")
    p.add_argument("--files", action="append", default=[], metavar="F[,F]",
                   help="kernel/mm files to mutate (name or path; default all)")
    p.add_argument("--operators", action="append", default=[], metavar="OP[,OP]",
                   help="operators (default all): " + ", ".join(mutants.OPERATORS))
    p.add_argument("--ids", action="append", default=[], metavar="ID[,ID]",
                   help="exactly these mutants (ids as --list prints them)")
    p.add_argument("--sample", type=int, metavar="N", help="a deterministic sample of N mutants")
    p.add_argument("--seed", type=int, default=1, metavar="S",
                   help="sample and libFuzzer seed (default 1)")
    p.add_argument("--fuzz-time", type=int, default=60, metavar="SECS",
                   help="libFuzzer time per survivor of the replay (default 60)")
    p.add_argument("--no-fuzz", action="store_true", help="no fuzz stage (the unit stage still runs)")
    p.add_argument("--no-unit", action="store_true",
                   help="no unit stage (the tests/kernel binaries against each replay survivor)")
    p.add_argument("--unit-timeout", type=int, default=30, metavar="SECS",
                   help="limit per unit-test binary; past it the mutant timed out (default 30)")
    p.add_argument("--timeout", type=int, default=5, metavar="SECS",
                   help="per-program replay limit; past it the mutant timed out (default 5)")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="mutants built and run at once, each with its own trees (default 1)")
    p.add_argument("--out", default=os.path.join(ROOT, "out", "mutate"), metavar="DIR")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in OUT (its selection), skipping finished mutants")
    p.add_argument("--equivalent", default=EQUIVALENT, metavar="FILE",
                   help="reviewed equivalent mutants, `id  reason` lines (default tests/mutation/equivalent.txt)")
    p.add_argument("--trees", default=os.path.join(BUILD, "mutate"), metavar="DIR",
                   help="where the mutation trees live (default $MMRIG_BUILD/mutate)")
    p.add_argument("--list", action="store_true", help="print the selected mutants and exit")
    p.add_argument("--diff", action="store_true", help="with --list: each mutant's diff too")
    p.add_argument("--report", action="store_true", help="write the report from OUT's journal and exit")
    p.add_argument("--min-score", type=float, metavar="PCT", help="exit 1 when the score is below PCT")
    a = p.parse_args(argv)
    if a.sample is not None and a.sample < 1:
        p.error("--sample must be at least 1")
    if a.jobs < 1 or a.fuzz_time < 1 or a.timeout < 1 or a.unit_timeout < 1:
        p.error("--jobs, --fuzz-time, --timeout and --unit-timeout must be at least 1")
    a.files = [x for v in a.files for x in v.split(",") if x]
    a.operators = [x for v in a.operators for x in v.split(",") if x]
    a.ids = [x for v in a.ids for x in v.split(",") if x]
    a.trees = os.path.abspath(a.trees)
    a.out = os.path.abspath(a.out)
    return a


def kernel_files(names):
    """The kernel/mm sources named (default all), as paths relative to ROOT."""
    all_files = sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, KERNEL_DIR, "*.c")))
    if not names:
        return all_files
    out = []
    for n in names:
        rel = os.path.join(KERNEL_DIR, os.path.basename(n))
        if rel not in all_files:
            die(f"mutate: --files {n}: not a source of {KERNEL_DIR} ({', '.join(os.path.basename(f) for f in all_files)})")
        if rel not in out:
            out.append(rel)
    return sorted(out)


def unit_tests():
    """The unit stage's binaries, in their CMakeLists order."""
    try:
        with open(UNIT_CMAKELISTS, encoding="utf-8") as f:
            names = re.findall(r"^mmrig_test\((\w+)\s", f.read(), re.M)
    except OSError as e:
        die(f"mutate: {UNIT_CMAKELISTS}: {e.strerror}")
    if not names:
        die(f"mutate: {UNIT_CMAKELISTS}: no mmrig_test() to run in the unit stage")
    return names


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def all_mutants(files, operators):
    """The mutants of files, in the one deterministic order: file, then
    source position, then operator."""
    out = []
    for rel in files:
        try:
            out += mutants.generate(read(rel), rel, set(operators) or None)
        except ValueError as e:
            die(f"mutate: {rel}: {e}")
    return out


def select(sel):
    unknown = [o for o in sel["operators"] if o not in mutants.OPERATORS]
    if unknown:
        die(f"mutate: unknown operator {unknown[0]} (operators: {', '.join(mutants.OPERATORS)})")
    muts = all_mutants(kernel_files(sel["files"]), sel["operators"])
    if sel.get("ids"):
        known = {m.id for m in muts}
        missing = [i for i in sel["ids"] if i not in known]
        if missing:
            die(f"mutate: --ids {missing[0]}: no such mutant in the selection (see --list)")
        muts = [m for m in muts if m.id in set(sel["ids"])]
    if sel["sample"] and sel["sample"] < len(muts):
        keep = set(random.Random(sel["seed"]).sample(range(len(muts)), sel["sample"]))
        muts = [m for i, m in enumerate(muts) if i in keep]
    return muts


# ---------------------------------------------------------------- equivalent list

_ID = re.compile(r"[\w.-]+\.c:\w+:([\w-]+):[0-9a-f]{8}(\.\d+)?")


def load_equivalent(path):
    """id -> reason. A malformed line is an error at file:line:col (exit 2)."""
    out = {}
    try:
        f = open(path, encoding="utf-8")
    except FileNotFoundError:
        return out
    except OSError as e:
        die(f"mutate: {path}: {e.strerror}")
    with f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            body = line.lstrip()
            if not body or body.startswith("#"):
                continue
            col = len(line) - len(body) + 1
            ident = body.split()[0]
            m = _ID.fullmatch(ident)
            if not m:
                die(f"{path}:{n}:{col}: error: '{ident}' is not a mutant id (file.c:function:operator:hash)")
            if m.group(1) not in mutants.OPERATORS:
                die(f"{path}:{n}:{col + ident.index(m.group(1))}: error: unknown operator '{m.group(1)}'")
            reason = body[len(ident):].strip()
            if not reason:
                die(f"{path}:{n}:{col + len(ident)}: error: no reason after the id (`id  reason`)")
            if ident in out:
                die(f"{path}:{n}:{col}: error: {ident} is listed twice")
            out[ident] = reason
    return out


# ---------------------------------------------------------------- the trees

def run_quiet(cmd, log, timeout=None, env=None, cwd=None):
    """Runs cmd in a session of its own (Ctrl-C and timeouts end the whole
    group) with its output into log; returns (exit status or None on a
    timeout, seconds)."""
    t0 = time.monotonic()
    with open(log, "w") as f:
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, start_new_session=True,
                             env=env, cwd=cwd)
        with RUNNING_LOCK:
            RUNNING.add(p.pid)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            rc = None
        finally:
            if p.returncode is None:
                procs.kill_group(p.pid, signal.SIGKILL)
                p.wait()
            with RUNNING_LOCK:
                RUNNING.discard(p.pid)
    return rc, time.monotonic() - t0


# Process groups of the children running now, for Ctrl-C (each child has
# a session of its own, so the terminal's SIGINT does not reach it).
RUNNING = set()
RUNNING_LOCK = threading.Lock()


def kill_running():
    with RUNNING_LOCK:
        for pid in list(RUNNING):
            procs.kill_group(pid, signal.SIGKILL)


def tail(path, n=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


class Worker:
    """One slot of --jobs: a mutant source directory and the two trees
    compiled from it."""

    def __init__(self, trees, k, fuzz, unit=()):
        self.dir = os.path.join(trees, f"w{k}")
        self.src = os.path.join(self.dir, "src")
        self.asan = os.path.join(self.dir, "asan")
        self.libfuzzer = os.path.join(self.dir, "libfuzzer")
        self.log = os.path.join(self.dir, "log")
        self.fuzz = fuzz
        self.unit = list(unit)
        # Every kernel/mm file, not only the selected ones: the tree
        # compiles them all from src.
        self.originals = {rel: read(rel) for rel in kernel_files([])}
        os.makedirs(self.src, exist_ok=True)
        os.makedirs(self.log, exist_ok=True)
        self.lock = lock_dir(self.dir, "mutation run with these trees")

    def place(self, mut=None):
        """The source directory as this mutant (None: no mutant) needs it;
        only files whose text changes are written."""
        for rel, text in self.originals.items():
            out = os.path.join(self.src, os.path.basename(rel))
            if mut is not None and mut.file == rel:
                mutants.write_mutant(mut.apply(text), rel, mut.id, ROOT, out, only_if_changed=True)
            else:
                mutants.write_mutant(text, rel, "nothing: a verbatim copy", ROOT, out, only_if_changed=True)

    def configure(self, preset, tree):
        cache = os.path.join(tree, "CMakeCache.txt")
        try:
            with open(cache) as f:
                if f"MMRIG_MUTANT_DIR:PATH={self.src}\n" in f.read():
                    return
        except OSError:
            pass
        cmd = ["cmake", "--preset", preset, "-B", tree, f"-DMMRIG_MUTANT_DIR={self.src}"]
        if shutil.which("ninja") and not os.path.exists(cache):
            cmd += ["-G", "Ninja"]
        log = os.path.join(self.log, f"configure-{preset}.log")
        rc, _ = run_quiet(cmd, log, cwd=ROOT)
        if rc:
            sys.stderr.write(tail(log))
            die(f"mutate: configuring the {preset} mutation tree failed (log: {log})")

    def build(self, tree, targets, log, jobs=1):
        """One build of a target or a list of them (one make for all)."""
        targets = [targets] if isinstance(targets, str) else targets
        return run_quiet(["cmake", "--build", tree, "--target", *targets, "-j", str(jobs)], log, cwd=ROOT)

    def replay_tool(self):
        return os.path.join(self.asan, "harness", "engines", "mmrig-replay")

    def unit_tool(self, name):
        return os.path.join(self.asan, "tests", "kernel", name)

    def fuzz_tool(self):
        return os.path.join(self.libfuzzer, "harness", "engines", "mmrig-fuzz-libfuzzer")

    def setup(self, programs, timeout, unit_timeout):
        """Configures and builds the unmutated trees; the unmutated kernel
        must pass every program and unit test, or no mutant's result would
        mean a thing."""
        self.place(None)
        self.configure("host-asan", self.asan)
        log = os.path.join(self.log, "build-asan.log")
        # The first build compiles the whole core: two jobs; a mutant's, one.
        if self.build(self.asan, "mmrig-replay", log, jobs=2)[0]:
            sys.stderr.write(tail(log))
            die(f"mutate: the unmutated host-asan mutation tree does not build (log: {log})")
        bad = replay(self.replay_tool(), programs, timeout, os.path.join(self.log, "replay.log"))
        if bad:
            die(f"mutate: the unmutated kernel fails {os.path.relpath(bad['program'], ROOT)} "
                f"({bad['signature']}): fix that first")
        if self.unit:
            log = os.path.join(self.log, "build-unit.log")
            if self.build(self.asan, self.unit, log, jobs=2)[0]:
                sys.stderr.write(tail(log))
                die(f"mutate: the unit tests of the unmutated mutation tree do not build (log: {log})")
            bad = run_unit(self, unit_timeout)
            if bad:
                die(f"mutate: the unmutated kernel fails tests/kernel/{bad['test']} "
                    f"({bad['signature']}): fix that first")
        if self.fuzz:
            self.configure("libfuzzer", self.libfuzzer)
            log = os.path.join(self.log, "build-libfuzzer.log")
            for target in ("mmrig-fuzz-libfuzzer", "seeds"):
                if self.build(self.libfuzzer, target, log, jobs=2)[0]:
                    sys.stderr.write(tail(log))
                    die(f"mutate: the unmutated libfuzzer mutation tree does not build (log: {log})")

    def seeds_bin(self):
        return os.path.join(self.libfuzzer, "corpus", "seeds-bin")


def replay(tool, programs, timeout, log):
    """The first program (in order) the tool does not pass, as {program,
    status, signature}; None when all pass. One mmrig-replay for all of
    them: it forks a watched child per program, which costs a fraction of
    starting an ASan process per program."""
    # Past this the mutant hangs in several programs: timed out, whichever.
    budget = timeout * 4 + 30
    rc, _ = run_quiet([tool, "--json", "--quiet", "--timeout", str(timeout), *programs], log,
                      timeout=budget, env=replay_env())
    if rc == 0:
        return None
    if rc is None:
        return {"program": programs[0], "status": "timeout",
                "signature": f"replay did not finish in {budget} s"}
    try:
        # The JSON document is on stdout, the children's report text
        # around it on stderr: both went to the log.
        with open(log, errors="replace") as f:
            text = f.read()
        doc, _ = json.JSONDecoder().raw_decode(text, text.index('{"passed"'))
        for res in doc["results"]:
            # N/A (an op the allocator cannot run) is what the unmutated
            # kernel gets too; an unexpected pass of a headed file is not.
            if res["result"] in ("FAIL", "ERROR") or (res["result"] == "PASS" and res.get("as_expected") is False):
                sig = res.get("signature") or res.get("check") or res["result"]
                status = "timeout" if sig.startswith("timeout in") else "killed"
                return {"program": os.path.join(ROOT, res["file"]) if not os.path.isabs(res["file"])
                        else res["file"], "status": status, "signature": sig}
    except (OSError, ValueError, KeyError):
        pass
    return {"program": programs[0], "status": "killed", "signature": f"exit {rc}: {tail(log, 3).strip()[:200]}"}


def fuzz(worker, seconds, seed, timeout, art_dir):
    """A libFuzzer run of the mutant from the seeds: (status, signature)
    or None when nothing was found. Crash artifacts are kept in art_dir."""
    corpus = os.path.join(worker.dir, "fuzz-corpus")
    shutil.rmtree(corpus, ignore_errors=True)
    os.makedirs(corpus)
    os.makedirs(art_dir, exist_ok=True)
    log = os.path.join(worker.log, "fuzz.log")
    cmd = [worker.fuzz_tool(), f"-max_total_time={seconds}", f"-seed={seed}",
           f"-timeout={timeout}", "-rss_limit_mb=2048", "-print_final_stats=0",
           f"-dict={os.path.join(ROOT, 'corpus', 'mmrig.dict')}",
           f"-artifact_prefix={art_dir}/", corpus, worker.seeds_bin()]
    rc, _ = run_quiet(cmd, log, timeout=seconds + timeout * 4 + 60, env=replay_env())
    # The corpus is the run's scratch; crash files stay (art_dir).
    shutil.rmtree(corpus, ignore_errors=True)
    found = sorted(os.listdir(art_dir))
    if rc == 0 and not found:
        return None
    if not found:
        shutil.rmtree(art_dir, ignore_errors=True)
        if rc is None:
            return "timeout", "libFuzzer did not stop"
        return "killed-fuzz", f"libFuzzer exit {rc}: {tail(log, 2).strip()[:200]}"
    try:
        shutil.copy(log, os.path.join(art_dir, "fuzz.log"))
    except OSError:
        pass
    text = tail(log, 400)
    m = re.search(r"^SIGNATURE: (.*)$", text, re.M)
    sig = m.group(1) if m else (re.search(r"(ERROR: .*)", text) or re.search(r"(.+)", text)).group(1)[:200]
    return ("timeout" if found[0].startswith("timeout-") else "killed-fuzz"), sig


def run_mutant(worker, mut, opts, programs):
    """Stage one: build the mutant, replay the programs."""
    t0 = time.monotonic()
    rec = {"id": mut.id, "file": mut.file, "func": mut.func, "op": mut.op, "line": mut.line}
    worker.place(mut)
    log = os.path.join(worker.log, "build-asan.log")
    rc, secs = worker.build(worker.asan, "mmrig-replay", log)
    rec["build_secs"] = round(secs, 2)
    if rc:
        rec.update(status="unviable", detail=tail(log, 60).split(" error: ", 1)[-1].split("\n", 1)[0][:200])
        return finish(rec, t0)
    t1 = time.monotonic()
    bad = replay(worker.replay_tool(), programs, opts["timeout"], os.path.join(worker.log, "replay.log"))
    rec["replay_secs"] = round(time.monotonic() - t1, 2)
    if bad:
        rec.update(status=bad["status"], stage="replay", by=os.path.relpath(bad["program"], ROOT),
                   signature=bad["signature"])
    else:
        # unit / fuzzed: False mark the survivor for the later stages.
        rec.update(status="survived", **({} if opts["no_unit"] else {"unit": False}),
                   **({} if opts["no_fuzz"] else {"fuzzed": False}))
    return finish(rec, t0)


# The line that names a unit test's failure: a failed CHECK, a panic or a
# sanitizer report outside a death test's child, whichever comes first.
_UNIT_FAILURE = re.compile(r"CHECK failed: |KERNEL PANIC: |^SUMMARY: |runtime error: ", re.M)


def run_unit(worker, timeout):
    """The first unit test (in order) that fails against the worker's
    tree, as {test, status, signature}; None when all pass."""
    for name in worker.unit:
        log = os.path.join(worker.log, "unit.log")
        rc, _ = run_quiet([worker.unit_tool(name)], log, timeout=timeout, env=replay_env(),
                          cwd=worker.dir)
        if rc == 0:
            continue
        if rc is None:
            return {"test": name, "status": "timeout", "signature": f"timeout in {name} ({timeout} s)"}
        with open(log, errors="replace") as f:
            text = f.read()
        m = _UNIT_FAILURE.search(text)
        if m:
            sig = text[text.rfind("\n", 0, m.start()) + 1:].split("\n", 1)[0].strip()
        else:
            sig = f"signal {-rc}" if rc < 0 else f"exit {rc}"
        return {"test": name, "status": "killed-unit", "signature": sig.replace(ROOT + "/", "")[:200]}
    return None


def unit_mutant(worker, mut, opts, rec):
    """The unit stage, for a survivor of the replay: the tests/kernel
    binaries rebuilt against the mutant (one build for all of them), run
    in order; the first failure kills."""
    t0 = time.monotonic()
    rec = dict(rec, unit=True)
    worker.place(mut)
    log = os.path.join(worker.log, "build-unit.log")
    rc, secs = worker.build(worker.asan, worker.unit, log)
    rec["unit_build_secs"] = round(secs, 2)
    if rc:
        rec.update(status="unviable", detail="the unit-test build failed where the replay build did not")
        return finish(rec, t0, "unit_secs")
    bad = run_unit(worker, opts["unit_timeout"])
    if bad:
        rec.update(status=bad["status"], stage="unit", by=f"tests/kernel/{bad['test']}",
                   signature=bad["signature"])
        # Dead now: no fuzz run to wait for.
        if rec.get("fuzzed") is False:
            del rec["fuzzed"]
    return finish(rec, t0, "unit_secs")


def fuzz_mutant(worker, mut, opts, rec):
    """Stage two, for a survivor of stage one: a libFuzzer run."""
    t0 = time.monotonic()
    rec = dict(rec, fuzzed=True)
    worker.place(mut)
    rc, _ = worker.build(worker.libfuzzer, "mmrig-fuzz-libfuzzer",
                         os.path.join(worker.log, "build-libfuzzer.log"))
    if rc:
        rec.update(status="unviable", detail="the libfuzzer build failed where the replay build did not")
        return finish(rec, t0, "fuzz_secs")
    art = os.path.join(opts["out"], "crashes", mut.id.replace(":", "_"))
    got = fuzz(worker, opts["fuzz_time"], opts["seed"], opts["timeout"], art)
    if got:
        rec.update(status=got[0], stage="fuzz", by="fuzz", signature=got[1])
        sig = replay_signature(worker, art, opts["timeout"])
        if sig:
            rec["signature"] = sig
    return finish(rec, t0, "fuzz_secs")


def replay_signature(worker, art, timeout):
    """The rig's own signature of a fuzz crash file: libFuzzer prints a
    sanitizer's first line for a crash, mmrig-replay (rebuilt with the
    same mutant) the `<class> in <function>` that triage groups by. None
    when there is no crash file or the replay does not fail with one."""
    files = [os.path.join(art, f) for f in sorted(os.listdir(art))
             if f.startswith(("crash-", "timeout-", "oom-", "leak-"))] if os.path.isdir(art) else []
    if not files or worker.build(worker.asan, "mmrig-replay", os.path.join(worker.log, "build-asan.log"))[0]:
        return None
    bad = replay(worker.replay_tool(), files[:1], timeout, os.path.join(worker.log, "replay-crash.log"))
    return bad["signature"] if bad and not bad["signature"].startswith("exit ") else None


def finish(rec, t0, key="secs"):
    rec[key] = round(time.monotonic() - t0, 2)
    return rec


# ---------------------------------------------------------------- journal

def load_journal(path):
    """Finished mutants by id; a torn last line (a kill mid-write) is
    ignored, and the mutant is run again."""
    done = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                done[rec["id"]] = rec
    except FileNotFoundError:
        pass
    return done


# ---------------------------------------------------------------- report

def stale_equivalent(equivalent, sel):
    """Listed ids of the selection's files that the generator no longer
    makes (the code changed under them: the entry needs a new review)."""
    files = kernel_files(sel["files"])
    names = {os.path.basename(f) for f in files}
    listed = [i for i in equivalent if i.split(":", 1)[0] in names]
    if not listed:
        return []
    known = {m.id for m in all_mutants(files, [])}
    return sorted(i for i in listed if i not in known)


def needs_unit(rec, sel):
    """A replay survivor whose unit stage is still to come: marked
    `unit: false`, or from a journal older than the stage (no mark)."""
    return rec["status"] == "survived" and not rec.get("unit") and not sel.get("no_unit")


def stage_of(rec):
    """The stage that killed rec; journals older than the `stage` field
    name the fuzz stage in `by` or the status alone."""
    if rec.get("stage"):
        return rec["stage"]
    return "fuzz" if rec["status"] == "killed-fuzz" or rec.get("by") == "fuzz" else "replay"


def classify(rec, equivalent, sel):
    if rec["status"] == "survived" and rec["id"] in equivalent:
        return "equivalent"
    if needs_unit(rec, sel):
        return "awaiting-unit"
    if rec["status"] == "survived" and rec.get("fuzzed") is False:
        return "awaiting-fuzz"
    return rec["status"]


WAITING = ("awaiting-unit", "awaiting-fuzz")


def counted_of(counts):
    """Viable, non-equivalent mutants with a result: the score's base."""
    return sum(counts[s] for s in KILLED) + counts["survived"] + sum(counts[s] for s in WAITING)


def score_of(counts, stages=STAGES):
    """Killed by the given stages (timeouts included) over the mutants
    counted; the replay stage alone is the seeds + regression score."""
    counted = counted_of(counts)
    return (100.0 * sum(counts["by-" + st] for st in stages) / counted) if counted else None


def with_scores(counts):
    return dict(counts, score=score_of(counts), replay_score=score_of(counts, ("replay",)))


def make_report(muts, done, equivalent, sel, out):
    texts = {}
    rows, by_file, by_op = [], {}, {}
    blank = lambda: dict({s: 0 for s in STATUSES}, total=0, pending=0,  # noqa: E731
                         **{"by-" + st: 0 for st in STAGES})
    survivors = []
    for m in muts:
        f = by_file.setdefault(m.file, blank())
        o = by_op.setdefault(m.op, blank())
        for c in (f, o):
            c["total"] += 1
        rec = done.get(m.id)
        if rec is None:
            f["pending"] += 1
            o["pending"] += 1
            continue
        st = classify(rec, equivalent, sel)
        for c in (f, o):
            c[st] += 1
            if st in KILLED:
                c["by-" + stage_of(rec)] += 1
        entry = dict(rec, status=st)
        if st in KILLED:
            entry["stage"] = stage_of(rec)
        if st in ("survived", "equivalent") + WAITING:
            if m.file not in texts:
                texts[m.file] = read(m.file)
            entry["diff"] = m.diff(texts[m.file], m.file)
            entry["change"] = m.describe()
            if st == "equivalent":
                entry["reason"] = equivalent[m.id]
            else:
                survivors.append(entry)
        rows.append(entry)
    total = blank()
    for c in by_file.values():
        for k in total:
            total[k] += c[k]
    stale = stale_equivalent(equivalent, sel)
    wrong = sorted(m.id for m in muts if m.id in equivalent and m.id in done
                   and done[m.id]["status"] in KILLED)
    doc = {"selection": sel, "total": with_scores(total),
           "files": {k: with_scores(v) for k, v in by_file.items()},
           "operators": {k: with_scores(v) for k, v in by_op.items()},
           "stale_equivalent": stale, "killed_equivalent": wrong, "results": rows}
    atomic_write(os.path.join(out, "report.json"), json.dumps(doc, indent=1) + "\n")
    atomic_write(os.path.join(out, "report.md"), markdown(doc, survivors, rows))
    return doc


def _pct(v):
    return "-" if v is None else f"{v:.1f}%"


def _table(title, counts):
    lines = [f"| {title} | mutants | killed: replay | unit | fuzz | (timed out) | survived "
             "| not unit-tested yet | not fuzzed yet | unviable | equivalent | not run "
             "| replay score | score |",
             "|---|" + "---:|" * 13]
    for name, c in counts:
        lines.append(f"| {name} | {c['total']} | {c['by-replay']} | {c['by-unit']} | {c['by-fuzz']} | "
                     f"{c['timeout']} | {c['survived']} | {c['awaiting-unit']} | {c['awaiting-fuzz']} | "
                     f"{c['unviable']} | {c['equivalent']} | {c['pending']} | "
                     f"{_pct(score_of(c, ('replay',)))} | {_pct(score_of(c))} |")
    return lines


def _stages(sel):
    """The selection's stages in words."""
    return ("seeds + regression, " + ("no unit stage" if sel.get("no_unit") else "then the kernel unit tests")
            + ", " + ("no fuzzing" if sel["no_fuzz"] else f"then {sel['fuzz_time']} s of fuzzing each"))


def _kills(c):
    """`N killed (R by the replay, U by the unit tests, F by fuzzing; T timed out)`."""
    return (f"{sum(c['by-' + st] for st in STAGES)} killed ({c['by-replay']} by the replay, "
            f"{c['by-unit']} by the unit tests, {c['by-fuzz']} by fuzzing; {c['timeout']} timed out)")


_WAITING_NOTE = {"awaiting-unit": " (not unit-tested yet)", "awaiting-fuzz": " (not fuzzed yet)"}


def markdown(doc, survivors, rows):
    t = doc["total"]
    sel = doc["selection"]
    run = t["total"] - t["pending"]
    lines = ["# Mutation report", "",
             f"Selection: files {', '.join(sel['files']) or 'all of kernel/mm'}; "
             + (f"ids {', '.join(sel['ids'])}; " if sel.get("ids") else "") + "operators "
             f"{', '.join(sel['operators']) or 'all'}; "
             + (f"sample {sel['sample']} (seed {sel['seed']}); " if sel["sample"] else "")
             + _stages(sel) + ".", "",
             f"**Score: {_pct(t['score'])}** of non-equivalent viable mutants killed "
             f"({_kills(t)} of {counted_of(t)}); the replay stage alone (seeds + regression): "
             f"**{_pct(t['replay_score'])}**; "
             f"{run} of {t['total']} mutants run" + (" (partial run)" if t["pending"] else "") + ".", ""]
    lines += _table("file", sorted(doc["files"].items()) + [("**all**", t)])
    lines += [""] + _table("operator", [(k, doc["operators"][k]) for k in mutants.OPERATORS
                                        if k in doc["operators"]])
    if doc["stale_equivalent"]:
        lines += ["", "Listed as equivalent but no longer generated: "
                  + ", ".join(f"`{i}`" for i in doc["stale_equivalent"])]
    if doc["killed_equivalent"]:
        lines += ["", "Listed as equivalent but killed (the entry is wrong): "
                  + ", ".join(f"`{i}`" for i in doc["killed_equivalent"])]
    unit = [r for r in rows if r.get("stage") == "unit"]
    if unit:
        lines += ["", f"## Killed by the unit stage ({len(unit)})", "",
                  "| mutant | test | signature |", "|---|---|---|"]
        lines += [f"| `{r['id']}` | {r['by']} | `{r['signature'].replace('|', '/')}` |" for r in unit]
    lines += ["", f"## Survivors ({len(survivors)})", ""]
    for s in survivors:
        lines += [f"### `{s['id']}`", "", f"{s['file']}:{s['line']}, {s['func']}: `{s['change']}`"
                  + _WAITING_NOTE.get(s["status"], ""), "",
                  "```diff", s["diff"].rstrip("\n"), "```", ""]
    eq = [r for r in rows if r["status"] == "equivalent"]
    if eq:
        lines += [f"## Equivalent ({len(eq)}, tests/mutation/equivalent.txt)", ""]
        lines += [f"- `{r['id']}` (`{r['change']}`): {r['reason']}" for r in eq]
    return "\n".join(lines) + "\n"


def print_summary(doc):
    t = doc["total"]
    for i in doc["killed_equivalent"]:
        print(f"mutate: warning: {i} is listed as equivalent but was killed", file=sys.stderr)
    for name, c in sorted(doc["files"].items()):
        say(f"{os.path.basename(name):12} killed {c['by-replay']:4} + unit {c['by-unit']:3} + fuzz {c['by-fuzz']:3}  "
            f"timed out {c['timeout']:3}  survived {c['survived'] + c['awaiting-unit'] + c['awaiting-fuzz']:4}  "
            f"unviable {c['unviable']:4}  equivalent {c['equivalent']:3}  not run {c['pending']:4}  "
            f"score {_pct(c['score'])} (replay {_pct(c['replay_score'])})")
    waiting = [f"{t[s]} {w.strip(' ()')}" for s, w in _WAITING_NOTE.items() if t[s]]
    say(f"score {_pct(t['score'])}: {_kills(t)}, {t['survived']} survived"
        + (f" ({', '.join(waiting)})" if waiting else "") + ", "
        f"{t['unviable']} unviable, {t['equivalent']} equivalent, {t['pending']} not run; "
        f"replay stage alone {_pct(t['replay_score'])}")


# ---------------------------------------------------------------- main

SEL_KEYS = ("files", "operators", "ids", "sample", "seed", "fuzz_time", "no_fuzz", "timeout",
            "no_unit", "unit_timeout")


def main(argv):
    a = parse_args(argv)
    equivalent = load_equivalent(a.equivalent)
    sel = {k: getattr(a, k) for k in SEL_KEYS}
    cfg_path = os.path.join(a.out, "config.json")
    journal = os.path.join(a.out, "journal.jsonl")
    if a.resume or a.report:
        try:
            with open(cfg_path) as f:
                sel = json.load(f)["selection"]
        except (OSError, ValueError, KeyError):
            die(f"mutate: {a.out} holds no run to {'resume' if a.resume else 'report'} (no config.json)")
        # A run from before the unit stage gets it, with the default limit.
        for k in ("no_unit", "unit_timeout"):
            sel.setdefault(k, getattr(a, k) if k == "unit_timeout" else False)
    sel["files"] = [os.path.basename(f) for f in kernel_files(sel["files"])] if sel["files"] else []
    muts = select(sel)
    for i in stale_equivalent(equivalent, sel):
        print(f"mutate: warning: {a.equivalent}: {i} is listed as equivalent but no longer generated",
              file=sys.stderr)
    if a.list:
        texts = {}
        for m in muts:
            print(f"{m.id}\t{m.file}:{m.line}:{m.col}\t{m.describe()}")
            if a.diff:
                texts.setdefault(m.file, read(m.file))
                print(m.diff(texts[m.file], m.file))
        return 0
    os.makedirs(a.out, exist_ok=True)
    done = load_journal(journal)
    if a.report:
        # No lock: a report of a run still going is a snapshot of its
        # journal (the files are replaced whole).
        doc = make_report(muts, done, equivalent, sel, a.out)
        print_summary(doc)
        return 0
    _lock = lock_dir(a.out, "mutation run")  # noqa: F841
    done = load_journal(journal)
    if done and not a.resume:
        die(f"mutate: {a.out} holds a run already: --resume it, or name another --out")
    atomic_write(cfg_path, json.dumps({"selection": sel}, indent=1) + "\n")
    opts = dict(sel, out=a.out)
    todo = [m for m in muts if m.id not in done]
    programs = [p for d in PROGRAM_DIRS for p in files_in(d) if p.endswith(".mmr")]

    # Survivors are fuzzed in a seeded shuffle, not file by file: a fuzz
    # stage cut short is then a fair sample of every file and operator.
    shuffled = [m.id for m in muts]
    random.Random(sel["seed"]).shuffle(shuffled)
    fuzz_order = {i: k for k, i in enumerate(shuffled)}

    def unit_todo():
        # Listed equivalents too: the stage is cheap, and a kill shows the entry is wrong.
        return [m for m in muts if m.id in done and needs_unit(done[m.id], sel)]

    def fuzz_todo():
        if sel["no_fuzz"]:
            return []
        return sorted((m for m in muts if m.id in done and done[m.id]["status"] == "survived"
                       and not done[m.id].get("fuzzed") and m.id not in equivalent),
                      key=lambda m: fuzz_order[m.id])

    tests = [] if sel["no_unit"] else unit_tests()
    say(f"{len(muts)} mutants selected, {len(muts) - len(todo)} run, {len(todo)} to run; "
        f"{len(programs)} programs; "
        + ("no unit stage" if sel["no_unit"] else f"{len(tests)} unit tests ({len(unit_todo())} waiting)") + "; "
        + ("no fuzzing" if sel["no_fuzz"] else
           f"survivors fuzzed {sel['fuzz_time']} s ({len(fuzz_todo())} waiting)"))
    jobs = min(a.jobs, max(1, len(todo) or len(unit_todo()) or len(fuzz_todo())))
    workers = [Worker(a.trees, k, not sel["no_fuzz"], tests) for k in range(jobs)]
    say("building the unmutated trees (once per tree; later runs reuse them)")
    for w in workers:
        w.setup(programs, sel["timeout"], sel["unit_timeout"])
    free = list(workers)
    lock = threading.Lock()
    jf = open(journal, "a", encoding="utf-8")
    by_id = {m.id: m for m in muts}

    def task(stage, mut):
        if INTERRUPTED.is_set():
            return None
        with lock:
            w = free.pop()
        try:
            if stage == "replay":
                rec = run_mutant(w, mut, opts, programs)
            elif stage == "unit":
                rec = unit_mutant(w, mut, opts, done[mut.id])
            else:
                rec = fuzz_mutant(w, mut, opts, done[mut.id])
        finally:
            with lock:
                free.append(w)
        with lock:
            # A mutant cut short by Ctrl-C has no result: it runs again on --resume.
            if INTERRUPTED.is_set():
                return None
            jf.write(json.dumps(rec, sort_keys=True) + "\n")
            jf.flush()
            os.fsync(jf.fileno())
            done[rec["id"]] = rec
            ran = {"replay": lambda r: True, "unit": lambda r: r.get("unit"), "fuzz": lambda r: r.get("fuzzed")}[stage]
            n = sum(1 for i, r in done.items() if i in by_id and ran(r))
            total = {"replay": lambda: len(muts), "unit": lambda: n + len(unit_todo()),
                     "fuzz": lambda: n + len(fuzz_todo())}[stage]()
            secs = rec.get({"replay": "secs", "unit": "unit_secs", "fuzz": "fuzz_secs"}[stage], rec["secs"])
            say(f"[{stage} {n}/{total}] {classify(rec, equivalent, sel):13} {rec['id']} "
                f"({secs:.1f} s{', ' + rec['signature'] if rec.get('signature') else ''})")
        return rec

    interrupted = False
    t0 = time.monotonic()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    try:
        # Every mutant's replay first: the replay-stage score of a long run
        # is known early; the unit tests (seconds) then thin the survivors
        # before fuzzing (a minute each) works through the rest.
        for stage, batch in (("replay", lambda: todo), ("unit", unit_todo), ("fuzz", fuzz_todo)):
            batch = batch()
            if stage == "unit" and batch:
                say(f"unit stage: {len(tests)} tests of tests/kernel against {len(batch)} survivors")
            if stage == "fuzz" and batch:
                say(f"fuzzing {len(batch)} survivors, {sel['fuzz_time']} s each")
            for fut in [pool.submit(task, stage, by_id[m.id]) for m in batch]:
                fut.result()
    except KeyboardInterrupt:
        interrupted = True
        INTERRUPTED.set()
        say("interrupted: stopping the mutants in flight")
        kill_running()
        pool.shutdown(wait=True, cancel_futures=True)
    else:
        pool.shutdown()
    jf.close()
    for w in workers:
        w.place(None)
    doc = make_report(muts, done, equivalent, sel, a.out)
    print_summary(doc)
    if todo and not interrupted:
        say(f"{len(todo)} mutants in {time.monotonic() - t0:.0f} s")
    say(f"report: {os.path.join(a.out, 'report.md')}")
    if interrupted:
        say(f"resume with: scripts/mmrig mutate --resume --out {a.out}")
        return 130
    if a.min_score is not None and (doc["total"]["score"] or 0) < a.min_score:
        return 1
    return 0


def on_term(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_term)
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        # Outside the mutant loop (building the unmutated trees): nothing
        # of the run's is lost, the child is gone (run_quiet).
        kill_running()
        print("mutate: interrupted", file=sys.stderr)
        sys.exit(130)
