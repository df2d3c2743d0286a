#!/usr/bin/env python3
"""campaign.allocator: --allocator and --adapter in the build-tree rule
(scripts/rig) and in scripts/campaign.py, with the C tools played by
fake_tool.py in a fake $MMRIG_BUILD (nothing is compiled; a few seconds).

- the tree of an adapter set: the same for any order of the same dirs,
  another for another set, relative dirs taken against the cwd, the
  default tree without adapters;
- a missing adapter directory: exit 2 with a message naming it, from
  rig/tree.py, campaign.py, triage.py, nightly.py, coverage.sh and
  scripts/mmrig replay;
- a campaign on another allocator: MMRIG_ALLOCATOR for the engine (whatever
  the caller exported), --allocator for the live replay, the seeds
  converted for it (the ones it cannot run skipped and counted; none: one
  empty input), its own dictionary, the allocator in summary.json, the
  tools of the adapter set's tree; a resume on another allocator and an
  allocator the build lacks are refused;
- make_engines gives AFL++ instances MMRIG_ALLOCATOR too.

usage: check_allocator.py --root SRC --work DIR [unittest options and test names]
"""
import os
import shutil
import sys
from unittest import mock

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402
from rigtest import load_json as load  # noqa: E402
import fake_tool  # noqa: E402

A = rigtest.args
SCRIPTS = common = None


def setUpModule():
    global SCRIPTS, common
    SCRIPTS = os.path.join(A.root, "scripts")
    common = rigtest.script("rig.common")


def run(cmd, env=None, cwd=None, timeout=120):
    return rigtest.run(cmd, env=env, cwd=cwd, timeout=timeout)


def seeds_that(pred):
    d = os.path.join(A.root, "corpus", "seeds")
    out = []
    for n in sorted(os.listdir(d)):
        if n.endswith(".mmr"):
            with open(os.path.join(d, n), errors="replace") as f:
                if pred(f.read()):
                    out.append(n)
    return out


class Work(rigtest.TestCase):
    def setUp(self):
        self.dir = self.workdir()
        self.build = os.path.join(self.dir, "build")
        self.log = os.path.join(self.dir, "fake.jsonl")
        self.env = dict(os.environ, MMRIG_BUILD=self.build, FAKE_LOG=self.log)
        self.env.pop("MMRIG_ALLOCATOR", None)


class TreeNaming(Work):
    def test_same_set_same_tree(self):
        a, b = os.path.join(self.dir, "a"), os.path.join(self.dir, "b")
        os.makedirs(a)
        os.makedirs(b)
        self.assertEqual(common.tree_name("host-asan", [a, b]), common.tree_name("host-asan", [b, a]))
        self.assertEqual(common.tree_name("host-asan", [a, b, a]), common.tree_name("host-asan", [b, a]))
        name = common.tree_name("afl", [a, b])
        self.assertRegex(name, r"^afl-adapters-[0-9a-f]{12}$")

    def test_other_set_other_tree(self):
        a, b, c = (os.path.join(self.dir, n) for n in "abc")
        names = {common.tree_name("host-asan", s) for s in ([a], [b], [a, b], [a, c], [a, b, c])}
        self.assertEqual(len(names), 5)
        self.assertNotEqual(common.tree_name("host-asan", [a]), common.tree_name("libfuzzer", [a]))

    def test_no_adapters_default_tree(self):
        self.assertEqual(common.tree_name("host-asan", []), "host-asan")

    def test_relative_dirs_against_cwd(self):
        a = os.path.join(self.dir, "a")
        os.makedirs(a)
        self.assertEqual(common.adapter_dirs(["a", "./a/", a], cwd=self.dir), [a])
        tree_py = os.path.join(SCRIPTS, "rig", "tree.py")
        rel = run([sys.executable, tree_py, "path", "host-asan", "--adapter", "a"], self.env, cwd=self.dir)
        ab = run([sys.executable, tree_py, "path", "host-asan", "--adapter", a], self.env, cwd="/")
        self.assertEqual(rel.returncode, 0, rel.stderr)
        self.assertEqual(rel.stdout, ab.stdout)
        self.assertEqual(rel.stdout.strip(), os.path.join(self.build, common.tree_name("host-asan", [a])))
        plain = run([sys.executable, tree_py, "path", "host-asan"], self.env)
        self.assertEqual(plain.stdout.strip(), os.path.join(self.build, "host-asan"))


class MissingAdapter(Work):
    def check_refused(self, cmd):
        missing = os.path.join(self.dir, "no-such-adapter")
        r = run(cmd + ["--adapter", missing], self.env, cwd=self.dir)
        self.assertEqual(r.returncode, 2, f"{cmd}: {r.stdout}{r.stderr}")
        self.assertIn("no-such-adapter", r.stderr)
        self.assertIn("no such directory", r.stderr)
        return r

    def test_tree_py(self):
        self.check_refused([sys.executable, os.path.join(SCRIPTS, "rig", "tree.py"), "build", "host-asan"])

    def test_campaign(self):
        out = os.path.join(self.dir, "out")
        self.check_refused([sys.executable, os.path.join(SCRIPTS, "campaign.py"), "--out", out,
                            "--engine", "libfuzzer"])
        self.assertFalse(os.path.exists(out), "a refused campaign left its --out behind")

    def test_triage(self):
        f = os.path.join(self.dir, "crash")
        with open(f, "wb") as g:
            g.write(b"x")
        self.check_refused([sys.executable, os.path.join(SCRIPTS, "triage.py"), f,
                            "--store", os.path.join(self.dir, "store")])

    def test_nightly(self):
        out = os.path.join(self.dir, "night")
        self.check_refused([sys.executable, os.path.join(SCRIPTS, "nightly.py"), "--out", out])
        self.assertFalse(os.path.exists(out))

    def test_coverage_sh(self):
        out = os.path.join(self.dir, "cov")
        missing = os.path.join(self.dir, "no-such-adapter")
        r = run([os.path.join(SCRIPTS, "coverage.sh"), "--adapter", missing, out, "corpus"], self.env)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("no-such-adapter", r.stderr)
        self.assertFalse(os.path.exists(out))

    def test_mmrig_replay(self):
        if shutil.which("dpkg-query") is None:
            self.skipTest("scripts/mmrig checks Debian packages first")
        r = self.check_refused([os.path.join(SCRIPTS, "mmrig"), "replay"])
        self.assertNotIn("missing packages", r.stderr)


class Campaign(Work):
    def campaign(self, *args, env=None, out="out"):
        out = os.path.join(self.dir, out)
        r = run([sys.executable, os.path.join(SCRIPTS, "campaign.py"), "--engine", "libfuzzer",
                 "--jobs", "1", "--time", "20", "--out", out, *args], env or self.env, timeout=180)
        return r, out

    def test_other_allocator(self):
        fake_tool.install(self.build)
        env = dict(self.env, MMRIG_ALLOCATOR="not-this-one")
        r, out = self.campaign("--allocator", "firstfit", env=env)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)  # the fake engine's crash file
        lf = fake_tool.records(self.log, "mmrig-fuzz-libfuzzer")
        self.assertEqual(len(lf), 1)
        self.assertEqual(lf[0]["env_allocator"], "firstfit")
        self.assertIn(f"-dict={os.path.join(out, 'mmrig.dict')}", lf[0]["argv"])
        self.assertEqual(lf[0]["argv"][-1], os.path.join(out, "seeds"))
        with open(os.path.join(out, "mmrig.dict")) as f:
            self.assertIn("firstfit", f.read())
        # Seeds: those the allocator cannot run skipped, and said so.
        skip = seeds_that(lambda t: "kmem_cache" in t)
        keep = seeds_that(lambda t: "kmem_cache" not in t)
        self.assertTrue(skip and keep, "the seeds no longer split on kmem_cache: adjust the test")
        self.assertEqual(sorted(os.listdir(os.path.join(out, "seeds"))),
                         sorted(n[:-4] + ".bin" for n in keep))
        self.assertIn(f"{len(keep)} converted, {len(skip)} skipped", r.stdout)
        # The live replay of the crash file.
        rp = fake_tool.records(self.log, "mmrig-replay")
        self.assertTrue(rp, "the crash file was not replayed")
        for x in rp:
            self.assertEqual(x["argv"][x["argv"].index("--allocator") + 1], "firstfit")
            self.assertEqual(x["env_allocator"], "firstfit")
        s = load(os.path.join(out, "summary.json"))
        self.assertEqual(s["allocator"], "firstfit")
        self.assertEqual(s["options"]["allocator"], "firstfit")
        self.assertEqual(s["seeds"], {"converted": len(keep), "skipped": len(skip)})
        self.assertEqual([x["signature"] for x in s["signatures"]],
                         ["buddy.misaligned in alloc_pages [firstfit]"])
        # Resuming it on another allocator is refused; on its own it goes on.
        r2, _ = self.campaign("--resume", "--allocator", "kbuddy")
        self.assertEqual(r2.returncode, 2, r2.stdout + r2.stderr)
        self.assertIn("firstfit", r2.stderr)
        r3, _ = self.campaign("--resume", "--time", "25")
        self.assertIn(r3.returncode, (0, 1), r3.stdout + r3.stderr)
        self.assertEqual(fake_tool.records(self.log, "mmrig-fuzz-libfuzzer")[-1]["env_allocator"], "firstfit")

    def test_no_seed_applies(self):
        fake_tool.install(self.build)
        r, out = self.campaign("--allocator", "firstfit", env=dict(self.env, FAKE_CONV_NONE="1"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        seeds = os.path.join(out, "seeds")
        # The empty program, as mmrig-conv wrote it (the fake: "bin:" + source).
        self.assertEqual(os.listdir(seeds), ["empty"])
        with open(os.path.join(seeds, "empty"), "rb") as f:
            self.assertEqual(f.read(), b"bin:.empty.mmr")
        self.assertIn("0 converted", r.stdout)
        self.assertIn("one empty input", r.stdout)

    def test_kbuddy_default(self):
        fake_tool.install(self.build)
        r, out = self.campaign(env=dict(self.env, MMRIG_ALLOCATOR="firstfit"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        lf = fake_tool.records(self.log, "mmrig-fuzz-libfuzzer")[0]
        self.assertEqual(lf["env_allocator"], "kbuddy")
        self.assertIn(f"-dict={os.path.join(A.root, 'corpus', 'mmrig.dict')}", lf["argv"])
        self.assertEqual(lf["argv"][-1], os.path.join(self.build, "host-asan", "corpus", "seeds-bin"))
        self.assertEqual(fake_tool.records(self.log, "mmrig-conv"), [])
        for x in fake_tool.records(self.log, "mmrig-replay"):
            self.assertEqual(x["env_allocator"], "kbuddy")
        self.assertEqual(load(os.path.join(out, "summary.json"))["allocator"], "kbuddy")

    def test_unknown_allocator(self):
        fake_tool.install(self.build)
        r, out = self.campaign("--allocator", "nosuch")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("nosuch", r.stderr)
        r, out = self.campaign("--allocator", "bad name", out="out2")
        self.assertEqual(r.returncode, 2)

    def test_adapter_tree(self):
        adapter = os.path.join(self.dir, "my-adapter")
        os.makedirs(adapter)
        fake_tool.install(self.build, "-" + common.tree_name("x", [adapter]).split("-", 1)[1])
        r, out = self.campaign("--allocator", "firstfit", "--adapter", adapter)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        tree = os.path.join(self.build, common.tree_name("libfuzzer", [adapter]))
        self.assertFalse(os.path.exists(os.path.join(self.build, "libfuzzer")),
                         "the default tree was touched")
        installed = os.path.join(out, "bin", "mmrig-fuzz-libfuzzer")
        with open(installed, "rb") as f, open(os.path.join(tree, "harness", "engines",
                                                           "mmrig-fuzz-libfuzzer"), "rb") as g:
            self.assertEqual(f.read(), g.read())
        for x in fake_tool.records(self.log, "mmrig-replay") + fake_tool.records(self.log, "mmrig-conv"):
            self.assertTrue(x["path"].startswith(os.path.join(self.build, common.tree_name("host-asan", [adapter]))),
                            x["path"])
        s = load(os.path.join(out, "summary.json"))
        self.assertEqual(s["adapters"], [adapter])


class Engines(Work):
    def test_every_engine_gets_the_allocator(self):
        campaign = rigtest.script("campaign")
        opts = dict(campaign.DEFAULTS, engine="both", jobs=4, allocator="firstfit")
        bins = {n: "/bin/true" for n in list(campaign.AFL_TARGETS.values()) + [campaign.LF_TARGET]}
        with mock.patch.dict(os.environ, MMRIG_ALLOCATOR="kbuddy"):
            engines = campaign.make_engines(opts, self.dir, "/seeds", bins, 60, "/x.dict")
        self.assertEqual(len(engines), 1 + 2)  # libFuzzer, AFL++ main and asan
        for e in engines:
            self.assertEqual(e.env.get("MMRIG_ALLOCATOR"), "firstfit", e.name)
            self.assertTrue(any("/x.dict" in c for c in e.cmd), e.cmd)


if __name__ == "__main__":
    rigtest.main(rigtest.root_and_work)
