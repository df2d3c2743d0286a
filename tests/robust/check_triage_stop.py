#!/usr/bin/env python3
"""Triage of artifacts the parent had to stop: a hang kept as a libFuzzer
timeout-* file and a runaway kept as an oom-* file come out of
`mmrig triage` as their own signatures (timeout in OP / oom in OP) and
kinds, reproducible on every attempt, and the artifacts are untouched.

usage: check_triage_stop.py --triage triage.py --replay R [--min M] --artifact F
       --name NAME --signature S --kind K --work DIR [-- TRIAGE-OPTIONS...]
"""
import os
import shutil
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402


def options(ap):
    for opt in ("--triage", "--replay", "--artifact", "--name", "--signature", "--kind",
                "--work"):
        ap.add_argument(opt, required=True)
    ap.add_argument("--min")
    ap.add_argument("--max-ops", type=int, default=0)
    ap.add_argument("rest", nargs="*")


class TriageStopped(rigtest.TestCase):
    def test_triage(self):
        a = rigtest.args
        work = self.workdir()
        campaign = os.path.join(work, "campaign")
        art = os.path.join(campaign, "libfuzzer", "crashes", a.name)
        os.makedirs(os.path.dirname(art))
        shutil.copyfile(a.artifact, art)
        before = rigtest.sha256(art)
        store = os.path.join(work, "store")
        tools = ["--replay", a.replay] + (["--min", a.min] if a.min else ["--no-minimize"])
        p = rigtest.python(a.triage, "--store", store, *tools, *a.rest, campaign, timeout=900)
        print(p.stdout, end="")
        self.assertExit(p, 1, "triage (a new signature)")
        sigs = rigtest.load_json(os.path.join(store, "summary.json"))["signatures"]
        self.assertEqual([s["signature"] for s in sigs], [a.signature], "the store's signatures")
        s = sigs[0]
        self.assertEqual(s.get("kind"), a.kind)
        rep = str(s.get("reproducibility", ""))
        self.assertRegex(rep, r"^[1-9]", "reproducibility")
        self.assertEqual(rep.split("/")[0], rep.split("/")[1], "reproducible on every attempt")
        if a.max_ops:
            repro = rigtest.read(os.path.join(store, s["slug"], "reproducer.mmr"))
            ops = [l for l in repro.splitlines() if l.strip() and not l.startswith("#")]
            print(repro, end="")
            self.assertTrue(0 < len(ops) <= a.max_ops,
                            f"reproducer has {len(ops)} ops, want 1..{a.max_ops}")
        self.assertEqual(rigtest.sha256(art), before, "the artifact was modified")
        print(f"ok: {a.name} -> {a.signature} ({a.kind}, {s['reproducibility']})")


if __name__ == "__main__":
    rigtest.main(options)
