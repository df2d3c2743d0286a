#!/usr/bin/env python3
"""Tests of `scripts/mmrig mutate` (scripts/mutate.py, scripts/rig/mutants.py).

  generator   the exact mutant list of fixture.c (fixture.expected); ids
              survive unrelated edits; a planted .mut spec still writes
              the same two-line header through mutants.py
  equivalent  malformed equivalent lists exit 2 naming file:line:col; a
              stale id is warned about
  runner      a real run of two mutants with seeds + regression: one the
              buddy oracles kill, one equivalent (it survives; listed, it
              counts as equivalent), and --resume runs nothing twice
  unit        the unit stage kills an mm_check mutant the replay misses (a
              death test of tests/kernel/test_mm_check); a journal from
              before the stage gets it on --resume; the report's columns
  fuzz        the fuzz stage alone (libFuzzer on a mutant): a kill, its
              crash file kept, the oracle's signature
  sample      the CI sample: a deterministic sample, seeds + regression
              then the unit stage, no fuzzing; prints a score

usage: check_mutation.py TEST --root SRC --work DIR
"""
import json
import os
import shutil
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402
from rigtest import args as A  # noqa: E402

CASES = {"generator": "Generator", "hang": "Hang", "equivalent": "Equivalent", "runner": "Runner", "unit": "Unit",
         "fuzz": "Fuzz", "sample": "Sample"}
KILLABLE = "buddy.c:add_to_free_area:drop-stmt:f64c3ccc"      # z->free_area[order].nr_free++ dropped
EQUIVALENT = "buddy.c:reserve_holes:relational:d58e2fed"      # if (end_pfn >= pfn) pfn = end_pfn
# `!(pte & PTE_A)` -> `!(pte | PTE_A)`: mm_check no longer sees a leaf
# without A. No program makes one; test_mm_check's "leaf without A" does.
UNIT_ONLY = "mm_check.c:check_leaf:flags:d1fb67e2"


def options(ap):
    ap.add_argument("--root", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--build", help="MMRIG_BUILD for the runner tests (the mutation trees)")


def setUpModule():
    # The trees below --build outlive the run: every mutation test reuses them.
    A.root, A.work = os.path.abspath(A.root), os.path.join(A.work, A.case)
    A.build = os.path.abspath(A.build or os.path.join(A.work, "build"))
    os.makedirs(A.work, exist_ok=True)


def run(*args, env=None):
    return rigtest.python(*args, env=env, timeout=None)


def mutate(*args, env=None):
    return run(os.path.join(A.root, "scripts", "mutate.py"), *args, env=env)


def gen_list(path):
    r = run(os.path.join(A.root, "scripts", "rig", "mutants.py"), path)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


class Generator(rigtest.TestCase):
    fixture = None

    @classmethod
    def setUpClass(cls):
        cls.fixture = os.path.join(A.root, "tests", "mutation", "fixture.c")

    def test_exact_list(self):
        with open(os.path.join(A.root, "tests", "mutation", "fixture.expected")) as f:
            want = f.read().splitlines()
        self.assertEqual(gen_list(self.fixture), want)

    def test_ids_survive_unrelated_edits(self):
        with open(self.fixture) as f:
            text = f.read()
        before = {line.split("\t")[0] for line in gen_list(self.fixture)}
        # A function added in front, and a statement added inside fill():
        # every line moves, no old id may change.
        edited = text.replace('#include "fixture.h"\n',
                              '#include "fixture.h"\n\nint other(int x)\n{\n\treturn x < 2;\n}\n')
        edited = edited.replace("\tint n = 0;\n", "\tint n = 0;\n\n\tsetup(p, flags);\n")
        self.assertNotEqual(edited, text)
        os.makedirs(A.work, exist_ok=True)
        path = os.path.join(A.work, "fixture.c")
        with open(path, "w") as f:
            f.write(edited)
        after = {line.split("\t")[0] for line in gen_list(path)}
        self.assertLessEqual(before, after, "ids changed: " + ", ".join(sorted(before - after)))
        self.assertTrue(any(i.startswith("fixture.c:other:") for i in after))

    def test_no_site_outside_code(self):
        for line in gen_list(self.fixture):
            ln = int(line.split("\t")[1].split(":")[0])
            self.assertGreaterEqual(ln, 12, line)  # comments, #define, struct, table are above

    def test_planted_spec_writer(self):
        out = os.path.join(A.work, "planted.c")
        os.makedirs(A.work, exist_ok=True)
        spec = os.path.join(A.root, "tests", "planted", "mutants", "buddy-nr-free.mut")
        r = run(os.path.join(A.root, "tests", "planted", "mutate.py"), spec, A.root, out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            head = [f.readline(), f.readline()]
        self.assertEqual(head, [f"/* MUTANT of kernel/mm/buddy.c from {spec} */\n",
                                f'#line 1 "{A.root}/kernel/mm/buddy.c"\n'])
        bad = os.path.join(A.work, "bad.mut")
        with open(bad, "w") as f:
            f.write("file: kernel/mm/buddy.c\nfind: no such text anywhere\nreplace: x\n")
        r = run(os.path.join(A.root, "tests", "planted", "mutate.py"), bad, A.root, out)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("occurs 0 times", r.stderr)


class Hang(rigtest.TestCase):
    def test_timeout_kills_the_group(self):
        """A mutant that hangs: run_quiet gives up at the timeout and kills
        the child's whole process group, a grandchild too."""
        tool = rigtest.script("mutate", A.root)
        work = self.workdir()
        pidfile = os.path.join(work, "grandchild")
        rc, secs = tool.run_quiet(["sh", "-c", f"sleep 60 & echo $! > {pidfile}; wait"],
                                  os.path.join(work, "hang.log"), timeout=0.5)
        self.assertIsNone(rc)
        self.assertLess(secs, 30)
        with open(pidfile) as f:
            pid = int(f.read())
        for _ in range(100):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except FileNotFoundError:
                break
            if state == "Z":
                break
            time.sleep(0.05)
        else:
            self.fail(f"the grandchild {pid} still runs after the timeout")


class Equivalent(rigtest.TestCase):
    def check_bad(self, text, where, what):
        os.makedirs(A.work, exist_ok=True)
        path = os.path.join(A.work, "equivalent.txt")
        with open(path, "w") as f:
            f.write(text)
        r = mutate("--list", "--files", "kvm.c", "--equivalent", path)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(f"{path}:{where}: error: {what}", r.stderr)

    def test_not_an_id(self):
        self.check_bad("# ok\n\nbuddy.c:add_to_free_area  reason\n", "3:1", "'buddy.c:add_to_free_area' is not a mutant id")

    def test_no_reason(self):
        self.check_bad(f"  {KILLABLE}\n", "1:46", "no reason after the id")

    def test_unknown_operator(self):
        self.check_bad("kvm.c:kvmmake:bogus:01234567  why\n", "1:15", "unknown operator 'bogus'")

    def test_listed_twice(self):
        self.check_bad(f"{EQUIVALENT}  a\n{EQUIVALENT}  b\n", "2:1", f"{EQUIVALENT} is listed twice")

    def test_stale_warning(self):
        path = os.path.join(A.work, "stale.txt")
        with open(path, "w") as f:
            f.write(f"kvm.c:kvmmake:return:01234567  gone\n{EQUIVALENT}  fine\n")
        r = mutate("--list", "--files", "kvm.c", "--equivalent", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("kvm.c:kvmmake:return:01234567 is listed as equivalent but no longer generated", r.stderr)
        self.assertNotIn(EQUIVALENT, r.stderr)

    def test_checked_in_list_is_clean(self):
        r = mutate("--list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("warning", r.stderr)


def env():
    return dict(os.environ, MMRIG_BUILD=A.build)


class Runner(rigtest.TestCase):
    def test_kill_and_equivalent(self):
        out = os.path.join(A.work, "run")
        shutil.rmtree(out, ignore_errors=True)
        empty = os.path.join(A.work, "none.txt")
        open(empty, "w").close()
        args = ["--ids", f"{KILLABLE},{EQUIVALENT}", "--no-fuzz", "--out", out,
                "--trees", os.path.join(A.build, "mutate-test")]
        r = mutate(*args, "--equivalent", empty, env=env())
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(os.path.join(out, "journal.jsonl")) as f:
            recs = {json.loads(line)["id"]: json.loads(line) for line in f}
        self.assertEqual(recs[KILLABLE]["status"], "killed", recs[KILLABLE])
        self.assertTrue(recs[KILLABLE]["signature"].startswith("buddy."), recs[KILLABLE])
        self.assertEqual(recs[EQUIVALENT]["status"], "survived", recs[EQUIVALENT])
        with open(os.path.join(out, "report.md")) as f:
            md = f.read()
        self.assertIn("**Score: 50.0%**", md)
        self.assertIn(f"### `{EQUIVALENT}`", md)
        self.assertIn("+\t\tif (next->end_pfn >= pfn)", md)
        # Listed, the survivor is equivalent: the score is over the killable one.
        listed = os.path.join(A.work, "listed.txt")
        with open(listed, "w") as f:
            f.write(f"{EQUIVALENT}  assigning the value pfn has\n")
        r = mutate("--report", "--out", out, "--equivalent", listed, env=env())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("score 100.0%", r.stdout)
        with open(os.path.join(out, "report.json")) as f:
            doc = json.load(f)
        self.assertEqual(doc["files"]["kernel/mm/buddy.c"]["equivalent"], 1)
        # Nothing left to run: a resume only reports.
        r = mutate("--resume", "--out", out, "--trees", os.path.join(A.build, "mutate-test"), env=env())
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("2 run, 0 to run", r.stdout)
        # A second run into the same directory without --resume is refused.
        r = mutate(*args, env=env())
        self.assertEqual(r.returncode, 2)
        self.assertIn("--resume it", r.stderr)


class Unit(rigtest.TestCase):
    def test_unit_stage_kills_what_the_replay_misses(self):
        out = os.path.join(A.work, "unit")
        shutil.rmtree(out, ignore_errors=True)
        trees = os.path.join(A.build, "mutate-test")
        # Without the stage the mutant survives: the replay cannot see it.
        r = mutate("--ids", UNIT_ONLY, "--no-fuzz", "--no-unit", "--out", out, "--trees", trees, env=env())
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        journal = os.path.join(out, "journal.jsonl")
        with open(journal) as f:
            rec = json.loads(f.read())
        self.assertEqual(rec["status"], "survived", rec)
        self.assertNotIn("unit", rec)
        # That journal and a config without the stage's keys are what a run
        # from before the stage left: --resume runs the stage on it.
        cfg = os.path.join(out, "config.json")
        with open(cfg) as f:
            doc = json.load(f)
        for k in ("no_unit", "unit_timeout"):
            del doc["selection"][k]
        with open(cfg, "w") as f:
            json.dump(doc, f)
        r = mutate("--report", "--out", out, env=env())
        self.assertIn("(1 not unit-tested yet)", r.stdout)
        r = mutate("--resume", "--out", out, "--trees", trees, env=env())
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"\d+ unit tests \(1 waiting\)")
        self.assertIn("killed-unit", r.stdout)
        recs = {}
        with open(journal) as f:
            for line in f:
                got = json.loads(line)
                recs[got["id"]] = got
        rec = recs[UNIT_ONLY]
        self.assertEqual(rec["status"], "killed-unit", rec)
        self.assertEqual(rec["stage"], "unit", rec)
        self.assertEqual(rec["by"], "tests/kernel/test_mm_check", rec)
        self.assertIn("CHECK failed", rec["signature"])
        self.assertTrue(rec["unit"])
        with open(os.path.join(out, "report.md")) as f:
            md = f.read()
        self.assertIn("**Score: 100.0%**", md)
        self.assertIn("the replay stage alone (seeds + regression): **0.0%**", md)
        self.assertIn("| **all** | 1 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0.0% | 100.0% |", md)
        self.assertIn(f"| `{UNIT_ONLY}` | tests/kernel/test_mm_check |", md)
        with open(os.path.join(out, "report.json")) as f:
            total = json.load(f)["total"]
        self.assertEqual((total["by-replay"], total["by-unit"], total["score"], total["replay_score"]),
                         (0, 1, 100.0, 0.0))
        # Nothing left: a second resume runs no stage again.
        r = mutate("--resume", "--out", out, "--trees", trees, env=env())
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("[unit", r.stdout)


class Fuzz(rigtest.TestCase):
    def test_fuzz_stage_kills_and_keeps_the_crash(self):
        # Stage two on its own, for a mutant the seeds kill at once: the
        # libFuzzer tree builds with the mutant, the run stops at the first
        # crash, the crash file is kept and the signature is the oracle's.
        mutate = rigtest.script("mutate")
        trees = os.path.join(A.build, "mutate-test")
        w = mutate.Worker(trees, 0, True)
        mut = [m for m in mutate.all_mutants(["kernel/mm/buddy.c"], []) if m.id == KILLABLE][0]
        w.place(None)
        w.configure("libfuzzer", w.libfuzzer)
        for target in ("mmrig-fuzz-libfuzzer", "seeds"):
            rc, _ = w.build(w.libfuzzer, target, os.path.join(w.log, "build-libfuzzer.log"), jobs=2)
            self.assertEqual(rc, 0, mutate.tail(os.path.join(w.log, "build-libfuzzer.log")))
        out = os.path.join(A.work, "fuzz")
        shutil.rmtree(out, ignore_errors=True)
        rec = mutate.fuzz_mutant(w, mut, {"out": out, "fuzz_time": 60, "seed": 1, "timeout": 5},
                                 {"id": mut.id, "status": "survived", "fuzzed": False})
        self.assertEqual(rec["status"], "killed-fuzz", rec)
        self.assertTrue(rec["signature"].startswith("buddy."), rec)
        crashes = os.listdir(os.path.join(out, "crashes", mut.id.replace(":", "_")))
        self.assertTrue(any(c.startswith("crash-") for c in crashes), crashes)
        w.place(None)


class Sample(rigtest.TestCase):
    def test_ci_sample(self):
        out = os.path.join(A.work, "sample")
        shutil.rmtree(out, ignore_errors=True)
        r = mutate("--sample", "12", "--seed", "1", "--no-fuzz", "--out", out,
                   "--trees", os.path.join(A.build, "mutate-test"), env=env())
        print(r.stdout)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"mutate: score \d+\.\d%: ")
        # A line per result of each stage; the last one of an id counts.
        # Without fuzzing the unit stage still ran on every replay
        # survivor, and a survivor is final, not waiting for a later stage.
        recs = {}
        with open(os.path.join(out, "journal.jsonl")) as f:
            for line in f:
                rec = json.loads(line)
                recs[rec["id"]] = rec
        self.assertEqual(len(recs), 12)
        recs = list(recs.values())
        for rec in recs:
            if rec["status"] == "survived" or rec.get("stage") == "unit":
                self.assertTrue(rec.get("unit"), rec)
        self.assertTrue(any(r.get("unit") for r in recs), "no replay survivor in the sample")
        with open(os.path.join(out, "report.md")) as f:
            md = f.read()
        self.assertNotIn("(not fuzzed yet)", md)
        self.assertNotIn("(not unit-tested yet)", md)
        self.assertIn("| killed: replay | unit | fuzz |", md)


if __name__ == "__main__":
    rigtest.main(options, CASES)
