#!/usr/bin/env python3
"""Robustness of scripts/campaign.py (mmrig fuzz), fuzzing for real.

kill-resume: a 40 s campaign (both engines, 2 jobs) is SIGKILLed as a whole
  process group at three seeded-random moments and resumed with --resume
  each time. Every corpus entry, crash and hang file seen (twice, unchanged)
  just before a kill must still be there with the same content at the end,
  planted fake crash files (libFuzzer, AFL++ crashes/ and hangs/) must
  survive and be reported, and no engine
  process may be left running or stopped.
progress: a 24 s campaign interrupted by SIGINT and resumed: progress lines
  with every field, progress.tsv with elapsed increasing across the resume,
  summary.json; and the refusals (non-empty --out without --resume, --resume
  of a directory with no campaign, a bad --time) exit 2.

This driver is a child subreaper: whatever a campaign leaves behind becomes
its child, so "no stopped child left" covers every process of the run.
Exit 77 (skipped) when the libfuzzer / afl presets' targets are not built.
"""
import ctypes
import glob
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402
from rigtest import sha256  # noqa: E402

NEEDED = ["host-asan/harness/engines/mmrig-replay", "host-asan/corpus/seeds-bin",
          "libfuzzer/harness/engines/mmrig-fuzz-libfuzzer",
          "afl/harness/engines/mmrig-fuzz-afl-asan", "afl/harness/engines/mmrig-fuzz-afl-plain",
          "afl/harness/engines/mmrig-fuzz-afl-cmplog"]
PROGRESS = re.compile(r"^\[mmrig fuzz\] (\d+:)?\d\d:\d\d/(\d+:)?\d\d:\d\d \((\d+:)?\d\d:\d\d left\)  "
                      r"execs \d+ \(\d+/s\)  corpus \d+  cov (\d+|-)/afl (\d+|-)  crashes \d+  signatures \d+")
TSV_HEADER = "elapsed_s\texecs\texecs_per_s\tcorpus\tlf_cov\tafl_edges\tcrashes\tsignatures"

CASES = {"kill-resume": "Campaigns.test_kill_resume", "progress": "Campaigns.test_progress",
         "plugged": "Campaigns.test_plugged"}


def options(ap):
    ap.add_argument("--root", required=True)
    ap.add_argument("--build", required=True, help="MMRIG_BUILD: the presets' trees are below it")
    ap.add_argument("--work", required=True)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("MMRIG_TEST_SEED", "20240601")))


def snapshot(out):
    """{relative path: sha256} of the corpus, the AFL++ queues and every
    crash and hang file."""
    pats = ["corpus/*", "libfuzzer/crashes/*", "afl/*/queue/id:*", "afl/*/crashes*/id:*",
            "afl/*/hangs*/id:*"]
    snap = {}
    for pat in pats:
        for p in glob.glob(os.path.join(out, pat)):
            try:
                if os.path.isfile(p):
                    snap[os.path.relpath(p, out)] = sha256(p)
            except OSError:
                pass
    return snap


def stable_snapshot(out):
    """Files unchanged over half a second: one an engine is writing at the
    moment of the kill may legitimately end up different."""
    a = snapshot(out)
    time.sleep(0.5)
    b = snapshot(out)
    return {k: v for k, v in a.items() if b.get(k) == v}


def procs_mentioning(out):
    """Like pgrep -f OUT: processes whose command line names the campaign's
    directory (the engines, the targets copied to OUT/bin, afl-fuzz -o)."""
    found = []
    needle = out.encode()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if needle in cmd:
            found.append((int(name), cmd.replace(b"\0", b" ").decode(errors="replace")[:200]))
    return found


def children_states():
    """{pid: state} of our children after reaping the dead ones."""
    me = os.getpid()
    states = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                data = f.read()
        except OSError:
            continue
        fields = data[data.rfind(")") + 2:].split()
        if int(fields[1]) == me:
            if fields[0] == "Z":
                try:
                    os.waitpid(int(name), os.WNOHANG)
                except ChildProcessError:
                    pass
                continue
            states[int(name)] = fields[0]
    return states


def reap_all():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


class Campaign:
    def __init__(self, args, out, log):
        self.args, self.out, self.log = args, out, log

    def start(self, *extra):
        env = dict(os.environ, MMRIG_BUILD=self.args.build)
        cmd = [sys.executable, os.path.join(self.args.root, "scripts", "campaign.py"), "--out", self.out, *extra]
        print(f"$ {' '.join(cmd)}", flush=True)
        self.logf = open(self.log, "ab")
        self.logf.write(f"$ {' '.join(cmd)}\n".encode())
        self.logf.flush()
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.logf, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        return self.proc

    def run(self, *extra, timeout=200):
        self.start(*extra)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            rc = None
        self.logf.close()
        return rc


def run_plain(args, *extra):
    env = dict(os.environ, MMRIG_BUILD=args.build)
    return subprocess.run([sys.executable, os.path.join(args.root, "scripts", "campaign.py"), *extra],
                          env=env, capture_output=True, text=True, timeout=120)


class Campaigns(rigtest.TestCase):
    @classmethod
    def setUpClass(cls):
        args = rigtest.args
        args.root = os.path.abspath(args.root)
        for cand in [args.build, os.environ.get("MMRIG_BUILD")]:
            if cand and all(os.path.exists(os.path.join(cand, n)) for n in NEEDED):
                args.build = os.path.abspath(cand)
                break
        else:
            raise unittest.SkipTest(f"the libfuzzer and afl presets are not built below {args.build} "
                                    "(scripts/mmrig build libfuzzer; scripts/mmrig build afl)")
        if not shutil.which("afl-fuzz"):
            raise unittest.SkipTest("afl-fuzz not installed")
        # Orphans of the campaigns (killed on purpose) become our children.
        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER

    def setUp(self):
        self.t0 = time.monotonic()
        self.work = self.workdir()
        self.addCleanup(self.leave_nothing_running, self.work)

    def leave_nothing_running(self, work):
        for pid, _ in procs_mentioning(work):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.2)
        reap_all()
        print(f"{self.id()}: {time.monotonic() - self.t0:.0f} s")

    def final_process_checks(self, out):
        time.sleep(0.5)
        reap_all()
        left = procs_mentioning(out)
        self.assertFalse(left, f"processes left running for {out}")
        kids = children_states()
        stopped = {p: s for p, s in kids.items() if s == "T" or s == "t"}
        self.assertFalse(stopped, "stopped children left")
        self.assertFalse(kids, "children left")

    def test_kill_resume(self):
        args, work = rigtest.args, self.work
        rng = random.Random(args.seed)
        out = os.path.join(work, "out")
        log = os.path.join(work, "campaign.log")
        c = Campaign(args, out, log)
        snaps = []
        fake_rel = "libfuzzer/crashes/crash-mmrig-test-fake"
        fake_data = b"not a crash: planted by tests/campaign to see that crash files survive\n"
        afl_fakes = {"crashes": b"fake AFL++ crash (tests/campaign)\n", "hangs": b"fake AFL++ hang (tests/campaign)\n"}
        kills = 3
        for i in range(kills):
            proc = c.start("--time", "40", "--jobs", "2", "--engine", "both") if i == 0 else c.start("--resume")
            t0 = time.monotonic()
            at = rng.uniform(5, 12)
            if i == 0:
                # Plant the fake crash once the campaign made its directory.
                # Before that it brings its builds up to date, which takes as
                # long as the machine needs: the kill is timed from here.
                crashes = os.path.join(out, "libfuzzer", "crashes")
                while not os.path.isdir(crashes) and proc.poll() is None and time.monotonic() - t0 < 600:
                    time.sleep(0.1)
                self.assertTrue(os.path.isdir(crashes), f"no {crashes} after {time.monotonic() - t0:.0f} s")
                t0 = time.monotonic()
                with open(os.path.join(out, fake_rel), "wb") as f:
                    f.write(fake_data)
            if i == 1:
                # Fake AFL++ crash and hang files: afl-fuzz's in-place resume
                # moves crashes/ and hangs/ aside; they must survive that.
                for sub, data in afl_fakes.items():
                    d = os.path.join(out, "afl", "main", sub)
                    os.makedirs(d, exist_ok=True)
                    with open(os.path.join(d, "id:999999,mmrig-test-fake"), "wb") as f:
                        f.write(data)
            time.sleep(max(0.0, at - (time.monotonic() - t0) - 0.5))
            self.assertIsNone(proc.poll(), f"segment {i} ended before its kill (status {proc.returncode})")
            snap = stable_snapshot(out)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            c.logf.close()
            print(f"killed segment {i} at {time.monotonic() - t0:.1f} s: {len(snap)} files snapshotted", flush=True)
            snaps.append(snap)
            reap_all()
            time.sleep(0.3)
        rc = c.run("--resume", timeout=150)
        with open(log, errors="replace") as f:
            text = f.read()
        print(text[-3000:], flush=True)
        self.assertTrue(rc == 1, f"final segment: exit status {rc}, expected 1 (the planted crash file)")
        self.final_process_checks(out)

        # Every file seen before a kill is still there, byte for byte. AFL++'s
        # in-place resume moves a non-empty crashes/ (hangs/) to
        # crashes.<date>/: those are looked up by name in any crashes*/ dir.
        now = snapshot(out)
        corpus_hashes = {v for k, v in now.items() if k.startswith("corpus/")}
        queue_hashes = {v for k, v in now.items() if "/queue/" in k}
        lost = []
        for snap in snaps:
            for path, digest in snap.items():
                parts = path.split("/")
                if parts[0] in ("corpus",) or path.startswith("libfuzzer/crashes/"):
                    ok = now.get(path) == digest
                elif parts[0] == "afl" and parts[2].startswith(("crashes", "hangs")):
                    kind = "crashes" if parts[2].startswith("crashes") else "hangs"
                    ok = any(now.get(p) == digest for p in now
                             if p.startswith(f"afl/{parts[1]}/{kind}") and p.endswith("/" + parts[-1]))
                else:  # an AFL++ queue entry: its content must be in the shared corpus
                    ok = digest in corpus_hashes or digest in queue_hashes
                if not ok:
                    lost.append(path)
        self.assertTrue(not lost, f"{len(lost)} snapshotted file(s) lost or changed: {lost[:10]}")
        self.assertTrue(all(snaps), "a snapshot was empty (nothing fuzzed before a kill?)")
        # The final sync: every AFL++ queue entry's content is in corpus/.
        missing = queue_hashes - corpus_hashes
        self.assertTrue(not missing, f"{len(missing)} AFL++ queue entries not synced into corpus/")
        fake = os.path.join(out, fake_rel)
        self.assertTrue(os.path.exists(fake) and open(fake, "rb").read() == fake_data, "the planted crash file changed or vanished")

        for sub, data in afl_fakes.items():
            found = [p for p in glob.glob(os.path.join(out, "afl", "main", sub + "*", "id:999999,mmrig-test-fake"))
                     if open(p, "rb").read() == data]
            self.assertTrue(len(found) == 1, f"the planted AFL++ {sub} file: found {found}")

        summary = json.load(open(os.path.join(out, "summary.json")))
        self.assertTrue(summary["crash_files"] >= 3, f"summary counts {summary['crash_files']} crash files, expected the 3 planted")
        self.assertTrue(summary["segments"] == kills + 1, f"summary segments {summary['segments']}, expected {kills + 1}")
        self.assertTrue(summary["crash_files"] >= 1, "summary counts no crash file")
        firsts = [s["first"] for s in summary["signatures"]]
        self.assertTrue(fake_rel in firsts, f"the planted file is no signature's first artifact: {summary['signatures']}")
        sigdb = json.load(open(os.path.join(out, "signatures.json")))["by_sha256"]
        self.assertTrue(hashlib.sha256(fake_data).hexdigest() in sigdb, "the planted file was not replayed")
        self.assertTrue(summary["execs"] > 0 and summary["corpus"] > 0, "no execs or empty corpus in the summary")
        self.assertTrue(summary["elapsed_s"] >= 40, f"elapsed {summary['elapsed_s']} < the 40 s budget")
        rows = open(os.path.join(out, "progress.tsv")).read().splitlines()
        els = [float(r.split("\t")[0]) for r in rows[1:]]
        self.assertTrue(els == sorted(els) and len(set(els)) == len(els), f"progress.tsv elapsed not increasing: {els}")

    def test_progress(self):
        args, work = rigtest.args, self.work
        out = os.path.join(work, "out")
        log = os.path.join(work, "campaign.log")
        c = Campaign(args, out, log)
        proc = c.start("--time", "24", "--jobs", "2", "--engine", "both")
        time.sleep(13)
        self.assertTrue(proc.poll() is None, "the campaign ended before its interrupt")
        os.killpg(proc.pid, signal.SIGINT)
        rc1 = proc.wait(timeout=60)
        c.logf.close()
        self.assertTrue(rc1 == 0, f"interrupted campaign: exit status {rc1}, expected 0")
        mid = json.load(open(os.path.join(out, "summary.json")))
        self.assertTrue(mid["ended"].startswith("interrupted"), f"summary 'ended' is {mid['ended']!r}")
        reap_all()
        self.assertTrue(not procs_mentioning(out), "processes left after SIGINT")
        rows_before = len(open(os.path.join(out, "progress.tsv")).read().splitlines())

        # Refusals, while the campaign directory is not empty.
        r = run_plain(args, "--time", "5", "--out", out)
        self.assertTrue(r.returncode == 2 and "--resume" in r.stderr, f"non-empty --out without --resume: {r.returncode} {r.stderr!r}")
        stray = os.path.join(work, "not-a-campaign")
        os.makedirs(stray)
        open(os.path.join(stray, "keep-me"), "w").write("x")
        r = run_plain(args, "--resume", "--out", stray)
        self.assertTrue(r.returncode == 2 and os.listdir(stray) == ["keep-me"], f"--resume of a non-campaign: {r.returncode} {r.stderr!r}")
        # A campaign from before the format byte: its inputs are refused, so is its resume.
        old = os.path.join(work, "version-less")
        os.makedirs(os.path.join(old, "corpus"))
        state = {"version": 1, "options": {}, "segments": [], "execs": {}, "last": {}}
        with open(os.path.join(old, "campaign.json"), "w") as f:
            json.dump(state, f)
        open(os.path.join(old, "corpus", "a"), "wb").write(b"\x03\x01")
        r = run_plain(args, "--resume", "--out", old)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--upgrade --legacy", r.stderr)
        self.assertEqual(json.load(open(os.path.join(old, "campaign.json"))), state)
        r = run_plain(args, "--time", "soon", "--out", os.path.join(work, "x"))
        self.assertTrue(r.returncode == 2, f"bad --time: exit status {r.returncode}")

        rc2 = c.run("--resume", timeout=120)
        self.assertTrue(rc2 == 0, f"resumed campaign: exit status {rc2}, expected 0 (clean kernel)")
        self.final_process_checks(out)
        with open(log, errors="replace") as f:
            text = f.read()
        print(text[-2500:], flush=True)
        lines = [l for l in text.splitlines() if l.startswith("[mmrig fuzz] ") and " execs " in l and "left)" in l]
        self.assertTrue(len(lines) >= 3, f"only {len(lines)} progress line(s)")
        bad = [l for l in lines if not PROGRESS.match(l)]
        self.assertTrue(not bad, f"progress lines without every field: {bad[:3]}")
        self.assertTrue(all(" cov -/" not in l and "/afl -" not in l for l in lines[1:]),
              "coverage of an engine missing from the progress lines")

        rows = open(os.path.join(out, "progress.tsv")).read().splitlines()
        self.assertTrue(rows[0] == TSV_HEADER, f"progress.tsv header {rows[0]!r}")
        cells = [r.split("\t") for r in rows[1:]]
        self.assertTrue(all(len(c) == 8 for c in cells), "a progress.tsv row without 8 fields")
        self.assertTrue(len(rows) > rows_before, "the resume appended no progress row")
        els = [float(c[0]) for c in cells]
        self.assertTrue(els == sorted(els) and len(set(els)) == len(els), f"elapsed not increasing across the resume: {els}")
        self.assertTrue(els[-1] >= 24, f"final elapsed {els[-1]} < the 24 s budget")
        self.assertTrue(all(int(c[1]) >= 0 and int(c[3]) >= 0 for c in cells), "bad execs/corpus cells")

        summary = json.load(open(os.path.join(out, "summary.json")))
        for key in ("elapsed_s", "execs", "execs_per_s", "corpus", "coverage", "engines", "crash_files", "signatures"):
            self.assertTrue(key in summary, f"summary.json lacks {key}")
        self.assertTrue(set(summary["engines"]) == {"libfuzzer", "afl"}, f"engines {summary['engines'].keys()}")
        self.assertTrue(summary["segments"] == 2 and summary["exit"] == 0, "summary segments / exit")
        text_summary = text[text.rfind("done ("):]
        self.assertTrue("libFuzzer" in text_summary and "AFL++ main" in text_summary and "crash files 0" in text_summary,
              "printed summary incomplete")

    def test_plugged(self):
        """A real campaign on a plugged byte allocator (the kernel's kmalloc
        through the byte interface): both engines run it, from the seeds
        converted for it (the page-only ones left out) and its own dictionary,
        and everything it writes names it."""
        args, work = rigtest.args, self.work
        out = os.path.join(work, "out")
        c = Campaign(args, out, os.path.join(work, "campaign.log"))
        rc = c.run("--time", "20", "--jobs", "2", "--engine", "both", "--allocator", "kmalloc",
                   timeout=400)
        self.final_process_checks(out)
        with open(c.log, errors="replace") as f:
            text = f.read()
        print(text[-2000:], flush=True)
        self.assertTrue(rc == 0, f"campaign on kmalloc: exit status {rc}, expected 0 (no bug)")
        summary = json.load(open(os.path.join(out, "summary.json")))
        self.assertTrue(summary.get("allocator") == "kmalloc", f"summary allocator {summary.get('allocator')!r}")
        for eng in ("libfuzzer", "afl"):
            self.assertTrue(summary["engines"].get(eng, {}).get("execs", 0) > 0, f"{eng} ran no input")
        seeds = sorted(os.listdir(os.path.join(out, "seeds")))
        self.assertTrue("00-check.bin" in seeds and "10-krealloc.bin" in seeds and
              "01-pages-every-order.bin" not in seeds, f"converted seeds {seeds}")
        with open(os.path.join(out, "mmrig.dict")) as f:
            d = f.read()
        self.assertTrue("allocator kmalloc" in d and "alloc_pages" not in d, "the dictionary is kmalloc's")
        self.assertTrue("allocator kmalloc" in text[text.rfind("done ("):], "the printed summary names the allocator")



if __name__ == "__main__":
    rigtest.main(options, CASES)
