#!/usr/bin/env python3
"""scripts/mmrig triage: crash, timeout and OOM artifacts of fuzz campaigns
turned into one store of signatures, each with a minimized reproducer and a
report. See docs/man/mmrig-triage.md for the whole contract; in short:

- every artifact (deduplicated by content) is replayed in fresh
  `mmrig-replay --json` processes, a few attempts, symbolized;
- artifacts are grouped by the SIGNATURE they fail with under the
  sanitizer build (--replay, default host-asan): that one is canonical.
  Every artifact is also replayed by the other builds (--alias-replay,
  default the plain host-release build), and what they say differently
  (`crash.signal-11 in list_del` for `ubsan in list_del`) is recorded as
  the group's aliases. An artifact that passes under the sanitizer build
  but fails in another keeps that build's signature, and its report says
  so;
- the first artifact (in sorted path order) of a new signature is
  minimized with mmrig-min;
- STORE/index.json remembers every artifact by sha256, so triaging the same
  files again adds nothing and new ones join the existing groups;
- everything written to the store is a function of the inputs (no times,
  PIDs, addresses or absolute build paths), so equal inputs give
  byte-identical stores;
- inputs are only ever read;
- the allocator under test (--allocator; default the campaign's when the
  inputs come from a campaign directory, else kbuddy) is passed to every
  replay and minimizer run and recorded with every signature. Binary
  programs decode per allocator, so the same bytes under another allocator
  than kbuddy are another artifact (index key "<sha256>/<allocator>").
"""
import argparse
import collections
import concurrent.futures
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rig import allocator, common, reports  # noqa: E402
from rig.artifacts import BOOKKEEPING, afl_artifacts, campaign_artifacts, is_afl_instance, is_campaign  # noqa: E402
from rig.engines import replay_env  # noqa: E402
from rig.fs import listdir_sorted, read_json, write_if_changed  # noqa: E402
from rig.procs import last_error  # noqa: E402

INDEX_VERSION = 1

# A hang found by the minimizer waits out its whole per-run limit, so
# timeouts are minimized with a short limit and a small budget.
TIMEOUT_MIN_SECS = 3
TIMEOUT_MIN_RUNS = 30


class Usage(Exception):
    """Bad usage: nothing is triaged, exit 2."""


def kind_of(signature):
    if signature.startswith("timeout"):
        return "timeout"
    if signature.startswith("oom"):
        return "oom"
    return "crash"


def slug_of(signature):
    """Deterministic and filesystem-safe: readable prefix + hash. Another
    allocator than kbuddy (the signature's " [NAME]" suffix) is kept in
    the slug however long the rest is."""
    def words(text):
        return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    rest, alloc = allocator.split_signature(signature)
    base = words(rest)[:48].strip("-") or "signature"
    if rest != signature:
        base += "-" + (words(alloc) or "allocator")
    digest = hashlib.sha256(signature.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{base}-{digest}"


def art_key(sha, alloc):
    """An artifact's key in the index: its sha256 under kbuddy, else
    "<sha256>/<allocator>" (the same bytes are another program there)."""
    return sha if alloc == allocator.DEFAULT else f"{sha}/{alloc}"


def sha_of(key):
    return key.split("/", 1)[0]


def sig_allocator(sig, s):
    """The allocator a signature entry was found under (entries written
    before allocators were recorded: the signature's suffix)."""
    return s.get("allocator") or allocator.split_signature(sig)[1]


def count_ops(text):
    return sum(1 for l in text.splitlines() if l.strip() and not l.lstrip().startswith("#"))


# ---------------------------------------------------------------- reports

FRAME = re.compile(r"^(\s*)#(\d+) 0x[0-9a-fA-F]+ in (\S+)(?: (.*))?$")
ABS_PATH = re.compile(r"(?<![\w.])/(?:[^\s:()/]+/)*[^\s:()/]+")


def _relpath(m):
    p = m.group(0)
    root = common.ROOT.rstrip("/") + "/"
    return p[len(root):] if p.startswith(root) else os.path.basename(p)


def _scrub(line):
    line = re.sub(r"==\d+==", "==PID==", line)
    line = re.sub(r"\s*\(BuildId: [0-9a-fA-F]+\)", "", line)
    line = ABS_PATH.sub(_relpath, line)
    line = re.sub(r"\+0x[0-9a-fA-F]+", "", line)
    return re.sub(r"0x[0-9a-fA-F]{5,}", "0x...", line)


def normalize_report(text):
    """The replay report without what differs from run to run: ASan's
    PIDs, addresses, shadow dump and absolute paths; stack frames as
    'function file:line', cut after main; no DIGEST line."""
    out, skip, past_main = [], False, False
    mmrig = False
    for line in text.splitlines():
        if line.startswith("==== mmrig:"):
            mmrig, skip = True, False
        if mmrig:
            if not line.startswith("DIGEST: "):
                out.append(line)
            continue
        if line.startswith("Shadow bytes around") or line.startswith("Shadow byte legend"):
            skip = True
            continue
        if skip and not line.startswith("=="):
            continue
        skip = False
        if re.fullmatch(r"=+", line.strip()) or re.fullmatch(r"==\d+==ABORTING", line.strip()):
            continue
        m = FRAME.match(line)
        if m:
            if m.group(2) == "0":
                past_main = False
            if past_main:
                continue
            indent, n, func, loc = m.groups()
            loc = _scrub(loc or "")
            out.append(f"{indent}#{n} {func}{' ' + loc if loc else ''}".rstrip())
            past_main = func == "main"
            continue
        out.append(_scrub(line))
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out) + ("\n" if out else "")


# ---------------------------------------------------------------- inputs

def plain_files(d):
    """Every regular file below d, name order, no dotfiles or bookkeeping.
    Symlinked directories are not followed (no loops)."""
    out = []
    for name in listdir_sorted(d):
        if name.startswith(".") or name in BOOKKEEPING:
            continue
        p = os.path.join(d, name)
        if os.path.isdir(p):
            if not os.path.islink(p):
                out += plain_files(p)
        elif os.path.isfile(p):
            out.append(p)
        elif not os.path.lexists(p) or os.path.islink(p):
            out.append(p)  # vanished, or a dangling link: reported as unreadable
    return out


def collect(args):
    """The artifact paths named by the arguments, normalized, sorted."""
    paths = set()
    for a in args:
        if os.path.isdir(a):
            if is_campaign(a):
                found = campaign_artifacts(a)
            elif is_afl_instance(a):
                found = afl_artifacts(a)
            else:
                found = plain_files(a)
        else:
            found = [a]
        paths.update(os.path.normpath(p) for p in found)
    return sorted(paths)


def inside(path, d):
    path, d = os.path.realpath(path), os.path.realpath(d)
    return path == d or path.startswith(d.rstrip("/") + "/")


# ---------------------------------------------------------------- running

class Runner:
    def __init__(self, a, work):
        self.replay, self.min = a.replay, a.min
        # (name, mmrig-replay) of the other builds: their signatures are aliases.
        self.alias_builds = a.alias_builds
        self.allocator = a.allocator
        self.timeout, self.attempts = a.timeout, a.attempts
        self.min_runs, self.work = a.min_runs, work
        # The limits and machine size the artifacts are judged under, for
        # every replay and minimizer run alike.
        self.limits = ["--rss-mb", str(a.rss_mb)] + (
            ["--arena-mb", str(a.arena_mb)] if a.arena_mb else [])
        # The allocator under test, for every tool run (decoding included).
        self.alloc_args = ["--allocator", a.allocator]
        # AFL++ ran with symbolize=0; triage always symbolizes, so frames
        # in signatures name functions.
        self.env = allocator.env(replay_env(), a.allocator)

    def stage(self, sha, data, form):
        """A private copy of an artifact: the tools never see the input
        itself, and reports never name a temporary path."""
        d = os.path.join(self.work, sha[:16])
        os.makedirs(d, exist_ok=True)
        name = "artifact.mmr" if form == "text" else "artifact.bin"
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        return d, name

    def replay_once(self, d, name, timeout, tool=None):
        """('PASS'|'FAIL'|'ERROR', signature or message, report)."""
        tool = tool or self.replay
        cmd = [tool, "--json", "--timeout", str(timeout), *self.alloc_args, *self.limits, name]
        try:
            p = subprocess.run(cmd, cwd=d, env=self.env, capture_output=True,
                               timeout=timeout + 60)
        except subprocess.TimeoutExpired:
            return "FAIL", "timeout", "mmrig-replay did not return\n"
        except OSError as e:
            return "ERROR", f"cannot run {tool}: {e.strerror}", ""
        out = p.stdout.decode("utf-8", "replace")
        try:
            r = json.loads(out)["results"][0]
        except (ValueError, KeyError, IndexError, TypeError):
            msg = last_error(p, "no output").replace(os.path.join(d, name), name)
            return "ERROR", f"mmrig-replay gave no result (exit {p.returncode}): {msg}", ""
        if r.get("result") == "PASS":
            return "PASS", None, ""
        if r.get("result") == "FAIL":
            return "FAIL", r.get("signature", "unknown"), r.get("report", "")
        report = r.get("report", "").strip()
        return "ERROR", (report.splitlines() or ["unreadable input"])[0], report

    def attempts_in(self, d, name, tool):
        """The results of the attempts in one build, or the error."""
        results = []
        for _ in range(self.attempts):
            verdict, what, _report = self.replay_once(d, name, self.timeout, tool)
            if verdict == "ERROR":
                # Reading and parsing are deterministic: no second attempt.
                return None, what
            results.append("PASS" if verdict == "PASS" else f"FAIL {what}")
        return results, None

    def triage(self, sha, data, form):
        """Runs the attempts of one artifact in every build: the index
        entry's results (the sanitizer build's) and each other build's."""
        d, name = self.stage(sha, data, form)
        results, err = self.attempts_in(d, name, self.replay)
        if err is not None:
            return {"error": err, "name": name}
        builds = {}
        for build, tool in self.alias_builds:
            other, err = self.attempts_in(d, name, tool)
            builds[build] = other if err is None else [f"ERROR {_scrub(err)}"]
        return {"results": results, "builds": builds}

    def text_form(self, d, name):
        p = subprocess.run([self.replay, "--text", *self.alloc_args, name], cwd=d, env=self.env,
                           capture_output=True, timeout=120)
        return p.stdout.decode("utf-8", "replace") if p.returncode == 0 else None

    def reproduce(self, sha, data, form, signature, first_path, minimize, signed_by=None):
        """Minimizes the first reproducer of a new signature; the fields
        of the signature's index entry. signed_by: the other build whose
        signature it is (the sanitizer build's mmrig-min cannot see it)."""
        d, name = self.stage(sha, data, form)
        tool = dict(self.alias_builds).get(signed_by) if signed_by else None
        text = self.text_form(d, name)
        entry = {"ops_before": count_ops(text) if text is not None else None,
                 "minimized": False, "minimize_note": None}
        repro = None
        kind = kind_of(signature)
        if signed_by:
            entry["minimize_note"] = (f"not minimized: it fails only in the {signed_by} build, "
                                      "and mmrig-min is the sanitizer build's")
        elif minimize:
            secs, runs = self.timeout, self.min_runs
            if kind == "timeout":
                secs, runs = min(secs, TIMEOUT_MIN_SECS), min(runs, TIMEOUT_MIN_RUNS)
            cmd = [self.min, "--timeout", str(secs), "--max-runs", str(runs),
                   *self.alloc_args, *self.limits, "-o", "min.mmr", name]
            try:
                p = subprocess.run(cmd, cwd=d, env=self.env, capture_output=True,
                                   timeout=(secs + 5) * (runs + 2) + 60)
                if p.returncode == 0:
                    with open(os.path.join(d, "min.mmr"), encoding="utf-8",
                              errors="replace") as f:
                        repro = f.read()
                    entry["minimized"] = True
                else:
                    err = last_error(p)
                    entry["minimize_note"] = (f"mmrig-min exited {p.returncode}"
                                              + (f": {_scrub(err)}" if err else ""))
            except subprocess.TimeoutExpired:
                entry["minimize_note"] = "mmrig-min did not finish"
            except OSError as e:
                entry["minimize_note"] = f"cannot run mmrig-min: {e.strerror}"
        else:
            entry["minimize_note"] = "not minimized (--no-minimize)"
        if repro is None:
            repro = (f"# signature: {signature}\n"
                     f"# not minimized: the text form of {first_path}\n") + (text or "")
        with open(os.path.join(d, "reproducer.mmr"), "w", encoding="utf-8") as f:
            f.write(repro)
        verdict, what, report = self.replay_once(d, "reproducer.mmr", self.timeout, tool)
        entry.update({
            "reproducer": repro,
            "ops_after": count_ops(repro),
            "replays_as": what if verdict == "FAIL" else verdict,
            "replay_report": normalize_report(report),
        })
        return entry


def outcome(results):
    """Status, signature, flaky and the other outcomes of one artifact."""
    fails = collections.Counter(r[5:] for r in results if r.startswith("FAIL "))
    if not fails:
        return "not-reproducible", None, False, []
    top = max(fails.values())
    sig = min(s for s, n in fails.items() if n == top)
    others = sorted(set(results) - {f"FAIL {sig}"})
    return "failed", sig, bool(others), others


def canonical(results, builds):
    """The sanitizer build's outcome, else the first other build (in name
    order) the artifact fails in: (status, signature, flaky, others,
    signed_by, results it was judged on) and the aliases, the other
    builds' signatures that differ from it, as [{"build", "signature"}]."""
    status, sig, flaky, others = outcome(results)
    signed_by, judged = None, results
    if status != "failed":
        for build in sorted(builds):
            st, sg, fl, ot = outcome(builds[build])
            if st == "failed":
                status, sig, flaky, others = st, sg, fl, ot
                signed_by, judged = build, builds[build]
                break
    aliases = []
    for build in sorted(builds):
        st, sg, _, _ = outcome(builds[build])
        if st == "failed" and sg != sig:
            aliases.append({"build": build, "signature": sg})
    return (status, sig, flaky, others, signed_by, judged), aliases


# ---------------------------------------------------------------- store

class Store:
    def __init__(self, path):
        self.path = path
        os.makedirs(path, exist_ok=True)
        self.lock_fd = os.open(path, os.O_RDONLY)
        fcntl.flock(self.lock_fd, fcntl.LOCK_EX)
        self.index = {"version": INDEX_VERSION, "artifacts": {}, "signatures": {},
                      "errors": {}}
        p = os.path.join(path, reports.INDEX)
        if os.path.exists(p):
            try:
                with open(p, encoding="utf-8") as f:
                    idx = json.load(f)
            except (OSError, ValueError) as e:
                raise Usage(f"{p}: not a triage index ({e}); use another --store")
            if idx.get("version") != INDEX_VERSION:
                raise Usage(f"{p}: index version {idx.get('version')}, "
                            f"this triage writes {INDEX_VERSION}")
            self.index.update(idx)

    def write(self, rel, content):
        """Writes only what changed, atomically."""
        write_if_changed(os.path.join(self.path, rel), content)

    def groups(self):
        """signature -> its artifacts' shas, sorted by first path."""
        g = collections.defaultdict(list)
        for sha, a in self.index["artifacts"].items():
            if a["status"] == "failed":
                g[a["signature"]].append(sha)
        for shas in g.values():
            shas.sort(key=lambda s: (self.index["artifacts"][s]["first_path"], s))
        return g

    def group_info(self, sig, shas):
        arts = self.index["artifacts"]
        judged = {s: judged_results(arts[s]) for s in shas}
        hits = sum(judged[s].count(f"FAIL {sig}") for s in shas)
        runs = sum(len(judged[s]) for s in shas)
        paths = sorted({p for s in shas for p in arts[s]["paths"]})
        others = sorted({o for s in shas for o in arts[s]["others"]})
        aliases = sorted({(x["signature"], x["build"]) for s in shas
                          for x in arts[s].get("aliases", [])})
        signed_by = sorted({arts[s]["signed_by"] for s in shas if arts[s].get("signed_by")})
        return {"count": len(shas), "reproducibility": f"{hits}/{runs}", "paths": paths,
                "flaky": any(arts[s]["flaky"] for s in shas), "other_outcomes": others,
                "aliases": [{"signature": sg, "build": b} for sg, b in aliases],
                "signed_by": signed_by}

    def render(self):
        """Every report and the summary, from the index alone."""
        groups = self.groups()
        rows = []
        for sig, shas in groups.items():
            s = self.index["signatures"][sig]
            info = self.group_info(sig, shas)
            self.write(os.path.join(s["slug"], reports.REPORT_JSON),
                       reports.store_json(report_json(sig, s, info, shas, self.index["artifacts"])))
            self.write(os.path.join(s["slug"], reports.REPORT_MD),
                       report_md(sig, s, info, shas, self.index["artifacts"]))
            rows.append(reports.signature_row(
                signature=sig, kind=s["kind"], slug=s["slug"], allocator=sig_allocator(sig, s),
                count=info["count"], reproducibility=info["reproducibility"], flaky=info["flaky"],
                aliases=[x["signature"] for x in info["aliases"]], signed_by=info["signed_by"],
                ops_before=s["ops_before"], ops_after=s["ops_after"], minimized=s["minimized"]))
        arts = self.index["artifacts"]
        nonrep = sorted(({"sha256": sha_of(key), "allocator": a.get("allocator", allocator.DEFAULT),
                          "paths": a["paths"], "results": a["results"]}
                         for key, a in arts.items() if a["status"] == "not-reproducible"),
                        key=lambda r: (r["paths"][0], r["sha256"]))
        errors = [{"path": p, "error": e["error"]} for p, e in sorted(self.index["errors"].items())]
        summary = reports.summary_doc(rows, nonrep, errors, len(arts))
        self.write(reports.SUMMARY, reports.store_json(summary))
        self.write(reports.SUMMARY_MD, summary_md(summary))
        self.write(reports.INDEX, reports.store_json(self.index))


def judged_results(art):
    """The results an artifact's status was judged on: the sanitizer
    build's, or those of the build that signed it."""
    if art.get("signed_by"):
        return art.get("builds", {}).get(art["signed_by"], art["results"])
    return art["results"]


def alias_text(info):
    return ", ".join(f"{x['signature']} ({x['build']})" for x in info["aliases"])


def signed_text(info):
    """Which build's signature this is, in words."""
    if info["signed_by"]:
        return (f"the {', '.join(info['signed_by'])} build's: the artifacts do not fail "
                "under the sanitizer build")
    return "the sanitizer build's (canonical)"


def replay_command(slug, alloc=allocator.DEFAULT):
    opt = "" if alloc == allocator.DEFAULT else f"--allocator {alloc} "
    return f"scripts/mmrig replay {opt}$STORE/{slug}/reproducer.mmr"


def report_json(sig, s, info, shas, arts):
    alloc = sig_allocator(sig, s)
    return {
        "signature": sig, "kind": s["kind"], "slug": s["slug"], "allocator": alloc,
        "count": info["count"], "reproducibility": info["reproducibility"],
        "flaky": info["flaky"], "other_outcomes": info["other_outcomes"],
        "aliases": info["aliases"], "signed_by": info["signed_by"],
        "paths": info["paths"],
        "artifacts": [{"sha256": sha_of(x), "paths": arts[x]["paths"], "results": arts[x]["results"],
                       "builds": arts[x].get("builds", {}),
                       "reproducibility": arts[x]["reproducibility"]} for x in shas],
        "first_reproducer": {"path": s["first_path"], "sha256": sha_of(s["first_sha256"]),
                             "copy": s["original"]},
        "reproducer": reports.REPRODUCER, "minimized": s["minimized"],
        "minimize_note": s["minimize_note"],
        "ops_before": s["ops_before"], "ops_after": s["ops_after"],
        "replays_as": s["replays_as"], "replay_report": s["replay_report"],
        "replay_command": replay_command(s["slug"], alloc),
    }


def md_text(text):
    """Plain text inside Markdown: brackets (a signature's " [NAME]") and
    table pipes escaped, so nothing reads as a link or a cell break."""
    return re.sub(r"([\\\[\]|])", r"\\\1", text)


def fence(text):
    return "```\n" + text + ("" if text.endswith("\n") or not text else "\n") + "```\n"


def report_md(sig, s, info, shas, arts):
    ops = f"{s['ops_before']} -> {s['ops_after']} ops"
    alloc = sig_allocator(sig, s)
    lines = [
        f"# {md_text(sig)}", "",
        f"- kind: {s['kind']}",
        f"- allocator: {alloc}",
        f"- artifacts: {info['count']}, reproduced in {info['reproducibility']} attempts"
        + (" (flaky: also " + ", ".join(info["other_outcomes"]) + ")" if info["flaky"] else ""),
        f"- signature: {signed_text(info)}",
        *([f"- aliases (other builds): {md_text(alias_text(info))}"] if info["aliases"] else []),
        f"- first reproducer: `{s['first_path']}` (copied as `{s['original']}`)",
        f"- reproducer: `reproducer.mmr`, "
        + (f"minimized {ops}" if s["minimized"] else f"{ops}, {s['minimize_note']}"),
        f"- replays as: {s['replays_as']}", "",
        "## Replay", "",
        "```sh", replay_command(s["slug"], alloc), "```", "",
        "## Reproducer", "", fence(s["reproducer"]),
        "## Report of the reproducer", "", fence(s["replay_report"] or "(none)\n"),
        "## Artifacts", "",
        "| sha256 | attempts | paths |", "|---|---|---|",
    ]
    for x in shas:
        a = arts[x]
        paths = "<br>".join(f"`{p}`" for p in a["paths"])
        lines.append(f"| {sha_of(x)[:16]} | {a['reproducibility']} | {paths} |")
    return "\n".join(lines) + "\n"


def summary_md(summary):
    t = summary["totals"]
    lines = ["# Triage summary", "",
             f"{t['artifacts']} artifacts, {t['signatures']} signatures, "
             f"{t['not_reproducible']} not reproducible, {t['errors']} errors.", "",
             "| signature | kind | count | reproduced | ops | report |",
             "|---|---|---|---|---|---|"]
    for r in summary["signatures"]:
        sig = md_text(r["signature"])
        if r.get("aliases"):
            sig += " (alias: " + ", ".join(md_text(x) for x in r["aliases"]) + ")"
        if r.get("signed_by"):
            sig += " (not under the sanitizer build)"
        flaky = " (flaky)" if r["flaky"] else ""
        lines.append(f"| {sig} | {r['kind']} | {r['count']} | {r['reproducibility']}{flaky} "
                     f"| {r['ops_before']} -> {r['ops_after']} | [{r['slug']}]({r['slug']}/report.md) |")
    if summary["not_reproducible"]:
        lines += ["", "## Not reproducible", ""]
        lines += [f"- `{r['paths'][0]}` ({r['sha256'][:16]}"
                  + ("" if r["allocator"] == allocator.DEFAULT else f", {r['allocator']}")
                  + f"): {', '.join(r['results'])}"
                  for r in summary["not_reproducible"]]
    if summary["errors"]:
        lines += ["", "## Errors", ""]
        lines += [f"- `{e['path']}`: {e['error']}" for e in summary["errors"]]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main

def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="scripts/mmrig triage",
        description="Replay crash/timeout/OOM artifacts, group them by signature, "
                    "minimize one reproducer per signature, keep it all in a store.")
    ap.add_argument("paths", nargs="+", metavar="PATH",
                    help="artifact files, plain directories, or campaign output dirs")
    ap.add_argument("--store", default=os.path.join(common.ROOT, "out", "triage"))
    ap.add_argument("--attempts", type=int, default=3)
    ap.add_argument("--timeout", type=int, default=10, help="seconds per run")
    ap.add_argument("--rss-mb", type=int, default=2048,
                    help="resident-memory limit per run in MiB (0: none): beyond it, oom in OP")
    ap.add_argument("--arena-mb", type=int, default=0,
                    help="physical memory of the hosted kernel (default: the build's)")
    ap.add_argument("--replay", help="mmrig-replay to use (default: host-asan build)")
    ap.add_argument("--min", help="mmrig-min to use (default: host-asan build)")
    ap.add_argument("--alias-replay", action="append", default=None, metavar="[NAME=]PATH",
                    help="another build's mmrig-replay (repeatable): what it says of each "
                         "artifact is recorded as an alias of the canonical signature "
                         "(default: the host-release build's, unless --replay is given)")
    ap.add_argument("--no-aliases", action="store_true",
                    help="replay under the sanitizer build only")
    ap.add_argument("--no-minimize", action="store_true")
    ap.add_argument("--min-runs", type=int, default=2000, help="mmrig-min --max-runs")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    allocator.add_args(ap, default_help="the campaign's when PATH is (inside) a campaign "
                                        "output dir, else kbuddy")
    a = ap.parse_args(argv)
    for opt in ("attempts", "timeout", "min_runs", "jobs"):
        if getattr(a, opt) < 1:
            ap.error(f"--{opt.replace('_', '-')} takes a positive number")
    if a.rss_mb < 0:
        ap.error("--rss-mb takes a number of MiB, 0 for no limit")
    if a.arena_mb and not 4 <= a.arena_mb <= 4096:
        ap.error("--arena-mb takes a number of MiB, 4..4096")
    return a


def campaign_dir(path):
    """The campaign output directory path is, or is inside, or None."""
    d = os.path.abspath(path)
    if not os.path.isdir(d):
        d = os.path.dirname(d)
    while True:
        if is_campaign(d) and (os.path.isfile(os.path.join(d, "summary.json"))
                               or os.path.isfile(os.path.join(d, "campaign.json"))):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def campaign_target(d):
    """(allocator, adapters) a campaign ran with: summary.json, or while it
    runs campaign.json's options; kbuddy for campaigns from before
    allocators."""
    doc = {}
    for name in ("summary.json", "campaign.json"):
        doc = read_json(os.path.join(d, name))
        if doc is not None:
            break
    doc = doc if isinstance(doc, dict) else {}
    opts = doc.get("options") if isinstance(doc.get("options"), dict) else {}
    alloc = doc.get("allocator") or opts.get("allocator") or allocator.DEFAULT
    adapters = doc.get("adapters") or opts.get("adapters") or []
    return alloc, list(adapters)


def resolve_allocator(a):
    """--allocator and --adapter as given, else those of the campaign(s)
    the inputs come from (which must agree), else kbuddy and no adapters."""
    found = {}
    for p in a.paths:
        d = campaign_dir(p)
        if d:
            alloc, adapters = campaign_target(d)
            found.setdefault((alloc, tuple(adapters)), d)
    if a.allocator is None:
        allocs = sorted({k[0] for k in found})
        if len(allocs) > 1:
            raise Usage("the inputs come from campaigns on different allocators ("
                        + ", ".join(f"{k[0]}: {d}" for k, d in sorted(found.items()))
                        + "): triage them one allocator at a time, or pass --allocator")
        a.allocator = allocs[0] if allocs else allocator.DEFAULT
    if not a.adapter:
        sets = {k[1] for k in found if k[0] == a.allocator}
        if len(sets) == 1:
            a.adapter = list(next(iter(sets)))
    common.use_adapters(a.adapter)


def resolve_tools(a):
    if a.replay or a.min:
        if not a.replay or (not a.min and not a.no_minimize):
            raise Usage("--replay and --min go together (or --replay with --no-minimize): "
                        "both must test the same kernel")
    else:
        common.build("host-asan", targets=["mmrig-replay", "mmrig-min"])
        a.replay = common.tool("host-asan", "mmrig-replay")
        a.min = common.tool("host-asan", "mmrig-min")
        if a.alias_replay is None and not a.no_aliases:
            common.build("host-release", targets=["mmrig-replay"])
            a.alias_replay = ["host-release=" + common.tool("host-release", "mmrig-replay")]
    a.alias_builds = []
    for spec in ([] if a.no_aliases else a.alias_replay or []):
        name, sep, path = spec.partition("=")
        if not sep:
            name, path = os.path.basename(spec), spec
        if not os.access(path, os.X_OK):
            raise Usage(f"--alias-replay {spec}: not an executable")
        if name in dict(a.alias_builds):
            raise Usage(f"--alias-replay: two builds named {name}")
        a.alias_builds.append((name, os.path.abspath(path)))
    for t in (a.replay, a.min):
        if t and not os.access(t, os.X_OK):
            raise Usage(f"{t}: not an executable")
    a.replay = os.path.abspath(a.replay)
    a.min = a.min and os.path.abspath(a.min)
    allocator.check(a.allocator, a.replay)


def check_paths(a):
    for p in a.paths:
        if not os.path.lexists(p):
            raise Usage(f"{p}: no such file or directory")
    if os.path.exists(a.store) and not os.path.isdir(a.store):
        raise Usage(f"--store {a.store}: not a directory")
    for p in a.paths:
        if os.path.isdir(p) and (inside(a.store, p) or inside(p, a.store)):
            raise Usage(f"--store {a.store} and input directory {p} overlap: "
                        "triage never writes into its inputs")


def read_input(path):
    """(bytes, None) or (None, error message)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return None, f"cannot read: {e.strerror}"
    if not data:
        return None, "empty file: nothing to replay (a truncated artifact?)"
    return data, None


def main(argv=None):
    a = parse_args(argv if argv is not None else sys.argv[1:])
    try:
        check_paths(a)
        resolve_allocator(a)
        resolve_tools(a)
        store = Store(a.store)
    except Usage as e:
        print(f"triage: {e}", file=sys.stderr)
        return 2
    work = os.path.join(a.store, ".work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    runner = Runner(a, work)
    try:
        return Triage(a, store, runner).run()
    finally:
        shutil.rmtree(work, ignore_errors=True)


class Triage:
    """One run over the inputs: read them, replay the artifacts the index
    does not know, record the outcomes, reproduce (minimize) each new
    signature, render the store, and say what the inputs came to."""

    def __init__(self, a, store, runner):
        self.a, self.store, self.runner = a, store, runner
        self.idx = store.index
        self.arts, self.sigs = self.idx["artifacts"], self.idx["signatures"]
        self.errors = {}   # path -> message, this run
        self.seen = {}     # sha -> [paths] this run, in sorted order
        self.data_of, self.form_of = {}, {}
        self.fresh = []    # shas the index did not know
        self.firsts = {}   # new signature -> the sha that reproduces it

    def run(self):
        self.read_inputs()
        self.record(self.replay_fresh())
        self.add_signatures()
        self.idx["errors"].update(self.errors)
        self.store.render()
        return self.tell()

    def read_inputs(self):
        for p in collect(self.a.paths):
            data, err = read_input(p)
            if err:
                self.errors[p] = {"error": f"{p}: {err}", "sha256": None}
                continue
            sha = art_key(hashlib.sha256(data).hexdigest(), self.a.allocator)
            if sha not in self.seen:
                self.seen[sha] = []
                self.data_of[sha] = data
                self.form_of[sha] = "text" if p.endswith(".mmr") else "binary"
            self.seen[sha].append(p)
        self.fresh = [s for s in self.seen if s not in self.arts]

    def replay_fresh(self):
        """sha -> the runner's outcome, for every artifact new to the index."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=self.a.jobs) as pool:
            return dict(zip(self.fresh, pool.map(
                lambda s: self.runner.triage(s, self.data_of[s], self.form_of[s]), self.fresh)))

    def record(self, done):
        """Index entries for the new artifacts, more paths for known ones,
        and this run's errors."""
        for sha, ps in self.seen.items():
            if sha in self.arts:
                known = self.arts[sha]
                known["paths"] = sorted(set(known["paths"]) | set(ps))
            elif "error" in done[sha]:
                self.record_error(sha, ps, done[sha])
                continue
            else:
                self.arts[sha] = self.entry(sha, ps, done[sha])
            for p in ps:
                self.idx["errors"].pop(p, None)

    def record_error(self, sha, ps, r):
        for p in ps:
            msg = r["error"]
            if msg.startswith(r["name"] + ":"):
                msg = p + msg[len(r["name"]):]   # file:line:col: error: ...
            else:
                msg = f"{p}: {msg}"
            self.errors[p] = {"error": msg, "sha256": sha_of(sha)}

    def entry(self, sha, ps, r):
        """The index entry of a new artifact from its replays."""
        (status, sig, flaky, others, signed_by, judged), aliases = canonical(
            r["results"], r["builds"])
        hits = judged.count(f"FAIL {sig}") if sig else 0
        alloc = self.a.allocator
        return {"first_path": ps[0], "paths": sorted(ps), "form": self.form_of[sha],
                **({} if alloc == allocator.DEFAULT else {"allocator": alloc}),
                "status": status, "signature": sig, "results": r["results"],
                **({"builds": r["builds"]} if r["builds"] else {}),
                **({"aliases": aliases} if aliases else {}),
                **({"signed_by": signed_by} if signed_by else {}),
                "reproducibility": f"{hits}/{len(judged)}",
                "flaky": flaky, "others": others}

    def add_signatures(self):
        """New signatures: the first artifact in sorted path order
        reproduces each, minimized in parallel; their store entries."""
        arts, sigs = self.arts, self.sigs
        for sha in sorted((s for s in self.fresh if s in arts and arts[s]["status"] == "failed"),
                          key=lambda s: arts[s]["first_path"]):
            sig = arts[sha]["signature"]
            if sig not in sigs and sig not in self.firsts:
                self.firsts[sig] = sha
        order = sorted(self.firsts)
        with concurrent.futures.ThreadPoolExecutor(max_workers=self.a.jobs) as pool:
            made = dict(zip(order, pool.map(self.reproduce, order)))
        taken = {s["slug"] for s in sigs.values()}
        for sig in order:
            sha = self.firsts[sig]
            slug = slug_of(sig)
            while slug in taken:  # a hash prefix collision: practically never
                slug += "x"
            taken.add(slug)
            original = "original.mmr" if self.form_of[sha] == "text" else "original.bin"
            sigs[sig] = {"slug": slug, "kind": kind_of(sig), "allocator": self.a.allocator,
                         "first_sha256": sha_of(sha),
                         "first_path": arts[sha]["first_path"], "original": original,
                         **made[sig]}
            self.store.write(os.path.join(slug, original), self.data_of[sha])
            self.store.write(os.path.join(slug, reports.REPRODUCER), made[sig]["reproducer"])

    def reproduce(self, sig):
        sha = self.firsts[sig]
        return self.runner.reproduce(sha, self.data_of[sha], self.form_of[sha], sig,
                                     self.arts[sha]["first_path"], not self.a.no_minimize,
                                     self.arts[sha].get("signed_by"))

    def tell(self):
        """stdout: what this run's inputs came to; the exit status."""
        arts, sigs, seen, errors = self.arts, self.sigs, self.seen, self.errors
        groups = self.store.groups()
        touched = sorted({arts[s]["signature"] for s in seen
                          if s in arts and arts[s]["status"] == "failed"},
                         key=lambda g: (-len(groups[g]), g))
        for sig in touched:
            s = sigs[sig]
            info = self.store.group_info(sig, groups[sig])
            print(f"{'NEW  ' if sig in self.firsts else 'known'}  {info['count']:3d}  "
                  f"{info['reproducibility']:>6}{' flaky' if info['flaky'] else ''}  "
                  f"{s['ops_before']} -> {s['ops_after']} ops  {sig}  [{s['slug']}]"
                  + (f"  alias: {alias_text(info)}" if info["aliases"] else "")
                  + (f"  (only in {', '.join(info['signed_by'])})" if info["signed_by"] else ""))
        for sha in seen:
            if sha in arts and arts[sha]["status"] == "not-reproducible":
                print(f"not reproducible  {seen[sha][0]}  ({arts[sha]['reproducibility']} failed)")
        for p in sorted(errors):
            print(f"triage: {errors[p]['error']}", file=sys.stderr)
        n_art = len([s for s in seen if s in arts])
        print(f"triage: {n_art} artifacts, {len(touched)} signatures ({len(self.firsts)} new), "
              f"{len(errors)} errors" + ("" if self.a.allocator == allocator.DEFAULT
                                         else f" (allocator {self.a.allocator})"))
        if errors:
            return 2
        return 1 if self.firsts else 0


if __name__ == "__main__":
    sys.exit(main())
