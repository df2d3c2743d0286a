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
import argparse
import json
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_triage import fail, load, tree  # noqa: E402


def spec_of(path):
    spec = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, sep, val = line.rstrip("\n").partition(": ")
            if sep and not line.startswith("#"):
                spec[key] = val
    return spec


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def replay(tool, program):
    p = subprocess.run([tool, "--json", program], capture_output=True, text=True, timeout=300)
    try:
        return json.loads(p.stdout)["results"][0]
    except (ValueError, KeyError, IndexError):
        fail(f"{tool} gave no result", p)


def triage(a, store, canonical, *extra, want):
    cmd = [sys.executable, a.triage, "--replay", canonical, "--no-minimize",
           "--alias-replay", f"plain={a.plain}", "--attempts", "2", "--store", store,
           *extra, "in"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    print(f"$ triage --store {store} ({os.path.basename(canonical)})  -> {p.returncode}")
    print(p.stdout + p.stderr, end="")
    if p.returncode != want:
        fail(f"triage exited {p.returncode}, want {want}", p)
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--triage", required=True)
    ap.add_argument("--mut", required=True, help="the planted bug's .mut")
    ap.add_argument("--source", required=True, help="the tree its program: is relative to")
    ap.add_argument("--asan", required=True, help="mmrig-replay with the bug, sanitizer build")
    ap.add_argument("--plain", required=True, help="mmrig-replay with the bug, no sanitizers")
    ap.add_argument("--clean", required=True, help="mmrig-replay without the bug, sanitizer build")
    ap.add_argument("--conv", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    spec = spec_of(a.mut)
    want, want_plain = spec["signature"], spec["plain-signature"]
    program = os.path.join(a.source, spec["program"])
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(os.path.join(a.work, "in"))
    os.chdir(a.work)

    # plain
    r = replay(a.plain, program)
    if r.get("signature") != want_plain:
        fail(f"the plain build says {r.get('signature')!r}, want {want_plain!r}\n{r.get('report')}")
    if f"op:        {spec['op']}" not in r["report"] or "frames:" not in r["report"]:
        fail(f"the plain build's report lacks the op {spec['op']!r} or the frames:\n{r['report']}")
    r = replay(a.asan, program)
    if r.get("signature") != want:
        fail(f"the sanitizer build says {r.get('signature')!r}, want {want!r}")
    if want == want_plain:
        fail("the two builds agree: nothing to alias, the test proves nothing")
    print(f"ok: plain build {want_plain!r} at {spec['op']!r}, sanitizer build {want!r}")

    # alias: a binary artifact, as a plain fuzz target would have saved it
    p = subprocess.run([a.conv, "--to-bin", program, "in/crash-plain"], capture_output=True,
                       text=True)
    if p.returncode:
        fail("mmrig-conv --to-bin", p)
    triage(a, "store", a.asan, want=1)
    s = load("store/summary.json")
    rows = [(x["signature"], x["aliases"], x["signed_by"]) for x in s["signatures"]]
    if rows != [(want, [want_plain], [])]:
        fail(f"summary.json signatures {rows}, want [({want!r}, [{want_plain!r}], [])]")
    slug = s["signatures"][0]["slug"]
    rep = load(f"store/{slug}/report.json")
    if rep["aliases"] != [{"build": "plain", "signature": want_plain}] or rep["signed_by"]:
        fail(f"report.json aliases {rep['aliases']}, signed_by {rep['signed_by']}")
    idx = load("store/index.json")
    art = next(iter(idx["artifacts"].values()))
    if art["builds"] != {"plain": [f"FAIL {want_plain}"] * 2} or \
            art["results"] != [f"FAIL {want}"] * 2:
        fail(f"index artifact results {art['results']}, builds {art['builds']}")
    md = read(f"store/{slug}/report.md")
    if f"aliases (other builds): {want_plain} (plain)" not in md or \
            "the sanitizer build's (canonical)" not in md:
        fail(f"report.md does not say the canonical signature and its alias:\n{md}")
    if f"(alias: {want_plain})" not in read("store/summary.md"):
        fail("summary.md does not show the alias")
    before = tree("store")
    triage(a, "store", a.asan, want=0)
    if tree("store") != before:
        fail("a second triage of the same artifact changed the store")
    print(f"ok: canonical {want!r}, alias {want_plain!r} (plain)")

    # own: the sanitizer build does not reproduce it
    triage(a, "store-own", a.clean, want=1)
    s = load("store-own/summary.json")
    rows = [(x["signature"], x["aliases"], x["signed_by"]) for x in s["signatures"]]
    if rows != [(want_plain, [], ["plain"])] or s["not_reproducible"]:
        fail(f"summary.json signatures {rows}, want [({want_plain!r}, [], ['plain'])]")
    slug = s["signatures"][0]["slug"]
    md = read(f"store-own/{slug}/report.md")
    if "do not fail under the sanitizer build" not in md:
        fail(f"report.md does not say the sanitizer build passes it:\n{md}")
    rep = load(f"store-own/{slug}/report.json")
    if rep["replays_as"] != want_plain or rep["reproducibility"] != "2/2":
        fail(f"report.json replays_as {rep['replays_as']!r}, reproducibility "
             f"{rep['reproducibility']}: the plain build's, expected")
    print(f"ok: not under the sanitizer build, kept {want_plain!r}")


if __name__ == "__main__":
    main()
