#!/usr/bin/env python3
"""mmrig nightly: one night of fuzzing, from build to report.

Steps, each timed and recorded in RUN/nightly.json: build the presets,
replay corpus/regression, a campaign seeded with the persistent corpus,
merge the night's corpus into it (libFuzzer -merge=1, then a size bound),
triage the night's crashes into the persistent store, source coverage of
the merged corpus, and the report (report.md + report.html, scripts/
report.py). The reference is docs/man/mmrig-nightly.md.

Layout under --out DIR (default out/nightly):
  corpus/          the merged corpus carried from night to night
  corpus.prev/     the one before the last merge
  store/           the triage store (scripts/triage.py --store)
  runs/<run-id>/   one night: fuzz/ (the campaign), regression.json,
                   merge.log, triage.log, coverage/, logs/, nightly.json,
                   report.md, report.html
  latest           a text file: the last run's id
  latest-run       symlink to the last run's directory

--allocator NAME and --adapter DIR go to every step: the builds (an adapter
set builds in trees of its own), the campaign, the merge (MMRIG_ALLOCATOR),
triage and coverage. corpus/regression holds kbuddy's programs, so for
another allocator the regression step replays corpus/seeds instead, those
the allocator can run (mmrig-conv --to-bin --allocator exit 3: not
applicable, listed as such). A nightly directory keeps one allocator: its
corpus is binary programs of it (DIR/allocator names it).

Exit status: 0 no new signature and nothing unexpected; 1 new
signature(s); 2 bad usage, a build failure or a step that could not run
(campaign, merge, triage, coverage); 3 the regression replay had an
unexpected result (no new signature). The first that applies, in the
order 1, 2, 3, wins; nightly.json holds all of them.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import traceback

# Nothing compiled is left in the tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402
from rig import allocator, reports  # noqa: E402
from rig.common import BUILD, ROOT, build, parse_duration, positive, tool, tree, use_adapters  # noqa: E402
from rig.engines import AFL_TARGETS, LF_TARGET, replay_env  # noqa: E402
from rig.fs import atomic_write, dir_size, files_in, lock_dir, read_json, write_json  # noqa: E402
from rig.procs import run_logged  # noqa: E402 (tests replace it: called by this module's name)

EXIT_NEW, EXIT_ERROR, EXIT_REGRESSION = 1, 2, 3


def say(msg):
    print(f"[mmrig nightly] {msg}", flush=True)


def die(msg):
    print(f"mmrig nightly: {msg}", file=sys.stderr)
    sys.exit(EXIT_ERROR)


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="mmrig nightly",
        description="Build, regression replay, campaign, corpus merge, triage, coverage "
                    "and a report (docs/man/mmrig-nightly.md).")
    p.add_argument("--time", type=parse_duration, default=600.0, metavar="DUR",
                   help="campaign budget: seconds or 90s/10m/1h (default 10m)")
    p.add_argument("--jobs", type=positive(int), default=os.cpu_count() or 1, metavar="N",
                   help="fuzzing processes (default: all cores)")
    p.add_argument("--engine", choices=("libfuzzer", "afl", "both"), default="both",
                   help="campaign engines (default both)")
    p.add_argument("--out", metavar="DIR", default=os.path.join(ROOT, "out", "nightly"),
                   help="nightly directory (default out/nightly)")
    p.add_argument("--corpus-max-mb", type=positive(float), default=64.0, metavar="N",
                   help="size bound of the merged corpus in MiB (default 64)")
    p.add_argument("--corpus-max-files", type=positive(int), default=10000, metavar="N",
                   help="file-count bound of the merged corpus (default 10000)")
    p.add_argument("--run-id", metavar="ID", help="name of the run directory (default: the start time)")
    allocator.add_args(p)
    a = p.parse_args(argv)
    a.allocator = a.allocator or allocator.DEFAULT
    return a


# ---------------------------------------------------------------- helpers


def known_open():
    """Signatures that corpus/regression expects (known-open bugs)."""
    sigs = set()
    for f in files_in(os.path.join(ROOT, "corpus", "regression")):
        with open(f, errors="replace") as fh:
            for line in fh:
                if line.startswith("# expect:"):
                    v = line[len("# expect:"):].strip()
                    if v and v != "pass":
                        sigs.add(v)
                elif line.strip() and not line.startswith("#"):
                    break
    return sigs


def store_signatures(store):
    """The signatures in the triage store (a store this triage cannot
    read: none, with a warning; triage itself then refuses it)."""
    try:
        return {r[reports.SIGNATURE] for r in reports.read_rows(store)}
    except reports.SchemaError as e:
        say(f"warning: {e}")
        return set()


def add_error(night, what):
    """Records what went wrong in a step: the night goes on, its exit
    status is 2. (A function of the record, not a method: the tests step
    with records of their own.)"""
    night.doc["errors"] = night.doc.get("errors", []) + [what]


class Night:
    """The run's record (nightly.json), rewritten after every step."""

    def __init__(self, top, run, args):
        self.top, self.run = top, run
        self.doc = {
            "run_id": os.path.basename(run), "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "root": ROOT, "build": BUILD, "git": report.git_info(ROOT),
            "time_budget_s": args.time, "jobs": args.jobs, "engine": args.engine,
            "allocator": args.allocator, "adapters": list(args.adapter),
            "corpus_bound": {"max_mb": args.corpus_max_mb, "max_files": args.corpus_max_files},
            "store": os.path.relpath(os.path.join(top, "store"), run),
            "steps": [], "signatures": [], "new_signatures": [],
        }
        self.save()

    def save(self):
        write_json(os.path.join(self.run, "nightly.json"), self.doc, sort_keys=True)

    def step(self, name, fn):
        """Runs one step; fn returns (status, detail). A build failure
        (SystemExit from common.build) is recorded and passed on; any other
        exception fails the step only, and the night goes on."""
        say(f"{name} ...")
        t0 = time.monotonic()
        rec = {"name": name, "status": "running", "seconds": None, "detail": ""}
        self.doc["steps"].append(rec)
        self.save()
        status, detail = "failed", "see the log above"
        try:
            status, detail = fn()
        except Exception as e:  # noqa: BLE001 - one step's bug must not lose the night
            traceback.print_exc()
            detail = f"{type(e).__name__}: {e}"
            add_error(self, f"{name}: {detail}")
        finally:
            rec["status"], rec["detail"] = status, detail
            rec["seconds"] = round(time.monotonic() - t0, 1)
            self.save()
            say(f"{name}: {status} ({report.fmt_dur(rec['seconds'])})"
                + (f" - {detail}" if detail else ""))
        return status


# ---------------------------------------------------------------- the steps

def step_build(night, logs):
    wanted = [("host-asan", ["mmrig-replay", "mmrig-min", "mmrig-conv", "seeds"]),
              ("libfuzzer", [LF_TARGET])]
    if night.doc["engine"] in ("afl", "both"):
        wanted.append(("afl", list(AFL_TARGETS.values())))
    wanted.append(("coverage", ["mmrig-replay"]))
    # Triage's other build: its signatures become aliases of host-asan's.
    wanted.append(("host-release", ["mmrig-replay"]))
    for preset, targets in wanted:
        say(f"  building {preset} in {tree(preset)} ({', '.join(targets)})")
        build(preset, log_dir=logs, targets=targets)
    allocator.check(night.doc["allocator"], tool("host-asan", "mmrig-replay"))
    return "ok", ", ".join(p for p, _ in wanted)


def regression_programs(night):
    """What the regression step replays: corpus/regression for kbuddy;
    for another allocator the seeds it can run (mmrig-conv says which),
    and the rest as not applicable."""
    alloc = night.doc["allocator"]
    if alloc == allocator.DEFAULT:
        return [os.path.join(ROOT, "corpus", "regression")], []
    scratch = os.path.join(night.run, "regression-bin")
    ok, skipped = allocator.convert_seeds(tool("host-asan", "mmrig-conv"), alloc, scratch)
    shutil.rmtree(scratch, ignore_errors=True)
    return ok, skipped


def step_regression(night):
    out = os.path.join(night.run, "regression.json")
    replay = tool("host-asan", "mmrig-replay")
    alloc = night.doc["allocator"]
    try:
        programs, not_applicable = regression_programs(night)
    except SystemExit:  # mmrig-conv failed: said above
        night.doc["regression"] = {"error": "mmrig-conv could not convert the seeds", "unexpected": []}
        add_error(night, "regression: mmrig-conv failed")
        return "failed", f"mmrig-conv --to-bin --allocator {alloc} failed"
    rc = 0
    if programs:
        with open(out, "w") as f:
            rc = subprocess.run([replay, "--json", "--allocator", alloc, *programs],
                                stdout=f, stderr=subprocess.DEVNULL).returncode
    else:
        with open(out, "w") as f:
            json.dump({"results": [], "passed": 0, "failed": 0, "errors": 0, "known_open": 0}, f)
    doc = read_json(out)
    if not isinstance(doc, dict):
        night.doc["regression"] = {"error": f"mmrig-replay exit {rc}, no JSON", "unexpected": []}
        night.doc["regression_unexpected"] = True
        return "failed", f"mmrig-replay exit {rc} without a result"
    reg = report.summarize_regression(doc)
    if alloc != allocator.DEFAULT:
        reg["programs"] = "corpus/seeds"
        reg["not_applicable"] = [os.path.basename(f) for f in not_applicable]
    night.doc["regression"] = reg
    night.doc["regression_unexpected"] = bool(reg["unexpected"]) or rc == 2
    for u in reg["unexpected"]:
        say(f"  UNEXPECTED {u['file']}: {u['result']}, header expects {u.get('expect') or 'pass'}"
            + (f", got {u['signature']}" if u.get("signature") else ""))
    status = "failed" if night.doc["regression_unexpected"] else "ok"
    return status, report.regression_line(reg)


def claim_allocator(top, alloc):
    """DIR/allocator names the allocator DIR's corpus is programs of
    (missing: kbuddy, as before allocators); another one is refused."""
    path = os.path.join(top, "allocator")
    try:
        with open(path) as f:
            had = f.read().strip() or allocator.DEFAULT
    except OSError:
        had = None
    if had is None and os.path.isdir(os.path.join(top, "corpus")):
        had = allocator.DEFAULT
    if had is not None and had != alloc:
        die(f"{top} holds a corpus of allocator {had}: --allocator {alloc} needs another --out")
    if had is None or not os.path.exists(path):
        atomic_write(path, alloc + "\n")


def init_corpus(top, alloc=allocator.DEFAULT):
    """The first night starts from the seeds' binary form (for another
    allocator than kbuddy, the seeds it can run; none: one empty input)."""
    corpus = os.path.join(top, "corpus")
    recover_corpus(top)
    upgrade_corpus(top, alloc)
    if files_in(corpus):
        return
    tmp = corpus + ".init"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    if alloc == allocator.DEFAULT:
        seeds = os.path.join(tree("host-asan"), "corpus", "seeds-bin")
        for f in files_in(seeds):
            shutil.copyfile(f, os.path.join(tmp, os.path.basename(f)))
    else:
        seeds = os.path.join(ROOT, "corpus", "seeds")
        ok, skipped = allocator.convert_seeds(tool("host-asan", "mmrig-conv"), alloc, tmp)
        say(f"  first corpus for {alloc}: {len(ok)} seeds converted, {len(skipped)} skipped "
            f"(ops {alloc} cannot run)")
        if not ok:
            allocator.empty_program(tool("host-asan", "mmrig-conv"), alloc, os.path.join(tmp, "empty"))
    if not files_in(tmp):
        die(f"no seeds in {seeds}")
    if os.path.isdir(corpus):
        os.rmdir(corpus)  # empty
    os.replace(tmp, corpus)


def upgrade_corpus(top, alloc):
    """DIR/format marks a corpus whose inputs begin with their format byte.
    A corpus without it is from before, and the tools refuse its inputs
    (a merge would drop them all): it is converted once, the old files
    kept in corpus.legacy/."""
    mark, corpus = os.path.join(top, "format"), os.path.join(top, "corpus")
    if os.path.exists(mark):
        return
    legacy, new = corpus + ".legacy", corpus + ".upgrade"
    if files_in(corpus) and not os.path.isdir(legacy):
        shutil.rmtree(new, ignore_errors=True)
        allocator.upgrade(tool("host-asan", "mmrig-conv"), alloc, corpus, new)
        os.replace(corpus, legacy)
    if os.path.isdir(new) and not os.path.isdir(corpus):  # also after a kill between the renames
        os.replace(new, corpus)
        say(f"  corpus converted to the versioned binary format; the old files are in {legacy}")
    atomic_write(mark, "1\n")


def recover_corpus(top):
    """A merge killed between its two renames leaves no corpus/: the
    finished new one (corpus.new with corpus.new.ok) or else the previous
    one is put back."""
    corpus = os.path.join(top, "corpus")
    if os.path.isdir(corpus):
        return
    new, prev = corpus + ".new", corpus + ".prev"
    if os.path.isdir(new) and os.path.exists(new + ".ok"):
        os.replace(new, corpus)
        os.unlink(new + ".ok")
    elif os.path.isdir(prev):
        shutil.copytree(prev, corpus + ".restore")
        os.replace(corpus + ".restore", corpus)


def step_campaign(night, args):
    fuzz = os.path.join(night.run, "fuzz")
    cmd = [sys.executable, os.path.join(ROOT, "scripts", "campaign.py"), "--time", str(max(1, round(args.time))),
           "--jobs", str(args.jobs), "--engine", args.engine, "--out", fuzz,
           "--seeds", os.path.join(night.top, "corpus"), *target_args(night)]
    rc = run_logged(cmd, os.path.join(night.run, "campaign.log"), echo=True)
    summary = read_json(os.path.join(fuzz, "summary.json")) or {}
    night.doc["campaign"] = {"exit": rc, "execs": summary.get("execs"),
                             "execs_per_s": summary.get("execs_per_s"),
                             "crash_files": summary.get("crash_files"),
                             "corpus": summary.get("corpus")}
    night.doc["campaign_signatures"] = summary.get("signatures", [])
    detail = (f"{summary.get('execs', '?')} execs, {summary.get('crash_files', '?')} crash files, "
              f"{summary.get('unique_signatures', '?')} signatures")
    return script_result(night, "campaign", rc, detail)


def script_result(night, name, rc, detail):
    """A step run as an mmrig script: exit 0 or 1 (findings) is a step
    done, any other an error of the night."""
    if rc not in (0, 1):
        add_error(night, f"{name} exit {rc}")
        return "failed", f"exit {rc}; {detail}"
    return "ok", detail


def bound_corpus(d, max_bytes, max_files):
    """Drops the largest files (ties: the later name) until the corpus
    fits: libFuzzer's merge keeps the smallest input for each feature it
    sees first, so the largest are the slowest and most replaceable."""
    fs = [(os.path.getsize(f), os.path.basename(f), f) for f in files_in(d)]
    fs.sort(key=lambda t: (t[0], t[1]))
    total = sum(s for s, _, _ in fs)
    dropped = 0
    while fs and (total > max_bytes or len(fs) > max_files):
        size, _, path = fs.pop()
        os.unlink(path)
        total -= size
        dropped += 1
    return dropped


def step_merge(night, args):
    top, run = night.top, night.run
    corpus = os.path.join(top, "corpus")
    new, prev = corpus + ".new", corpus + ".prev"
    before = dir_size(corpus)
    sources = [corpus]
    fuzz_corpus = os.path.join(run, "fuzz", "corpus")
    if files_in(fuzz_corpus):
        sources.append(fuzz_corpus)
    shutil.rmtree(new, ignore_errors=True)
    if os.path.exists(new + ".ok"):
        os.unlink(new + ".ok")
    os.makedirs(new)
    tmpdir = os.path.join(run, "merge-tmp")
    os.makedirs(tmpdir, exist_ok=True)
    # An input that crashes during the merge is left out of the result and
    # written by libFuzzer as an artifact: into the run, never the cwd.
    crashes = os.path.join(run, "merge-crashes")
    os.makedirs(crashes, exist_ok=True)
    env = allocator.env(dict(os.environ, TMPDIR=tmpdir), night.doc["allocator"])
    cmd = [tool("libfuzzer", LF_TARGET), "-merge=1", "-timeout=10", "-rss_limit_mb=2048",
           f"-artifact_prefix={crashes}/",
           f"-merge_control_file={os.path.join(tmpdir, 'control')}", new, *sources]
    rc = run_logged(cmd, os.path.join(run, "merge.log"), env=env, cwd=tmpdir)
    shutil.rmtree(tmpdir, ignore_errors=True)
    if not files_in(crashes):
        os.rmdir(crashes)
    merged = dir_size(new)
    if rc != 0 or not merged["files"]:
        shutil.rmtree(new, ignore_errors=True)
        night.doc["corpus"] = {"before": before, "after": before, "error": f"merge exit {rc}"}
        add_error(night, f"merge exit {rc}")
        return "failed", f"libFuzzer -merge exit {rc} (merge.log); corpus kept"
    dropped = bound_corpus(new, args.corpus_max_mb * 1024 * 1024, args.corpus_max_files)
    after = dir_size(new)
    # The swap: corpus.new is marked complete, then two renames (a kill
    # between them is repaired by recover_corpus next night).
    open(new + ".ok", "w").close()
    shutil.rmtree(prev, ignore_errors=True)
    os.replace(corpus, prev)
    os.replace(new, corpus)
    os.unlink(new + ".ok")
    inputs = before["files"] + len(files_in(fuzz_corpus))
    night.doc["corpus"] = {"before": before, "after": after, "merged": merged["files"],
                           "inputs": inputs, "dropped": dropped,
                           "merge_crashes": len(files_in(crashes))}
    return "ok", (f"{inputs} inputs -> {merged['files']} kept by -merge"
                  + (f", {dropped} dropped by the bound" if dropped else "")
                  + f"; {after['files']} files, {report.human_bytes(after['bytes'])}")


def step_triage(night):
    store = os.path.join(night.top, "store")
    script = os.path.join(ROOT, "scripts", "triage.py")
    if not os.path.exists(script):
        add_error(night, "scripts/triage.py missing")
        return "failed", "scripts/triage.py missing: new signatures judged from the campaign alone"
    rc = run_logged([sys.executable, script, os.path.join(night.run, "fuzz"), "--store", store,
                     "--jobs", str(night.doc["jobs"]), *target_args(night)],
                    os.path.join(night.run, "triage.log"), echo=True)
    night.doc["triage_exit"] = rc
    after = store_signatures(store)
    detail = f"{len(after)} signatures in the store"
    return script_result(night, "triage", rc, detail)


def judge_signatures(night, before, triaged):
    """NEW = in the store after triage, not before, and not a known-open
    bug of corpus/regression. Without a store (triage failed) the
    campaign's own signatures stand in, judged against the store before."""
    store = os.path.join(night.top, "store")
    openbugs = known_open()
    after = store_signatures(store) if triaged else set()
    camp = {s["signature"]: s for s in night.doc.get("campaign_signatures", [])
            if s.get("reproducible", True)}
    if triaged:
        new = sorted(after - before - openbugs)
    else:
        new = sorted(set(camp) - before - openbugs)
    night.doc["known_open"] = sorted(openbugs)
    night.doc["new_signatures"] = new
    listed = []
    for sig in sorted(set(camp) | set(new)):
        if sig in new:
            status = "NEW"
        elif sig in openbugs:
            status = "known-open"
        elif sig in before:
            status = "known"
        else:
            status = "not in store"  # triage did not confirm it
        c = camp.get(sig, {})
        listed.append({"signature": sig, "status": status, "count": c.get("count", 0)})
    night.doc["signatures"] = listed


def target_args(night):
    """--allocator and --adapter for the steps run as scripts."""
    return allocator.child_args(night.doc["allocator"], night.doc["adapters"])


def step_coverage(night):
    out = os.path.join(night.run, "coverage")
    os.makedirs(out, exist_ok=True)
    rc = run_logged([os.path.join(ROOT, "scripts", "coverage.sh"), *target_args(night), out,
                     os.path.join(night.top, "corpus")], os.path.join(night.run, "logs", "coverage.log"))
    summary = read_json(os.path.join(out, "summary.json"))
    if rc != 0 or not summary:
        add_error(night, f"coverage exit {rc}")
        return "failed", f"coverage.sh exit {rc} (logs/coverage.log)"
    night.doc["coverage"] = summary
    return "ok", report.coverage_line(summary)


# ---------------------------------------------------------------- main

def new_run_dir(top, run_id):
    runs = os.path.join(top, "runs")
    os.makedirs(runs, exist_ok=True)
    base = run_id or time.strftime("%Y-%m-%dT%H%M")
    if "/" in base or base in ("", ".", ".."):
        die(f"bad --run-id {base!r}")
    for n in range(1, 1000):
        name = base if n == 1 else f"{base}-{n}"
        try:
            os.mkdir(os.path.join(runs, name))
            return os.path.join(runs, name)
        except FileExistsError:
            continue
    die("no free run directory name")


def point_latest(top, run):
    """DIR/latest: a text file holding the last run's id (what scripts
    read); DIR/latest-run: a symlink to its directory (for people)."""
    run_id = os.path.basename(run)
    atomic_write(os.path.join(top, "latest"), run_id + "\n")
    link = os.path.join(top, "latest-run")
    if os.path.lexists(link + ".tmp"):
        os.unlink(link + ".tmp")
    os.symlink(os.path.join("runs", run_id), link + ".tmp")
    os.replace(link + ".tmp", link)


def exit_status(doc):
    if doc.get("new_signatures"):
        return EXIT_NEW
    if doc.get("errors"):
        return EXIT_ERROR
    if doc.get("regression_unexpected"):
        return EXIT_REGRESSION
    return 0


def main(argv):
    args = parse_args(argv)
    args.adapter = use_adapters(args.adapter)  # absolute: the steps run elsewhere
    os.environ.update(replay_env())
    top = os.path.abspath(args.out)
    if os.path.exists(top) and not os.path.isdir(top):
        die(f"--out {top} is not a directory")
    os.makedirs(top, exist_ok=True)
    lock = lock_dir(top, "nightly")  # noqa: F841 (held while the night runs)
    claim_allocator(top, args.allocator)
    run = new_run_dir(top, args.run_id)
    logs = os.path.join(run, "logs")
    os.makedirs(logs)
    night = Night(top, run, args)
    t0 = time.monotonic()
    say(f"run {night.doc['run_id']} in {run} (budget {report.fmt_dur(args.time)}, "
        f"{args.jobs} jobs, {args.engine}, allocator {args.allocator}"
        + (f", adapters {' '.join(args.adapter)}" if args.adapter else "") + ")")
    try:
        night.step("build", lambda: step_build(night, logs))
    except SystemExit:
        night.doc["errors"] = ["build failed"]
        finish(night, t0)
        return EXIT_ERROR
    try:
        night.step("regression", lambda: step_regression(night))
        init_corpus(top, args.allocator)
        before = store_signatures(os.path.join(top, "store"))
        night.doc["store_before"] = len(before)
        night.step("campaign", lambda: step_campaign(night, args))
        night.step("merge", lambda: step_merge(night, args))
        triaged = night.step("triage", lambda: step_triage(night)) == "ok"
        judge_signatures(night, before, triaged)
        night.step("coverage", lambda: step_coverage(night))
    except KeyboardInterrupt:
        # The report of what ran so far; the exit status says incomplete.
        add_error(night, "interrupted")
    return finish(night, t0)


def finish(night, t0):
    status = exit_status(night.doc)
    night.doc["exit_status"] = status
    night.doc["seconds"] = round(time.monotonic() - t0, 1)
    night.save()
    say("report ...")
    t1 = time.monotonic()
    rec = {"name": "report", "status": "ok", "seconds": None, "detail": "report.md, report.html"}
    night.doc["steps"].append(rec)
    report.render(night.run)
    rec["seconds"] = round(time.monotonic() - t1, 1)
    night.save()
    report.render(night.run)  # again, with its own duration
    point_latest(night.top, night.run)
    say(f"report: {os.path.join(night.run, 'report.html')}")
    for s in night.doc["new_signatures"]:
        say(f"NEW signature: {s}")
    if night.doc.get("regression_unexpected"):
        say("regression replay: unexpected results (see the report)")
    for e in night.doc.get("errors", []):
        say(f"error: {e}")
    say(f"done in {report.fmt_dur(night.doc['seconds'])}, exit {status}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
