#!/usr/bin/env python3
"""mmrig fuzz: a fuzz campaign on the clean kernel for a time budget.

The allocator under test is kbuddy unless --allocator names another (its
seeds and dictionary then come from mmrig-conv, rig/allocator.py); every
engine and replay process gets MMRIG_ALLOCATOR, every replay --allocator.

libFuzzer (-fork) and AFL++ (-M / -S instances) run side by side on one
shared corpus (OUT/corpus), resumable after a kill (--resume), with a
progress line every 10 s and a summary at the end. Every new crash file is
replayed once in a fresh process (mmrig-replay from the host-asan build) for
its signature. Nothing this script writes deletes or modifies a corpus
entry, a crash file or a hang file. The reference is docs/man/mmrig-fuzz.md.

Exit status: 0 no crash file, 1 crash files found, 2 bad usage, a build
failure, an engine that failed on its own, or an unusable --out.
"""
import argparse
import glob
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rig import allocator, artifacts, procs  # noqa: E402
from rig.common import (ROOT, build, build_log, die, parse_duration, positive, tool, tree,  # noqa: E402
                        use_adapters)  # noqa: E402
from rig.engines import (AFL_SANITIZER_ENV, AFL_TARGETS, LF_TARGET, REPLAY_SANITIZER_ENV,  # noqa: E402
                         afl_stats, libfuzzer_status)  # noqa: E402
from rig.fs import file_hash, files_in, lock_dir, read_json, write_json  # noqa: E402
from rig.procs import kill_pid, our_children, pdeathsig, proc_stat, reap  # noqa: E402

TICK = 10.0          # seconds between progress lines and progress.tsv rows
GRACE = 5.0          # after the deadline, before the engines are told to stop
TERM_WAIT = 10.0     # after SIGTERM, before SIGKILL
REPLAY_BATCH = 16    # crash files per mmrig-replay run
FINAL_REPLAY_S = 120 # replay time allowed after the engines stopped
# 2: binary inputs begin with their format byte. A campaign of version 1
# holds version-less inputs, which the tools refuse: it cannot be resumed.
STATE_VERSION = 2
# Extra AFL++ secondaries differ by power schedule so they explore apart.
SCHEDULES = ("explore", "coe", "exploit", "rare", "seek", "mmopt", "lin", "quad", "fast")
TSV_HEADER = "elapsed_s\texecs\texecs_per_s\tcorpus\tlf_cov\tafl_edges\tcrashes\tsignatures\n"
NOT_REPRODUCIBLE = "not reproducible (passes on replay)"

stop_reason = None  # set by SIGINT / SIGTERM / SIGHUP


def on_signal(signum, frame):
    global stop_reason
    stop_reason = signal.Signals(signum).name


def say(msg):
    print(f"[mmrig fuzz] {msg}", flush=True)


# ---------------------------------------------------------------- options


positive_int = positive(int, "must be at least 1")


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="mmrig fuzz",
        description="A fuzz campaign on the clean kernel: libFuzzer and AFL++ side by "
                    "side on one shared corpus (docs/man/mmrig-fuzz.md).")
    # Options that a resumed campaign takes from OUT/campaign.json unless
    # given again default to None here; DEFAULTS fills in a fresh campaign.
    p.add_argument("--time", type=parse_duration, metavar="DUR",
                   help="total budget of the campaign: seconds or 90s/10m/1h (default 300)")
    p.add_argument("--jobs", type=positive_int, metavar="N",
                   help=f"processes to fuzz with (default: all cores, {os.cpu_count()})")
    p.add_argument("--engine", choices=("libfuzzer", "afl", "both"), help="default both")
    p.add_argument("--out", metavar="DIR", default=os.path.join(ROOT, "out", "fuzz"),
                   help="campaign directory (default out/fuzz)")
    p.add_argument("--resume", action="store_true",
                   help="continue the campaign in --out (its options are kept unless given again)")
    p.add_argument("--seeds", metavar="DIR", help="start inputs (default: the binary seeds of the host-asan build)")
    p.add_argument("--timeout", type=positive_int, metavar="SECS", help="limit per input (default 10)")
    p.add_argument("--rss-mb", type=positive_int, metavar="N", help="libFuzzer -rss_limit_mb (default 2048)")
    allocator.add_args(p, default_help="kbuddy, or the resumed campaign's")
    return p.parse_args(argv)


DEFAULTS = {"time": 300.0, "jobs": os.cpu_count() or 1, "engine": "both",
            "seeds": None, "timeout": 10, "rss_mb": 2048,
            "allocator": allocator.DEFAULT, "adapters": []}


# ---------------------------------------------------------------- small helpers

def clock(secs):
    secs = max(0, int(secs + 0.5))
    h, rest = divmod(secs, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60:02d}:{rest % 60:02d}"


def rel(path, out):
    return os.path.relpath(path, out)


# ---------------------------------------------------------------- processes

def stragglers(out):
    """Engine processes of the campaign in `out`, alive or stopped, whoever
    their parent is now: programs run from OUT/bin (the targets, libFuzzer
    and its fork jobs, AFL++'s fork servers and their persistent children,
    which AFL++ 4.04c leaves stopped) and afl-fuzz writing to OUT/afl.
    Only processes of our own user are looked at."""
    bindir = os.path.join(out, "bin") + os.sep
    afl_out = os.path.join(out, "afl")
    me, uid = os.getpid(), os.getuid()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            if os.stat(f"/proc/{name}").st_uid != uid:
                continue
            exe = os.readlink(f"/proc/{name}/exe")
            with open(f"/proc/{name}/cmdline", "rb") as f:
                args = f.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if exe.endswith(" (deleted)"):
            exe = exe[:-len(" (deleted)")]
        if exe.startswith(bindir):
            found.append(int(name))
        elif os.path.basename(exe) == "afl-fuzz":
            if any(a == "-o" and b == afl_out for a, b in zip(args, args[1:])):
                found.append(int(name))
    return found


class Engine:
    def __init__(self, name, kind, cmd, env, cwd, log, meta):
        self.name, self.kind, self.cmd, self.env, self.cwd = name, kind, cmd, env, cwd
        self.log, self.meta = log, meta
        self.proc = None
        self.status = None
        self.stopped_by_us = False

    def start(self, banner):
        with open(self.log, "ab") as logf:
            logf.write(f"\n==== mmrig fuzz {banner}\n==== {' '.join(self.cmd)}\n".encode())
            logf.flush()
            self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                         stdout=logf, stderr=subprocess.STDOUT,
                                         start_new_session=True, preexec_fn=pdeathsig)

    def alive(self):
        if self.proc is None or self.status is not None:
            return False
        rc = self.proc.poll()
        if rc is None:
            return True
        self.status = rc
        return False

    def signal_group(self, sig):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except OSError:
            pass


def stop_engines(engines, out, exclude=()):
    """Ends every process the campaign started: SIGTERM to each engine's
    process group (the engines save their state), SIGKILL after TERM_WAIT,
    then any straggler of this campaign (stopped ones included) and any
    orphan reparented to us, and reaps them all."""
    for e in engines:
        if e.alive():
            e.stopped_by_us = True
            e.signal_group(signal.SIGTERM)
    end = time.monotonic() + TERM_WAIT
    while time.monotonic() < end and any(e.alive() for e in engines):
        time.sleep(0.2)
    for e in engines:
        e.signal_group(signal.SIGKILL)
        if e.proc is not None:
            try:
                e.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            e.alive()
    managed = {e.proc.pid for e in engines if e.proc} | set(exclude)
    for _ in range(25):
        pids = set(stragglers(out)) | set(our_children(managed))
        if not pids:
            break
        for pid in pids:
            kill_pid(pid, signal.SIGKILL)
            kill_pid(pid, signal.SIGCONT)
        time.sleep(0.2)
        for pid in our_children(managed):
            reap(pid)
    return stragglers(out)


# ---------------------------------------------------------------- the plan

def split_jobs(engine, jobs):
    if engine == "libfuzzer":
        return jobs, 0
    if engine == "afl":
        return 0, jobs
    lf = max(1, jobs // 2)
    return lf, max(1, jobs - lf)


def afl_roles(n):
    """AFL++ instances for n jobs: (name, -M/-S, target, with -c cmplog, schedule).
    1: the main instance runs the ASan target with CMPLOG;
    2: main on the plain target with CMPLOG, a secondary on the ASan target;
    3+: main plain, an ASan secondary, a CMPLOG secondary (plain + -c), and
        plain secondaries s1, s2, ... each with another power schedule."""
    if n == 1:
        return [("main", "-M", "asan", True, None)]
    if n == 2:
        return [("main", "-M", "plain", True, None), ("asan", "-S", "asan", False, None)]
    roles = [("main", "-M", "plain", False, None), ("asan", "-S", "asan", False, None),
             ("cmplog", "-S", "plain", True, None)]
    for i in range(1, n - 2):
        roles.append((f"s{i}", "-S", "plain", False, SCHEDULES[(i - 1) % len(SCHEDULES)]))
    return roles


def afl_has_state(inst_dir):
    """An AFL++ instance directory that must be resumed with -i - (a fresh
    -i would make afl-fuzz delete its queue, crashes and hangs)."""
    if os.path.exists(os.path.join(inst_dir, "fuzzer_stats")):
        return True
    return any(glob.glob(os.path.join(inst_dir, d, "id:*")) for d in ("queue", "crashes", "hangs", "_resume"))


def install_binaries(out, names):
    """Copies the targets into OUT/bin (atomically, so a straggler still
    running the old copy is no obstacle): the campaign's processes are then
    recognisable by their path, and a rebuild during a campaign changes
    nothing under it."""
    bindir = os.path.join(out, "bin")
    os.makedirs(bindir, exist_ok=True)
    paths = {}
    for preset, name in names:
        src = tool(preset, name)
        dst = os.path.join(bindir, name)
        tmp = f"{dst}.tmp{os.getpid()}"
        shutil.copy2(src, tmp)
        os.replace(tmp, dst)
        paths[name] = dst
    return paths


def make_engines(opts, out, seeds, bins, remaining, dict_path):
    lf_jobs, afl_jobs = split_jobs(opts["engine"], opts["jobs"])
    secs = str(max(1, int(remaining + 0.999)))
    engines = []
    # The targets read the allocator under test from MMRIG_ALLOCATOR.
    base_env = allocator.env(os.environ, opts["allocator"])
    base_env.setdefault("ASAN_SYMBOLIZER_PATH", REPLAY_SANITIZER_ENV["ASAN_SYMBOLIZER_PATH"])
    if lf_jobs:
        lfdir = os.path.join(out, "libfuzzer")
        tmpdir = os.path.join(lfdir, "tmp")
        os.makedirs(os.path.join(lfdir, "crashes"), exist_ok=True)
        os.makedirs(tmpdir, exist_ok=True)
        env = dict(base_env)
        env.setdefault("ASAN_OPTIONS", REPLAY_SANITIZER_ENV["ASAN_OPTIONS"])
        # -fork's job directories go under OUT, not /tmp.
        env["TMPDIR"] = tmpdir
        cmd = [bins[LF_TARGET], f"-fork={lf_jobs}", "-ignore_crashes=1", "-ignore_ooms=1",
               "-ignore_timeouts=1", f"-max_total_time={secs}", f"-timeout={opts['timeout']}",
               f"-rss_limit_mb={opts['rss_mb']}", f"-dict={dict_path}",
               f"-artifact_prefix={os.path.join(lfdir, 'crashes')}/", "-print_final_stats=1",
               os.path.join(out, "corpus"), seeds]
        engines.append(Engine("libfuzzer", "libfuzzer", cmd, env, lfdir,
                              os.path.join(lfdir, "fuzz.log"), {"jobs": lf_jobs}))
    if afl_jobs:
        afl_out = os.path.join(out, "afl")
        os.makedirs(afl_out, exist_ok=True)
        env = dict(base_env)
        for k in [k for k in env if k.startswith("AFL_")]:
            del env[k]
        env.update(AFL_NO_UI="1", AFL_SKIP_CPUFREQ="1", AFL_NO_AFFINITY="1",
                   AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES="1",
                   # No README.txt: an empty crashes/ is not moved aside on resume.
                   AFL_NO_CRASH_README="1",
                   # A seed that crashes is skipped, not fatal.
                   AFL_SKIP_CRASHES="1",
                   # Instances exchange finds every minute (4.04c default: 30).
                   AFL_SYNC_TIME="1",
                   AFL_FORKSRV_INIT_TMOUT="30000", **AFL_SANITIZER_ENV)
        for name, mode, target, cmplog, sched in afl_roles(afl_jobs):
            inst_dir = os.path.join(afl_out, name)
            resume = afl_has_state(inst_dir)
            ienv = dict(env)
            if resume:
                ienv["AFL_CMPLOG_ONLY_NEW"] = "1"
            cmd = ["afl-fuzz", "-i", "-" if resume else seeds, "-o", afl_out, mode, name]
            if mode == "-M":
                cmd += ["-F", os.path.join(out, "corpus")]
            cmd += ["-x", dict_path, "-t", str(opts["timeout"] * 1000), "-m", "none", "-V", secs]
            if cmplog:
                cmd += ["-c", bins[AFL_TARGETS["cmplog"]]]
            if sched:
                cmd += ["-p", sched]
            cmd += ["--", bins[AFL_TARGETS[target]]]
            role = f"{mode} {target}" + (" + cmplog" if cmplog else "") + (f" -p {sched}" if sched else "")
            engines.append(Engine(f"afl/{name}", "afl", cmd, ienv, afl_out,
                                  os.path.join(afl_out, f"{name}.log"),
                                  {"instance": name, "role": role, "resumed": resume,
                                   "execs_at_start": afl_stats(inst_dir)["execs"] if resume else 0}))
    return engines


# ---------------------------------------------------------------- figures

class LibFuzzerLog:
    """Follows fuzz.log from where this segment's run began: libFuzzer
    -fork prints '#EXECS: cov: C ft: F corp: N exec/s E ...' as each fork
    job ends."""
    def __init__(self, path):
        self.path = path
        self.offset = os.path.getsize(path) if os.path.exists(path) else 0
        self.execs, self.cov, self.ft = 0, None, None
        self.tail = b""

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except OSError:
            return
        self.offset += len(data)
        data = self.tail + data
        cut = data.rfind(b"\n") + 1
        self.tail = data[cut:]
        for line in data[:cut].decode(errors="replace").splitlines():
            st = libfuzzer_status(line)
            if st:
                self.execs = max(self.execs, st["execs"])
                self.cov, self.ft = st["cov"], st["ft"]


def crash_files(out):
    """Every crash, timeout, OOM, leak and hang file of the campaign that is
    a file (rig/artifacts.py finds them)."""
    return [p for p in artifacts.campaign_artifacts(out) if os.path.isfile(p)]


class CorpusSync:
    """The shared corpus OUT/corpus, known by content (sha1, the name
    libFuzzer gives its own entries). sync() copies every AFL++ queue
    entry whose content is not in it yet, named by that hash: write to
    OUT/.sync then rename, so nobody reads half a file. Only adds."""
    def __init__(self, out):
        self.out = out
        self.dir = os.path.join(out, "corpus")
        self.tmp = os.path.join(out, ".sync")
        self.cache = {}      # path -> ((size, mtime_ns), sha1)
        self.known = set()   # sha1 of every entry in OUT/corpus

    def _hash(self, path):
        try:
            st = os.stat(path)
        except OSError:
            return None
        key = (st.st_size, st.st_mtime_ns)
        hit = self.cache.get(path)
        if hit and hit[0] == key:
            return hit[1]
        try:
            digest = file_hash(path, "sha1")
        except OSError:
            return None
        self.cache[path] = (key, digest)
        return digest

    def scan_corpus(self):
        entries = files_in(self.dir)
        for p in entries:
            h = self._hash(p)
            if h:
                self.known.add(h)
        return len(entries)

    def sync(self):
        self.scan_corpus()
        added = 0
        for q in sorted(glob.glob(os.path.join(self.out, "afl", "*", "queue"))):
            for p in files_in(q):
                if not os.path.basename(p).startswith(artifacts.AFL_PREFIX):
                    continue
                h = self._hash(p)
                if not h or h in self.known:
                    continue
                dst = os.path.join(self.dir, h)
                if not os.path.exists(dst):
                    os.makedirs(self.tmp, exist_ok=True)
                    tmp = os.path.join(self.tmp, h)
                    try:
                        shutil.copyfile(p, tmp)
                    except OSError:
                        continue
                    if file_hash(tmp, "sha1") != h:  # changed under us: next time
                        os.unlink(tmp)
                        continue
                    os.replace(tmp, dst)
                    added += 1
                self.known.add(h)
        return added


class Signatures:
    """Unique crash signatures: each new artifact (by sha256) is replayed
    once by mmrig-replay --json, in the background, a batch at a time; the
    results are cached in OUT/signatures.json across resumes."""
    def __init__(self, out, replay, timeout, alloc=allocator.DEFAULT):
        self.out, self.replay, self.timeout, self.allocator = out, replay, timeout, alloc
        self.path = os.path.join(out, "signatures.json")
        self.db = read_json(self.path, {}).get("by_sha256", {})
        self.paths = {}      # artifact path -> sha256
        self.first_seen = {} # sha256 -> campaign elapsed when first listed
        self.proc = None
        self.batch = []
        self.batch_deadline = 0
        self.result_file = os.path.join(out, ".replay.json")

    def pid(self):
        return self.proc.pid if self.proc else None

    def scan(self, files, elapsed):
        for p in files:
            if p not in self.paths:
                try:
                    self.paths[p] = file_hash(p, "sha256")
                except OSError:
                    continue
            self.first_seen.setdefault(self.paths[p], elapsed)

    def pending(self):
        seen, todo = set(), []
        for p, h in self.paths.items():
            if h not in self.db and h not in seen:
                seen.add(h)
                todo.append(p)
        return todo

    def step(self, elapsed):
        """Collects a finished batch and starts the next; never blocks."""
        if self.proc is not None:
            if self.proc.poll() is None and time.monotonic() < self.batch_deadline:
                return
            self._collect(elapsed)
        todo = self.pending()
        if todo and os.path.exists(self.replay):
            self._start(todo[:REPLAY_BATCH])

    def _start(self, batch):
        env = allocator.env(dict(os.environ, **REPLAY_SANITIZER_ENV), self.allocator)
        self.batch = batch
        self.batch_deadline = time.monotonic() + len(batch) * (self.timeout + 5) + 30
        with open(self.result_file, "wb") as f:
            self.proc = subprocess.Popen([self.replay, "--json", "--form", "binary",
                                          "--allocator", self.allocator,
                                          "--timeout", str(self.timeout), *batch],
                                         stdout=f, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                         env=env, preexec_fn=pdeathsig)

    def _collect(self, elapsed):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        by_file = {r.get("file"): r for r in read_json(self.result_file, {}).get("results", [])}
        for p in self.batch:
            h = self.paths.get(p)
            if not h or h in self.db:
                continue
            r = by_file.get(p)
            if r is None:
                sig, result = "replay error (no result)", "ERROR"
            elif r.get("result") == "PASS":
                sig, result = NOT_REPRODUCIBLE, "PASS"
            elif r.get("result") == "FAIL":
                sig, result = r.get("signature", "crash"), "FAIL"
            else:
                sig, result = "replay error", r.get("result", "ERROR")
            self.db[h] = {"signature": sig, "result": result, "file": rel(p, self.out),
                          "first_seen_s": round(self.first_seen.get(h, elapsed), 1)}
        self.batch = []
        try:
            os.unlink(self.result_file)
        except OSError:
            pass
        write_json(self.path, {"by_sha256": self.db}, sort_keys=True)

    def finish(self, elapsed, limit):
        end = time.monotonic() + limit
        while (self.proc is not None or self.pending()) and time.monotonic() < end:
            self.step(elapsed)
            time.sleep(0.2)
        if self.proc is not None:
            self.batch_deadline = 0
            self._collect(elapsed)

    def groups(self):
        """signature -> [artifact paths], the first-found artifact first."""
        g = {}
        for p, h in self.paths.items():
            e = self.db.get(h)
            sig = e["signature"] if e else "not replayed yet"
            g.setdefault(sig, []).append(p)
        for sig, ps in g.items():
            ps.sort(key=lambda p: (self.db.get(self.paths[p], {}).get("first_seen_s", 1e18),
                                   os.path.getmtime(p) if os.path.exists(p) else 0, p))
        return g

    def unique(self):
        return sorted({e["signature"] for h, e in self.db.items()
                       if e.get("result") == "FAIL" and h in set(self.paths.values())})


# ---------------------------------------------------------------- the campaign

class Counter:
    """Campaign-wide executions per source (libfuzzer, afl/<instance>),
    carried across segments in campaign.json. libFuzzer counts from 0 in
    each run; afl-fuzz continues from the execs_done it resumed from."""
    def __init__(self, saved):
        self.acc = dict(saved)
        self.seen = {}
        self.marks = {}  # source -> (time of its last increase, count, rate)

    def start(self, key, base):
        self.seen[key] = base
        self.acc.setdefault(key, 0)

    def update(self, key, value):
        last = self.seen.get(key, 0)
        if value > last:
            self.acc[key] = self.acc.get(key, 0) + value - last
            self.seen[key] = value

    def total(self, prefix=""):
        return sum(v for k, v in self.acc.items() if k.startswith(prefix))

    def rate(self, now):
        """Executions per second summed over the sources. Engines report in
        bursts (a libFuzzer fork job's end, AFL++'s minutely stats), so a
        source's rate is its last increase over the time since the one
        before, not over the last tick: a burst is no spike."""
        total = 0.0
        for key, count in self.acc.items():
            t0, c0, r = self.marks.get(key, (None, count, 0.0))
            if t0 is None:
                self.marks[key] = (now, count, 0.0)
                continue
            if count > c0:
                r = (count - c0) / (now - t0) if now > t0 else r
                self.marks[key] = (now, count, r)
            total += r
        return total


def prepare_out(out, resume):
    """Refuses a non-empty --out without --resume (nothing is ever deleted),
    and a --resume of a directory that holds no campaign."""
    state_path = os.path.join(out, "campaign.json")
    nonempty = os.path.isdir(out) and bool(os.listdir(out))
    if os.path.exists(out) and not os.path.isdir(out):
        die(f"--out {out} exists and is not a directory")
    if nonempty and not resume:
        die(f"{out} exists and is not empty: pass --resume to continue the campaign in it, "
            f"or choose another --out (nothing in it is deleted)")
    if nonempty and not os.path.exists(state_path):
        die(f"{out} holds no campaign (no campaign.json): cannot --resume it; choose another --out")
    return read_json(state_path) if nonempty else None


def need_builds(opts):
    lf_jobs, afl_jobs = split_jobs(opts["engine"], opts["jobs"])
    names = [("host-asan", "mmrig-replay")]
    if opts["allocator"] != allocator.DEFAULT:
        names.append(("host-asan", "mmrig-conv"))  # its seeds and dictionary
    if lf_jobs:
        names.append(("libfuzzer", LF_TARGET))
    if afl_jobs:
        used = set()
        for _, _, target, cmplog, _ in afl_roles(afl_jobs):
            used.add(target)
            if cmplog:
                used.add("cmplog")
        names += [("afl", AFL_TARGETS[t]) for t in sorted(used)]
    return names


def ensure_built(names, seeds_default):
    """Builds the presets of names whose targets are missing, and brings
    every tree CMake made up to date (an incremental build: seconds when
    nothing changed), so a campaign never fuzzes a stale build of changed
    sources; a tree CMake did not make (no CMakeCache.txt) is taken as it
    is. With seeds_default, kbuddy's prebuilt binary seeds too."""
    presets = []
    for preset, name in names:
        stale = os.path.exists(os.path.join(tree(preset), "CMakeCache.txt"))
        if (stale or not os.path.exists(tool(preset, name))) and preset not in presets:
            presets.append(preset)
    if seeds_default and not os.path.isdir(os.path.join(tree("host-asan"), "corpus", "seeds-bin")) \
            and "host-asan" not in presets:
        presets.append("host-asan")
    for preset in presets:
        say(f"building {preset} in {tree(preset)} (log {build_log(preset)})")
        targets = sorted({n for p, n in names if p == preset})
        if preset == "host-asan":
            targets.append("seeds")
        build(preset, targets=targets)
    for preset, name in names:
        if not os.path.exists(tool(preset, name)):
            die(f"{tool(preset, name)} is missing after building {preset}")


def start_inputs(opts, out):
    """The seeds directory and the dictionary of the campaign. kbuddy: the
    prebuilt binary seeds (or --seeds) and corpus/mmrig.dict. Another
    allocator: binary programs decode per allocator, so corpus/seeds is
    converted for it into OUT/seeds/ (a seed holding an op it cannot run is
    skipped; none left: the empty program, one byte, since AFL++ refuses
    an empty input) unless --seeds names a directory,
    and mmrig-conv writes its dictionary, OUT/mmrig.dict."""
    alloc = opts["allocator"]
    if alloc == allocator.DEFAULT:
        seeds = opts["seeds"] or os.path.join(tree("host-asan"), "corpus", "seeds-bin")
        return seeds, os.path.join(ROOT, "corpus", "mmrig.dict"), None
    conv = tool("host-asan", "mmrig-conv")
    dict_path = allocator.write_dict(conv, alloc, os.path.join(out, "mmrig.dict"))
    if opts["seeds"]:
        return opts["seeds"], dict_path, None
    seeds = os.path.join(out, "seeds")
    if os.path.isdir(seeds) and files_in(seeds):  # converted when the campaign began
        return seeds, dict_path, None
    converted, skipped = allocator.convert_seeds(conv, alloc, seeds)
    if not converted:
        allocator.empty_program(conv, alloc, os.path.join(seeds, "empty"))
    return seeds, dict_path, (len(converted), len(skipped))


class Campaign:
    """One segment of a campaign (a fresh one, or a --resume): the options
    as given or saved, the builds, OUT and its state (campaign.json), the
    engines and what follows them (corpus sync, signatures, execution
    counts), then the wind-down and the summary. run() is the order of the
    phases; each phase is a method, and what they share is attributes."""

    def __init__(self, args):
        self.args = args
        self.out = os.path.abspath(args.out)
        self.state_path = os.path.join(self.out, "campaign.json")
        self.tsv_path = os.path.join(self.out, "progress.tsv")
        self.engines, self.lflog = [], None
        self.lock = None

    def run(self):
        self.resolve_options()
        self.build()        # before OUT is made: a failed build leaves no campaign behind
        self.open_out()
        self.end_leftovers()
        self.plan_segment()
        self.start_engines()
        end = self.fuzz()
        fig = self.wind_down(end)
        return self.summarize(fig, end)

    # ------------------------------------------------------------ setting up

    def resolve_options(self):
        """The options: those given, else the resumed campaign's, else
        DEFAULTS; a resume may not change the allocator."""
        args, out = self.args, self.out
        self.state = prepare_out(out, args.resume)
        self.fresh = self.state is None
        saved = (self.state or {}).get("options", {})
        if not self.fresh and self.state.get("version", 1) < 2:
            die(f"{out} was fuzzed before binary inputs carried a format byte, and the tools refuse "
                f"its version-less inputs: convert what you keep with `mmrig-conv --upgrade --legacy "
                f"{os.path.join(out, 'corpus')} NEWDIR` (and likewise crashes/) and start a new --out "
                f"with --seeds NEWDIR")
        given = {"time": args.time, "jobs": args.jobs, "engine": args.engine, "seeds": args.seeds,
                 "timeout": args.timeout, "rss_mb": args.rss_mb, "allocator": args.allocator,
                 "adapters": use_adapters(args.adapter) if args.adapter else None}
        opts = {k: given[k] if given[k] is not None else saved.get(k, DEFAULTS[k]) for k in DEFAULTS}
        # The corpus and crash files are programs of the campaign's allocator.
        if not self.fresh and args.allocator and args.allocator != saved.get("allocator", allocator.DEFAULT):
            die(f"{out} is a campaign on allocator {saved.get('allocator', allocator.DEFAULT)}: "
                f"its inputs mean other programs under --allocator {args.allocator}; choose another --out")
        use_adapters(opts["adapters"])  # a resumed campaign's: they must still exist
        if opts["seeds"] is not None:
            seeds = os.path.abspath(opts["seeds"])
            opts["seeds"] = seeds
            if not os.path.isdir(seeds) or not files_in(seeds):
                die(f"--seeds {seeds}: not a directory with files in it")
        _, afl_jobs = split_jobs(opts["engine"], opts["jobs"])
        if afl_jobs and not shutil.which("afl-fuzz"):
            die("afl-fuzz not found: install AFL++ (scripts/mmrig deps fuzz) or use --engine libfuzzer")
        self.opts = opts

    def build(self):
        opts = self.opts
        self.names = need_builds(opts)
        kbuddy_seeds = opts["seeds"] is None and opts["allocator"] == allocator.DEFAULT
        ensure_built(self.names, kbuddy_seeds)
        allocator.check(opts["allocator"], tool("host-asan", "mmrig-replay"))
        if kbuddy_seeds and not files_in(os.path.join(tree("host-asan"), "corpus", "seeds-bin")):
            die(f"no seeds in {os.path.join(tree('host-asan'), 'corpus', 'seeds-bin')}")

    def save_json_state(self):
        write_json(self.state_path, self.state)

    def open_out(self):
        """OUT locked, its state written, the start inputs in place."""
        out, opts = self.out, self.opts
        os.makedirs(out, exist_ok=True)
        self.lock = lock_dir(out, "campaign")
        if self.fresh:
            self.state = {"version": STATE_VERSION, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                          "elapsed_s": 0.0, "segments": [], "execs": {}, "last": {}}
        self.state["options"] = opts
        self.save_json_state()

        os.makedirs(os.path.join(out, "corpus"), exist_ok=True)
        self.seeds, self.dict_path, seed_count = start_inputs(opts, out)
        if seed_count:
            self.state["seeds"] = {"converted": seed_count[0], "skipped": seed_count[1]}
            self.save_json_state()
        if opts["allocator"] != allocator.DEFAULT or opts["adapters"]:
            say(f"allocator {opts['allocator']}"
                + (f", adapters {' '.join(opts['adapters'])}" if opts["adapters"] else ""))
        sc = self.state.get("seeds")
        if sc and not opts["seeds"]:
            say(f"seeds for {opts['allocator']} in {rel(self.seeds, out)}/: {sc['converted']} converted, "
                f"{sc['skipped']} skipped (ops {opts['allocator']} cannot run)"
                + ("; none applies: starting from one empty input" if not sc["converted"] else ""))

    def end_leftovers(self):
        """A campaign killed before may have left engines behind (a fork
        job, a stopped persistent child): they would hold AFL++'s lock and
        race the new run. Only processes run from this OUT/bin, or
        afl-fuzz writing to this OUT/afl, are touched. Then the targets
        are copied into OUT/bin."""
        procs.become_subreaper()
        old = stragglers(self.out)
        if old:
            say(f"ending {len(old)} process(es) left by an earlier run of this campaign")
            stop_engines([], self.out)
        self.bins = install_binaries(self.out, [n for n in self.names if n[0] != "host-asan"])
        self.replay = tool("host-asan", "mmrig-replay")

    def plan_segment(self):
        """This segment's share of the budget, its record in the state,
        and the followers of the engines' output."""
        out, opts, state = self.out, self.opts, self.state
        self.prev = float(state.get("elapsed_s", 0.0))
        self.budget = float(opts["time"])
        self.remaining = self.budget - self.prev
        self.segment = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "elapsed_s": 0.0,
                        "engine": opts["engine"], "jobs": opts["jobs"], "end": "killed"}
        if self.remaining > 0:
            state["segments"].append(self.segment)

        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, on_signal)

        self.sync = CorpusSync(out)
        self.sigs = Signatures(out, self.replay, opts["timeout"], opts["allocator"])
        self.counter = Counter(state.get("execs", {}))
        self.last = state.setdefault("last", {})
        if not os.path.exists(self.tsv_path) or os.path.getsize(self.tsv_path) == 0:
            with open(self.tsv_path, "w") as f:
                f.write(TSV_HEADER)

    def start_engines(self):
        prev, budget, remaining = self.prev, self.budget, self.remaining
        if remaining <= 0:
            say(f"the budget is spent ({clock(prev)} of {clock(budget)}); pass a larger --time to go on")
            return
        out, state = self.out, self.state
        self.engines = make_engines(self.opts, out, self.seeds, self.bins, remaining, self.dict_path)
        word = "resuming" if not self.fresh else "starting"
        say(f"{word} in {out}: {clock(prev)} of {clock(budget)} done, {clock(remaining)} to go")
        roles = state.setdefault("afl_instances", {})
        for e in self.engines:
            if e.kind == "libfuzzer":
                self.lflog = LibFuzzerLog(e.log)  # from the end of the earlier segments' output
                self.counter.start("libfuzzer", 0)
            else:
                roles[e.meta["instance"]] = e.meta["role"]
                self.counter.start(e.name, e.meta["execs_at_start"])
            e.start(f"segment {len(state['segments'])} at {clock(prev)} of {clock(budget)}")
            if e.kind == "libfuzzer":
                say(f"  libFuzzer -fork={e.meta['jobs']}  log {rel(e.log, out)}")
            else:
                say(f"  AFL++ {e.meta['instance']:7s} {e.meta['role']}"
                    f"{'  (resumed)' if e.meta['resumed'] else ''}  log {rel(e.log, out)}")

    # ------------------------------------------------------------ fuzzing

    def elapsed_now(self):
        """Wall time of the segments that fuzzed (wind-down included)."""
        return self.prev + (time.monotonic() - self.t0 if self.engines else 0.0)

    def save_state(self):
        self.segment["elapsed_s"] = round(self.elapsed_now() - self.prev, 1)
        self.state["elapsed_s"] = round(self.elapsed_now(), 1)
        self.state["execs"] = self.counter.acc
        self.save_json_state()

    def figures(self):
        """The engines' figures now: executions and coverage into the
        counter and self.last, the corpus size, the crash files."""
        last = self.last
        if self.lflog:
            self.lflog.poll()
            self.counter.update("libfuzzer", self.lflog.execs)
            if self.lflog.cov is not None:
                last["lf_cov"], last["lf_ft"] = self.lflog.cov, self.lflog.ft
        per_afl = {}
        for e in self.engines:
            if e.kind == "afl":
                st = afl_stats(os.path.join(self.out, "afl", e.meta["instance"]))
                per_afl[e.meta["instance"]] = st
                self.counter.update(e.name, st["execs"])
                if e.meta["instance"] == "main" and st["edges"] is not None:
                    last["afl_edges"], last["afl_bitmap_cvg"] = st["edges"], st["bitmap_cvg"]
        corpus = self.sync.scan_corpus()
        arts = crash_files(self.out)
        self.sigs.scan(arts, self.elapsed_now())
        return {"corpus": corpus, "artifacts": arts, "afl": per_afl}

    def tick(self, final=False):
        """A progress line and a progress.tsv row (none when no time
        passed since the last), and the state saved."""
        self.sync.sync()
        fig = self.figures()
        el = self.elapsed_now()
        if self.prev_row["elapsed"] is not None and el - self.prev_row["elapsed"] < 0.05:
            return fig
        execs = self.counter.total()
        rate = self.counter.rate(el)
        self.prev_row.update(elapsed=el, execs=execs)
        lf_cov = self.last.get("lf_cov")
        afl_edges = self.last.get("afl_edges")
        n_sigs = len(self.sigs.unique())
        row = [f"{el:.1f}", str(execs), f"{rate:.0f}", str(fig["corpus"]),
               "-" if lf_cov is None else str(lf_cov), "-" if afl_edges is None else str(afl_edges),
               str(len(fig["artifacts"])), str(n_sigs)]
        with open(self.tsv_path, "a") as f:
            f.write("\t".join(row) + "\n")
        left = max(0.0, self.budget - el)
        say(f"{clock(el)}/{clock(self.budget)} ({clock(left)} left)  execs {execs} ({rate:.0f}/s)  "
            f"corpus {fig['corpus']}  cov {row[4]}/afl {row[5]}  crashes {row[6]}  signatures {n_sigs}"
            + ("  [final]" if final else ""))
        self.save_state()
        return fig

    def fuzz(self):
        """Waits for the budget, a signal or the engines' end, ticking;
        returns how the segment ended."""
        engines, sigs = self.engines, self.sigs
        self.t0 = time.monotonic()
        deadline = self.t0 + max(0.0, self.remaining)
        next_tick = self.t0 + TICK
        self.prev_row = {"elapsed": None, "execs": self.counter.total()}
        last_save = 0.0
        reported_exit = set()
        end = "budget"
        while engines:
            now = time.monotonic()
            if stop_reason:
                end = f"interrupted ({stop_reason})"
                break
            running = [e for e in engines if e.alive()]
            for e in engines:
                if not e.alive() and e.name not in reported_exit:
                    reported_exit.add(e.name)
                    if now < deadline - 1:
                        say(f"{e.name} exited early (status {e.status}); see {rel(e.log, self.out)}")
            if not running:
                end = "budget" if now >= deadline - 1 else "engines exited"
                break
            if now >= deadline + GRACE:
                break
            if now >= next_tick:
                self.tick()
                next_tick += TICK
            sigs.step(self.elapsed_now())
            if now - last_save >= 2:
                self.save_state()
                last_save = now
            # Orphans reparented to us (a fork server's child whose afl-fuzz
            # ended) are reaped as they die.
            for pid in our_children({e.proc.pid for e in engines} | {sigs.pid()}):
                st = proc_stat(pid)
                if st and st[0] == "Z":
                    reap(pid)
            time.sleep(min(1.0, max(0.05, next_tick - time.monotonic())))
        return end

    def wind_down(self, end):
        """Stops the engines first (SIGINT during the wrap-up must not undo
        it), then the last figures and replays; returns the figures."""
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        sigs = self.sigs
        left_over = stop_engines(self.engines, self.out, exclude=[p for p in [sigs.pid()] if p])
        if left_over:
            say(f"warning: could not end process(es) {left_over}")
        self.segment["end"] = end
        if self.engines:
            self.tick(final=True)
        self.sync.sync()
        fig = self.figures()
        sigs.finish(self.elapsed_now(), FINAL_REPLAY_S)
        self.save_state()
        return fig

    # ------------------------------------------------------------ the summary

    def summarize(self, fig, end):
        """summary.json and the closing lines; the exit status."""
        doc = self.summary_doc(fig, end)
        write_json(os.path.join(self.out, "summary.json"), doc)
        self.print_summary(doc)
        return doc["exit"]

    def summary_doc(self, fig, end):
        out, opts, state, engines = self.out, self.opts, self.state, self.engines
        counter, last, sigs = self.counter, self.last, self.sigs
        elapsed = float(state["elapsed_s"])
        rate = lambda n: round(n / elapsed) if elapsed > 0 else 0  # noqa: E731
        groups = sigs.groups()
        lf = [e for e in engines if e.kind == "libfuzzer"]
        afl = [e for e in engines if e.kind == "afl"]
        errors = [e for e in engines if e.status not in (0, None) and not e.stopped_by_us]
        doc = {
            "out": out, "ended": end, "elapsed_s": round(elapsed, 1), "budget_s": opts["time"],
            "allocator": opts["allocator"], "adapters": opts["adapters"],
            "seeds": state.get("seeds"),
            "segments": len(state["segments"]), "options": opts,
            "execs": counter.total(), "execs_per_s": rate(counter.total()),
            "corpus": fig["corpus"],
            "coverage": {"libfuzzer_cov": last.get("lf_cov"), "libfuzzer_ft": last.get("lf_ft"),
                         "afl_edges": last.get("afl_edges"), "afl_bitmap_cvg": last.get("afl_bitmap_cvg")},
            "engines": {},
            "crash_files": len(fig["artifacts"]),
            "signatures": [],
            "engine_errors": [{"engine": e.name, "status": e.status, "log": rel(e.log, out)} for e in errors],
        }
        if lf or "libfuzzer" in counter.acc:
            n = counter.total("libfuzzer")
            doc["engines"]["libfuzzer"] = {"jobs": lf[0].meta["jobs"] if lf else 0, "execs": n, "execs_per_s": rate(n),
                                           "cov": last.get("lf_cov"), "ft": last.get("lf_ft"),
                                           "log": "libfuzzer/fuzz.log"}
        if afl or any(k.startswith("afl/") for k in counter.acc):
            # Every instance of the campaign, run in this segment or before.
            insts = []
            names = [e.meta["instance"] for e in afl]
            names += sorted(k[4:] for k in counter.acc if k.startswith("afl/") and k[4:] not in names)
            for name in names:
                st = fig["afl"].get(name) or afl_stats(os.path.join(out, "afl", name))
                n = counter.acc.get(f"afl/{name}", 0)
                insts.append({"instance": name, "role": state.get("afl_instances", {}).get(name, "?"),
                              "running": name in fig["afl"], "execs": n, "execs_per_s": rate(n),
                              "edges_found": st["edges"], "bitmap_cvg": st["bitmap_cvg"],
                              "queue": st["corpus"], "log": f"afl/{name}.log"})
            n = counter.total("afl/")
            doc["engines"]["afl"] = {"instances": insts, "execs": n, "execs_per_s": rate(n)}
        for sig, files in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            doc["signatures"].append({"signature": sig, "count": len(files), "first": rel(files[0], out),
                                      "reproducible": sig not in (NOT_REPRODUCIBLE, "not replayed yet")
                                      and not sig.startswith("replay error")})
        doc["unique_signatures"] = len(sigs.unique())
        status = 1 if fig["artifacts"] else (2 if errors else 0)
        doc["exit"] = status
        return doc

    def print_summary(self, doc):
        out, opts = self.out, self.opts
        elapsed, end = doc["elapsed_s"], doc["ended"]
        say(f"done ({end}): {clock(elapsed)} of {clock(opts['time'])} in {doc['segments']} segment(s), {out}"
            + (f", allocator {opts['allocator']}" if opts["allocator"] != allocator.DEFAULT else ""))
        if "libfuzzer" in doc["engines"]:
            d = doc["engines"]["libfuzzer"]
            print(f"  libFuzzer  -fork={d['jobs']:<3}            execs {d['execs']:>10} ({d['execs_per_s']}/s)"
                  f"  cov {d['cov']} ft {d['ft']}")
        if "afl" in doc["engines"]:
            for i in doc["engines"]["afl"]["instances"]:
                print(f"  AFL++ {i['instance']:8s} {i['role']:17s} execs {i['execs']:>10} ({i['execs_per_s']}/s)"
                      f"  edges {i['edges_found']} ({i['bitmap_cvg']})  queue {i['queue']}")
        print(f"  total                           execs {doc['execs']:>10} ({doc['execs_per_s']}/s)"
              f"  corpus {doc['corpus']} (corpus/)")
        print(f"  crash files {doc['crash_files']}, unique signatures {doc['unique_signatures']}")
        for s in doc["signatures"]:
            print(f"    {s['count']:5d}  {s['signature']}\n           first: {s['first']}")
        for e in doc["engine_errors"]:
            print(f"  engine {e['engine']} failed (status {e['status']}); see {e['log']}:")
            try:
                with open(os.path.join(out, e["log"]), errors="replace") as f:
                    for line in f.readlines()[-8:]:
                        print(f"    | {line.rstrip()}")
            except OSError:
                pass
        print(f"  summary: {os.path.join(out, 'summary.json')}", flush=True)


def main(argv):
    return Campaign(parse_args(argv)).run()


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:  # before the engines started (a build)
        print("mmrig: interrupted", file=sys.stderr)
        sys.exit(2)
