#!/usr/bin/env python3
"""One signature per bug in every build: scripts/triage.py's aliases.

A planted bug (a .mut with `signature:` for the sanitizer build and
`plain-signature:` for a build without sanitizers) built both ways in one
tree. Checks, each able to fail:

  plain   the build without sanitizers names the crash from its faulting
          frames (the .mut's plain-signature) and the op it was in (the
          .mut's op:); the sanitizer build gives the .mut's signature
  alias   triage of the plain artifact, the sanitizer build canonical and
          the plain one as --alias-replay: the sanitizer signature is the
          group's, the plain one its alias, in the index, report.json,
          report.md, summary.json and summary.md; triaging again changes
          nothing
  own     under a sanitizer build without the bug (the artifact passes
          there) the artifact keeps the plain build's signature, and its
          report says it does not fail under the sanitizer build
"""
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402
from rigtest import args as A, load_json as load, read, tree  # noqa: E402


def options(ap):
    ap.add_argument("--triage", required=True)
    ap.add_argument("--mut", required=True, help="the planted bug's .mut")
    ap.add_argument("--source", required=True, help="the tree its program: is relative to")
    ap.add_argument("--asan", required=True, help="mmrig-replay with the bug, sanitizer build")
    ap.add_argument("--plain", required=True, help="mmrig-replay with the bug, no sanitizers")
    ap.add_argument("--clean", required=True, help="mmrig-replay without the bug, sanitizer build")
    ap.add_argument("--conv", required=True)
    ap.add_argument("--work", required=True)


class Aliases(rigtest.TestCase):
    def setUp(self):
        spec = rigtest.script("rig.plants", A.source).parse(A.mut)
        self.spec = spec
        self.want, self.want_plain = spec.signature, spec.plain_signature
        self.program = os.path.join(A.source, spec.program)
        self.chdir(self.workdir())
        os.makedirs("in")

    def replay(self, tool):
        p = rigtest.run([tool, "--json", self.program], timeout=300)
        try:
            return json.loads(p.stdout)["results"][0]
        except (ValueError, KeyError, IndexError):
            self.fail(f"{tool} gave no result\n{rigtest.output(p)[-4000:]}")

    def triage(self, store, canonical, want):
        p = rigtest.python(A.triage, "--replay", canonical, "--no-minimize",
                           "--alias-replay", f"plain={A.plain}", "--attempts", "2", "--store", store, "in")
        print(f"$ triage --store {store} ({os.path.basename(canonical)})  -> {p.returncode}")
        print(p.stdout + p.stderr, end="")
        self.assertExit(p, want, "triage")
        return p

    def plain_artifact(self):
        # A binary artifact, as a plain fuzz target would have saved it.
        self.assertExit(rigtest.run([A.conv, "--to-bin", self.program, "in/crash-plain"]), 0,
                        "mmrig-conv --to-bin")

    def test_plain(self):
        """The plain build names the crash from its frames and its op; the
        sanitizer build its own way."""
        want, want_plain, op = self.want, self.want_plain, self.spec.op
        r = self.replay(A.plain)
        self.assertEqual(r.get("signature"), want_plain, f"the plain build's signature\n{r.get('report')}")
        self.assertIn(f"op:        {op}", r["report"], "the plain build's report lacks the op")
        self.assertIn("frames:", r["report"], "the plain build's report lacks the frames")
        r = self.replay(A.asan)
        self.assertEqual(r.get("signature"), want, "the sanitizer build's signature")
        self.assertNotEqual(want, want_plain, "the two builds agree: nothing to alias, the test proves nothing")
        print(f"ok: plain build {want_plain!r} at {op!r}, sanitizer build {want!r}")

    def test_alias(self):
        """The sanitizer build canonical, the plain one its alias."""
        want, want_plain = self.want, self.want_plain
        self.plain_artifact()
        self.triage("store", A.asan, want=1)
        s = load("store/summary.json")
        rows = [(x["signature"], x["aliases"], x["signed_by"]) for x in s["signatures"]]
        self.assertEqual(rows, [(want, [want_plain], [])], "summary.json signatures")
        slug = s["signatures"][0]["slug"]
        rep = load(f"store/{slug}/report.json")
        self.assertEqual(rep["aliases"], [{"build": "plain", "signature": want_plain}], "report.json aliases")
        self.assertFalse(rep["signed_by"], "report.json signed_by")
        art = next(iter(load("store/index.json")["artifacts"].values()))
        self.assertEqual(art["builds"], {"plain": [f"FAIL {want_plain}"] * 2}, "index artifact builds")
        self.assertEqual(art["results"], [f"FAIL {want}"] * 2, "index artifact results")
        md = read(f"store/{slug}/report.md")
        self.assertIn(f"aliases (other builds): {want_plain} (plain)", md, "report.md: the alias")
        self.assertIn("the sanitizer build's (canonical)", md, "report.md: the canonical signature")
        self.assertIn(f"(alias: {want_plain})", read("store/summary.md"), "summary.md does not show the alias")
        before = tree("store")
        self.triage("store", A.asan, want=0)
        self.assertSameTree(before, tree("store"), "a second triage of the same artifact changed the store")
        print(f"ok: canonical {want!r}, alias {want_plain!r} (plain)")

    def test_own(self):
        """Under a sanitizer build without the bug the artifact keeps the
        plain build's signature."""
        want_plain = self.want_plain
        self.plain_artifact()
        self.triage("store-own", A.clean, want=1)
        s = load("store-own/summary.json")
        rows = [(x["signature"], x["aliases"], x["signed_by"]) for x in s["signatures"]]
        self.assertEqual(rows, [(want_plain, [], ["plain"])], "summary.json signatures")
        self.assertEqual(s["not_reproducible"], [], "summary.json not_reproducible")
        slug = s["signatures"][0]["slug"]
        self.assertIn("do not fail under the sanitizer build", read(f"store-own/{slug}/report.md"),
                      "report.md does not say the sanitizer build passes it")
        rep = load(f"store-own/{slug}/report.json")
        self.assertEqual((rep["replays_as"], rep["reproducibility"]), (want_plain, "2/2"),
                         "report.json replays_as, reproducibility: the plain build's, expected")
        print(f"ok: not under the sanitizer build, kept {want_plain!r}")


if __name__ == "__main__":
    rigtest.main(options)
