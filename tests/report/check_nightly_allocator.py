#!/usr/bin/env python3
"""nightly.allocator: scripts/nightly.py's steps with --allocator and
--adapter, the C tools played by tests/campaign/fake_tool.py in a fake
$MMRIG_BUILD (nothing is built or fuzzed; seconds).

- campaign, triage and coverage get --allocator and every --adapter;
- the merge runs the libFuzzer target with MMRIG_ALLOCATOR;
- for another allocator than kbuddy the regression step replays the seeds
  it can run, with --allocator, and lists the others as not applicable;
  the report says so and names the allocator;
- a nightly directory keeps its allocator.

usage: check_nightly_allocator.py --root SRC --work DIR [unittest options and test names]
"""
import os
import sys
from unittest import mock

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "campaign"))
import rigtest  # noqa: E402
from rigtest import args as A  # noqa: E402
import fake_tool  # noqa: E402

BUILD = LOG = nightly = report = common = None


def setUpModule():
    global BUILD, LOG, nightly, report, common
    fake = rigtest.shared_workdir("fake")
    BUILD, LOG = os.path.join(fake, "build"), os.path.join(fake, "fake.jsonl")
    # The scripts read MMRIG_BUILD when imported.
    os.environ["MMRIG_BUILD"] = BUILD
    os.environ["FAKE_LOG"] = LOG
    nightly, report, common = (rigtest.script(n) for n in ("nightly", "report", "rig.common"))
    fake_tool.install(BUILD)


class Night:
    def __init__(self, d, alloc, adapters=()):
        self.top = d
        self.run = os.path.join(d, "runs", "r1")
        os.makedirs(os.path.join(self.run, "logs"), exist_ok=True)
        self.doc = {"allocator": alloc, "adapters": list(adapters), "jobs": 1, "run_id": "r1",
                    "steps": []}


def seeds_with(word, present):
    d = os.path.join(A.root, "corpus", "seeds")
    out = []
    for n in sorted(os.listdir(d)):
        if n.endswith(".mmr"):
            with open(os.path.join(d, n), errors="replace") as f:
                if (word in f.read()) == present:
                    out.append(n)
    return out


class Steps(rigtest.TestCase):
    def setUp(self):
        self.dir = self.workdir()
        if os.path.exists(LOG):
            os.unlink(LOG)

    def test_children_get_the_allocator(self):
        adapter = os.path.join(self.dir, "adapter")
        os.makedirs(adapter)
        night = Night(self.dir, "firstfit", [adapter])
        cmds = []
        class Args:
            time, jobs, engine = 10, 1, "libfuzzer"
        with mock.patch.object(nightly, "run_logged", lambda cmd, log, **kw: cmds.append(cmd) or 0):
            nightly.step_campaign(night, Args)
            nightly.step_triage(night)
            nightly.step_coverage(night)
        self.assertEqual(len(cmds), 3)
        for cmd in cmds:
            i = cmd.index("--allocator")
            self.assertEqual(cmd[i + 1], "firstfit", cmd)
            self.assertEqual(cmd[cmd.index("--adapter") + 1], adapter, cmd)

    def test_merge_env(self):
        night = Night(self.dir, "firstfit")
        corpus = os.path.join(self.dir, "corpus")
        os.makedirs(corpus)
        with open(os.path.join(corpus, "a"), "wb") as f:
            f.write(b"a")

        class Args:
            corpus_max_mb, corpus_max_files = 1, 100
        status, detail = nightly.step_merge(night, Args)
        self.assertEqual(status, "ok", detail)
        lf = fake_tool.records(LOG, "mmrig-fuzz-libfuzzer")
        self.assertEqual([r["env_allocator"] for r in lf], ["firstfit"])

    def test_regression_other_allocator(self):
        night = Night(self.dir, "firstfit")
        with mock.patch.dict(os.environ, FAKE_REPLAY_PASS="1"):
            status, detail = nightly.step_regression(night)
        self.assertEqual(status, "ok", detail)
        runnable, not_runnable = seeds_with("kmem_cache", False), seeds_with("kmem_cache", True)
        self.assertTrue(runnable and not_runnable)
        rp = fake_tool.records(LOG, "mmrig-replay")
        self.assertEqual(len(rp), 1)
        argv = rp[0]["argv"]
        self.assertEqual(argv[argv.index("--allocator") + 1], "firstfit")
        self.assertEqual(sorted(os.path.basename(a) for a in argv if a.endswith(".mmr")), runnable)
        self.assertNotIn(os.path.join(A.root, "corpus", "regression"), argv)
        reg = night.doc["regression"]
        self.assertEqual(reg["not_applicable"], not_runnable)
        self.assertEqual(reg["passed"], len(runnable))
        self.assertIn(f"{len(not_runnable)} not applicable", detail)
        self.assertFalse(night.doc["regression_unexpected"])
        # The report names the allocator and the not applicable seeds.
        night.doc["allocator"] = "firstfit"
        nightly.write_json(os.path.join(night.run, "nightly.json"), night.doc)
        d = report.collect(night.run, store=os.path.join(self.dir, "store"))
        md = report.render_md(d)
        self.assertIn("- allocator: firstfit", md)
        self.assertIn(not_runnable[0], md)
        html = report.render_html(d)
        self.assertIn("<th>allocator</th><td>firstfit</td>", html)
        self.assertIn('id="not-applicable"', html)

    def test_regression_conv_fails(self):
        night = Night(self.dir, "firstfit")
        with mock.patch.dict(os.environ, FAKE_CONV_FAIL="1"):
            status, detail = nightly.step_regression(night)
        self.assertEqual(status, "failed")
        self.assertIn("mmrig-conv", detail)
        self.assertTrue(night.doc["errors"])
        self.assertEqual(fake_tool.records(LOG, "mmrig-replay"), [])

    def test_regression_kbuddy(self):
        night = Night(self.dir, "kbuddy")
        nightly.step_regression(night)
        argv = fake_tool.records(LOG, "mmrig-replay")[0]["argv"]
        self.assertIn(os.path.join(A.root, "corpus", "regression"), argv)
        self.assertEqual(fake_tool.records(LOG, "mmrig-conv"), [])
        self.assertNotIn("not_applicable", night.doc["regression"])

    def test_directory_keeps_its_allocator(self):
        nightly.claim_allocator(self.dir, "firstfit")
        nightly.claim_allocator(self.dir, "firstfit")
        with self.assertRaises(SystemExit) as e:
            nightly.claim_allocator(self.dir, "kbuddy")
        self.assertEqual(e.exception.code, 2)
        old = os.path.join(self.dir, "old")  # a directory from before allocators: kbuddy's
        os.makedirs(os.path.join(old, "corpus"))
        with self.assertRaises(SystemExit):
            nightly.claim_allocator(old, "firstfit")
        nightly.claim_allocator(old, "kbuddy")

    def test_first_corpus_other_allocator(self):
        top = os.path.join(self.dir, "night")
        os.makedirs(top)
        nightly.init_corpus(top, "firstfit")
        got = sorted(os.listdir(os.path.join(top, "corpus")))
        self.assertEqual(got, sorted(n[:-4] + ".bin" for n in seeds_with("kmem_cache", False)))
        top2 = os.path.join(self.dir, "night2")
        os.makedirs(top2)
        with mock.patch.dict(os.environ, FAKE_CONV_NONE="1"):
            nightly.init_corpus(top2, "firstfit")
        self.assertEqual(os.listdir(os.path.join(top2, "corpus")), ["empty"])

    def test_version_less_corpus_converted_once(self):
        top = os.path.join(self.dir, "old-night")
        corpus = os.path.join(top, "corpus")
        os.makedirs(corpus)
        for name, data in (("a", b"\x03\x01"), ("b", b"\x00")):
            with open(os.path.join(corpus, name), "wb") as f:
                f.write(data)
        nightly.init_corpus(top, "kbuddy")
        with open(os.path.join(corpus, "a"), "rb") as f:
            self.assertEqual(f.read(), b"up:\x03\x01")
        with open(os.path.join(top + "/corpus.legacy", "a"), "rb") as f:
            self.assertEqual(f.read(), b"\x03\x01")  # the user's files, kept as they were
        self.assertEqual(sorted(os.listdir(top + "/corpus.legacy")), ["a", "b"])
        self.assertTrue(os.path.exists(os.path.join(top, "format")))
        calls = len(fake_tool.records(LOG, "mmrig-conv"))
        nightly.init_corpus(top, "kbuddy")  # marked: not converted again
        self.assertEqual(len(fake_tool.records(LOG, "mmrig-conv")), calls)
        with open(os.path.join(corpus, "b"), "rb") as f:
            self.assertEqual(f.read(), b"up:\x00")

    def test_adapter_tree_for_tools(self):
        adapter = os.path.join(self.dir, "adapter")
        os.makedirs(adapter)
        try:
            common.use_adapters([adapter])
            self.assertEqual(nightly.tool("host-asan", "mmrig-replay"),
                             os.path.join(BUILD, common.tree_name("host-asan", [adapter]),
                                          "harness", "engines", "mmrig-replay"))
        finally:
            common.use_adapters([])


if __name__ == "__main__":
    rigtest.main(rigtest.root_and_work)
