#!/usr/bin/env python3
"""triage.allocator: scripts/triage.py and the allocator under test, with
mmrig-replay and mmrig-min played by tests/campaign/fake_tool.py (its
signature ends with " [NAME]" for any allocator but kbuddy, as the C
side's do). Nothing is built; a few seconds.

- slugs of bracketed signatures: filesystem-safe, naming the allocator,
  apart from the kbuddy signature's;
- --allocator reaches every replay, --text and mmrig-min run (argument and
  MMRIG_ALLOCATOR), and the allocator is recorded in report.json, the
  index and summary.json; Markdown escapes the brackets;
- without --allocator: the campaign's (summary.json) for a campaign dir or
  a path inside one, kbuddy for other inputs; campaigns on two
  allocators at once are refused (exit 2);
- the same bytes under two allocators are two artifacts in one store.

usage: check_allocator.py --root SRC --work DIR [unittest options and test names]
"""
import json
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "campaign"))
import rigtest  # noqa: E402
from rigtest import args as A, load_json as load  # noqa: E402
import fake_tool  # noqa: E402

triage = None


def setUpModule():
    global triage
    triage = rigtest.script("triage")


SIG = "buddy.misaligned in alloc_pages"


class Slugs(rigtest.TestCase):
    def test_bracketed(self):
        s = triage.slug_of(f"{SIG} [firstfit]")
        self.assertRegex(s, r"^[a-z0-9-]+$")
        self.assertIn("firstfit", s)
        self.assertNotEqual(s, triage.slug_of(SIG))
        self.assertNotEqual(s, triage.slug_of(f"{SIG} [bitmap]"))
        # The allocator survives the cut of a long signature.
        long = "panic.x in " + "very_long_function_name_" * 4
        self.assertIn("-tlsf-", triage.slug_of(f"{long} [tlsf]"))
        # kbuddy's slugs are what they always were.
        self.assertRegex(triage.slug_of(SIG), r"^buddy-misaligned-in-alloc-pages-[0-9a-f]{8}$")


class Store(rigtest.TestCase):
    def setUp(self):
        self.dir = self.workdir()
        fake_tool.install(os.path.join(self.dir, "build"))
        tools = os.path.join(self.dir, "build", "host-asan", "harness")
        self.replay = os.path.join(tools, "engines", "mmrig-replay")
        self.min = os.path.join(tools, "tools", "mmrig-min")
        self.log = os.path.join(self.dir, "fake.jsonl")
        self.env = dict(os.environ, FAKE_LOG=self.log, MMRIG_ALLOCATOR="not-this-one")
        self.store = os.path.join(self.dir, "store")

    def file(self, rel, data=b"\x01\x02"):
        return rigtest.write(os.path.join(self.dir, rel), data)

    def campaign(self, name, alloc):
        d = os.path.join(self.dir, name)
        self.file(os.path.join(name, "libfuzzer", "crashes", "crash-1"), name.encode())
        rigtest.write(os.path.join(d, "summary.json"),
                      json.dumps({"allocator": alloc, "adapters": [], "options": {"allocator": alloc}}))
        return d

    def triage(self, *args):
        return rigtest.python(os.path.join(A.root, "scripts", "triage.py"),
                              "--replay", self.replay, "--min", self.min, "--store", self.store,
                              "--jobs", "2", *args, env=self.env, timeout=120)

    def allocators_seen(self):
        seen = set()
        for r in fake_tool.records(self.log):
            argv = r["argv"]
            self.assertIn("--allocator", argv, r)
            seen.add(argv[argv.index("--allocator") + 1])
            self.assertEqual(r["env_allocator"], argv[argv.index("--allocator") + 1], r)
        return seen

    def test_flag_recorded(self):
        r = self.triage("--allocator", "firstfit", self.file("crash-a"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(self.allocators_seen(), {"firstfit"})
        tools = {x["tool"] for x in fake_tool.records(self.log)}
        self.assertEqual(tools, {"mmrig-replay", "mmrig-min"})
        self.assertTrue(any("--text" in x["argv"] for x in fake_tool.records(self.log, "mmrig-replay")))
        sig = f"{SIG} [firstfit]"
        slug = triage.slug_of(sig)
        rep = load(os.path.join(self.store, slug, "report.json"))
        self.assertEqual(rep["signature"], sig)
        self.assertEqual(rep["allocator"], "firstfit")
        self.assertIn("--allocator firstfit", rep["replay_command"])
        self.assertRegex(rep["artifacts"][0]["sha256"], r"^[0-9a-f]{64}$")
        idx = load(os.path.join(self.store, "index.json"))
        self.assertEqual(idx["signatures"][sig]["allocator"], "firstfit")
        self.assertEqual([k.split("/")[1] for k in idx["artifacts"]], ["firstfit"])
        summ = load(os.path.join(self.store, "summary.json"))
        self.assertEqual([(x["signature"], x["allocator"]) for x in summ["signatures"]], [(sig, "firstfit")])
        with open(os.path.join(self.store, slug, "report.md")) as f:
            md = f.read()
        self.assertIn(f"# {SIG} \\[firstfit\\]", md)
        self.assertIn("- allocator: firstfit", md)
        with open(os.path.join(self.store, "summary.md")) as f:
            self.assertIn("\\[firstfit\\]", f.read())

    def test_default_kbuddy(self):
        r = self.triage(self.file("plain/crash-a"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(self.allocators_seen(), {"kbuddy"})
        rep = load(os.path.join(self.store, triage.slug_of(SIG), "report.json"))
        self.assertEqual(rep["allocator"], "kbuddy")
        self.assertNotIn("--allocator", rep["replay_command"])

    def test_default_from_campaign(self):
        d = self.campaign("fuzz", "firstfit")
        r = self.triage(d)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(self.allocators_seen(), {"firstfit"})
        # A directory inside the campaign, into another store.
        os.unlink(self.log)
        self.store = os.path.join(self.dir, "store2")
        r = self.triage(os.path.join(d, "libfuzzer", "crashes"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(self.allocators_seen(), {"firstfit"})
        # The flag wins over the campaign's.
        os.unlink(self.log)
        self.store = os.path.join(self.dir, "store3")
        r = self.triage("--allocator", "kbuddy", d)
        self.assertEqual(self.allocators_seen(), {"kbuddy"})

    def test_campaigns_disagree(self):
        a, b = self.campaign("fuzz-a", "firstfit"), self.campaign("fuzz-b", "kbuddy")
        r = self.triage(a, b)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("allocator", r.stderr)
        self.assertEqual(fake_tool.records(self.log), [])

    def test_unknown_allocator(self):
        r = self.triage("--allocator", "nosuch", self.file("crash-a"))
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("nosuch", r.stderr)

    def test_same_bytes_two_allocators(self):
        f = self.file("crash-a")
        self.assertEqual(self.triage(f).returncode, 1)
        r = self.triage("--allocator", "firstfit", f)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)  # a new signature, not a known artifact
        idx = load(os.path.join(self.store, "index.json"))
        self.assertEqual(len(idx["artifacts"]), 2)
        self.assertEqual(sorted(idx["signatures"]), [SIG, f"{SIG} [firstfit]"])
        slugs = sorted(os.path.basename(p) for p in os.listdir(self.store) if not p.startswith("."))
        self.assertTrue(all(re.fullmatch(r"[a-z0-9.-]+(\.json|\.md)?", s) for s in slugs), slugs)


if __name__ == "__main__":
    rigtest.main(rigtest.root_and_work)
