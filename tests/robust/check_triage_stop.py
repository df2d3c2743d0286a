#!/usr/bin/env python3
"""Triage of artifacts the parent had to stop: a hang kept as a libFuzzer
timeout-* file and a runaway kept as an oom-* file come out of
`mmrig triage` as their own signatures (timeout in OP / oom in OP) and
kinds, reproducible on every attempt, and the artifacts are untouched.

usage: check_triage_stop.py --triage triage.py --replay R [--min M] --artifact F
       --name NAME --signature S --kind K --work DIR [-- TRIAGE-OPTIONS...]
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys


def fail(msg, p=None):
    if p is not None:
        print(p.stdout)
        print(p.stderr, file=sys.stderr)
    sys.exit(f"FAIL: {msg}")


def main():
    ap = argparse.ArgumentParser()
    for opt in ("--triage", "--replay", "--artifact", "--name", "--signature", "--kind",
                "--work"):
        ap.add_argument(opt, required=True)
    ap.add_argument("--min")
    ap.add_argument("--max-ops", type=int, default=0)
    ap.add_argument("rest", nargs="*")
    a = ap.parse_args()

    shutil.rmtree(a.work, ignore_errors=True)
    campaign = os.path.join(a.work, "campaign")
    crashes = os.path.join(campaign, "libfuzzer", "crashes")
    os.makedirs(crashes)
    art = os.path.join(crashes, a.name)
    shutil.copyfile(a.artifact, art)
    before = hashlib.sha256(open(art, "rb").read()).hexdigest()
    store = os.path.join(a.work, "store")
    tools = ["--replay", a.replay] + (["--min", a.min] if a.min else ["--no-minimize"])
    p = subprocess.run([sys.executable, a.triage, "--store", store, *tools, *a.rest, campaign],
                       capture_output=True, text=True, timeout=900)
    print(p.stdout, end="")
    if p.returncode != 1:
        fail(f"triage exited {p.returncode}, want 1 (a new signature)", p)
    sigs = json.load(open(os.path.join(store, "summary.json")))["signatures"]
    if [s["signature"] for s in sigs] != [a.signature]:
        fail(f"store signatures {[s['signature'] for s in sigs]}, want [{a.signature!r}]")
    s = sigs[0]
    if s.get("kind") != a.kind:
        fail(f"kind {s.get('kind')!r}, want {a.kind!r}")
    if not str(s.get("reproducibility", "")).startswith(tuple("123456789")) or \
            s["reproducibility"].split("/")[0] != s["reproducibility"].split("/")[1]:
        fail(f"reproducibility {s.get('reproducibility')!r}, want every attempt")
    if a.max_ops:
        repro = open(os.path.join(store, s["slug"], "reproducer.mmr")).read()
        ops = [l for l in repro.splitlines() if l.strip() and not l.startswith("#")]
        print(repro, end="")
        if not 0 < len(ops) <= a.max_ops:
            fail(f"reproducer has {len(ops)} ops, want 1..{a.max_ops}")
    if hashlib.sha256(open(art, "rb").read()).hexdigest() != before:
        fail("the artifact was modified")
    print(f"ok: {a.name} -> {a.signature} ({a.kind}, {s['reproducibility']})")


if __name__ == "__main__":
    main()
