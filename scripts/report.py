#!/usr/bin/env python3
"""The nightly report: one run directory in, report.md and report.html out.

usage: report.py NIGHTDIR [--store STORE] [--title TEXT]

NIGHTDIR is one night's run directory as scripts/nightly.py lays it out
(runs/<run-id>/): nightly.json (what nightly decided: steps, regression
replay, corpus sizes, signatures, exit status), fuzz/ (the campaign's out
dir: progress.tsv, afl/<instance>/plot_data, libfuzzer/fuzz.log),
regression.json, coverage/summary.json. The triage store defaults to the
one nightly.json names, else NIGHTDIR/../../store. Any part may be missing:
the report says so instead of failing, so it can be run alone on a
half-finished night.

The HTML page is self-contained: inline SVG plots drawn here (no script,
no stylesheet or font from elsewhere), readable offline. Nothing in either
file depends on when or where it was rendered, so rendering the same
directory twice gives the same bytes.
"""
import argparse
import html
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rig import reports  # noqa: E402
from rig.engines import libfuzzer_status, plot_data  # noqa: E402
from rig.fs import atomic_write, read_json, read_text  # noqa: E402

# Series colours; tests/report looks for these pixels in a screenshot.
COLOUR_LF = "#1f77b4"
COLOUR_AFL = "#d62728"
COLOUR_ALL = "#2ca02c"
COLOUR_NEW = "#ff7f0e"
COLOUR_KNOWN = "#7f7f7f"
# A polyline keeps at most this many points (evenly picked, first and last
# always kept), so a long night still gives a small page.
MAX_POINTS = 400


# ---------------------------------------------------------------- inputs

def num(s):
    """A number from a TSV/CSV cell ('25.06%' and '-' included), or None."""
    s = s.strip().rstrip("%")
    try:
        v = float(s)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def read_progress(path):
    """campaign.py's progress.tsv as a list of dicts of numbers."""
    text = read_text(path)
    if not text:
        return []
    lines = [l for l in text.splitlines() if l.strip()]
    if not lines:
        return []
    head = lines[0].lstrip("#").split("\t")
    head = [h.strip() for h in head]
    rows = []
    for line in lines[1:]:
        cells = line.split("\t")
        row = {h: num(c) for h, c in zip(head, cells)}
        if row.get("elapsed_s") is not None:
            rows.append(row)
    return rows


def read_plot_data(path):
    """AFL++'s plot_data: (seconds since start, edges, exec/s) per line.
    4.x writes relative_time; older versions unix_time (made relative)."""
    rows = plot_data(path)
    relative = bool(rows) and "relative_time" in rows[0]
    out = []
    for r in rows:
        t = num(r.get("relative_time", r.get("unix_time", "")))
        if t is None:
            continue
        out.append((t, num(r["edges_found"]) if "edges_found" in r else None,
                    num(r["execs_per_sec"]) if "execs_per_sec" in r else None))
    if out and not relative:
        t0 = out[0][0]
        out = [(t - t0, e, x) for t, e, x in out]
    return out


def read_libfuzzer_log(path):
    """(seconds, cov, exec/s) from a libFuzzer log: -fork mode prints the
    time; plain mode does not, so its points are spaced by line order."""
    out = []
    for line in (read_text(path) or "").splitlines():
        st = libfuzzer_status(line)
        if st is None or st["execs_per_s"] is None:
            continue
        t = st["time_s"] if st["time_s"] is not None else len(out)
        out.append((float(t), float(st["cov"]), float(st["execs_per_s"])))
    return out


def afl_instances(fuzz):
    d = os.path.join(fuzz, "afl")
    try:
        names = sorted(os.listdir(d))
    except OSError:
        return []
    return [(n, os.path.join(d, n)) for n in names
            if os.path.isfile(os.path.join(d, n, "plot_data"))]


def series_from(rows, key):
    pts = [(r["elapsed_s"], r.get(key)) for r in rows]
    pts = [(x, y) for x, y in pts if y is not None]
    return pts if any(y for _, y in pts) else []


def combine(instances, col, op):
    """One series from several AFL++ instances' plot_data: at every time
    any instance wrote a line, op (sum, max) of each instance's latest
    value of column col (1 edges, 2 exec/s). Linear in the lines."""
    tracks = [sorted((p[0], p[col]) for p in pts if p[col] is not None)
              for _, pts in sorted(instances.items())]
    times = sorted({t for tr in tracks for t, _ in tr})
    pos = [0] * len(tracks)
    last = [None] * len(tracks)
    out = []
    for t in times:
        for i, tr in enumerate(tracks):
            while pos[i] < len(tr) and tr[pos[i]][0] <= t:
                last[i] = tr[pos[i]][1]
                pos[i] += 1
        vals = [v for v in last if v is not None]
        if vals:
            out.append((t, op(vals)))
    return out


def time_series(fuzz):
    """The coverage and exec/s series of a campaign directory. progress.tsv
    (the campaign's own sampling of both engines) comes first; the engines'
    own files fill in what it lacks."""
    rows = read_progress(os.path.join(fuzz, "progress.tsv"))
    lf = read_libfuzzer_log(os.path.join(fuzz, "libfuzzer", "fuzz.log"))
    afl = {n: read_plot_data(os.path.join(p, "plot_data")) for n, p in afl_instances(fuzz)}
    cov, speed = [], []

    lf_cov = series_from(rows, "lf_cov") or [(t, c) for t, c, _ in lf]
    if lf_cov:
        cov.append(("libFuzzer cov", COLOUR_LF, lf_cov))
    afl_edges = series_from(rows, "afl_edges")
    if not afl_edges and afl:
        # Instances share the map: the best instance's edge count.
        afl_edges = combine(afl, 1, max)
    if afl_edges:
        cov.append(("AFL++ edges", COLOUR_AFL, afl_edges))

    total = series_from(rows, "execs_per_s")
    if total:
        speed.append(("all engines", COLOUR_ALL, total))
    lf_speed = [(t, x) for t, _, x in lf]
    if lf_speed:
        speed.append(("libFuzzer", COLOUR_LF, lf_speed))
    if afl:
        speed.append(("AFL++ (all instances)", COLOUR_AFL, combine(afl, 2, sum)))
    return cov, speed, rows


# ----------------------------------------------------------------- store

# The summary.json fields the report reads: always there, and there since
# a later schema (absent from older stores).
STORE_READS = (reports.SIGNATURE, reports.SLUG, reports.COUNT, reports.REPRODUCIBILITY,
               reports.OPS_BEFORE, reports.OPS_AFTER)
STORE_READS_IF_PRESENT = (reports.ALIASES,)


def store_entries(store):
    """The triage store's signatures (its summary.json rows) as the report
    shows them: signature, slug, count, reproducible, ops_before,
    ops_after, aliases (what builds other than the sanitizer one call the
    same bug). A store of another schema: none, with a warning."""
    try:
        rows = reports.read_rows(store, need=STORE_READS)
    except reports.SchemaError as e:
        print(f"report.py: {e}", file=sys.stderr)
        return []
    return [{"signature": r[reports.SIGNATURE], "slug": r[reports.SLUG],
             "count": r[reports.COUNT], "reproducible": r[reports.REPRODUCIBILITY],
             "ops_before": r[reports.OPS_BEFORE], "ops_after": r[reports.OPS_AFTER],
             "aliases": list(r.get(reports.ALIASES) or [])} for r in rows]


# ----------------------------------------------------------------- plots

def nice_step(span, ticks=5):
    if span <= 0:
        return 1.0
    raw = span / ticks
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def fmt_num(v):
    if abs(v) >= 1e6:
        return f"{v / 1e6:g}M"
    if abs(v) >= 1e4:
        return f"{v / 1e3:g}k"
    return f"{v:g}"


def time_unit(span):
    """One unit for a whole time axis, so its ticks read alike."""
    if span >= 7200:
        return "h", 3600
    if span >= 300:
        return "min", 60
    return "s", 1


def thin(pts):
    if len(pts) <= MAX_POINTS:
        return pts
    n = len(pts) - 1
    idx = sorted({round(i * n / (MAX_POINTS - 1)) for i in range(MAX_POINTS)})
    return [pts[i] for i in idx]


def svg_open(pid, title, w, h):
    return [f'<svg id="{pid}" class="plot" xmlns="http://www.w3.org/2000/svg" '
            f'width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
            f'aria-labelledby="{pid}-title">',
            f'<title id="{pid}-title">{html.escape(title)}</title>',
            f'<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>',
            f'<text x="{w / 2:g}" y="18" text-anchor="middle" font-size="14" '
            f'font-weight="bold">{html.escape(title)}</text>']


def tick_values(lo, hi, step):
    """lo, lo + step, ... up to hi (a rounding error past it included)."""
    k = 0
    while k * step <= hi - lo + 1e-9:
        yield lo + k * step
        k += 1


def svg_nothing(out, x, y, what):
    """The plot begun in out, closed with only a note that it is empty."""
    out.append(f'<text x="{x:g}" y="{y:g}" text-anchor="middle" '
               f'font-size="13" fill="#666666">{what}</text>')
    out.append("</svg>")
    return "\n".join(out)


def line_plot(pid, title, xlabel, ylabel, series):
    """An SVG line chart: one polyline per series (class "series",
    data-points = its point count), axes with ticks and labels, a legend."""
    W, H, L, R, T, B = 720, 320, 70, 20, 50, 50
    out = svg_open(pid, title, W, H)
    pw, ph = W - L - R, H - T - B
    series = [(n, c, thin(sorted(p))) for n, c, p in series if p]
    if not series:
        return svg_nothing(out, W / 2, H / 2, "no data")
    xs = [x for _, _, p in series for x, _ in p]
    ys = [y for _, _, p in series for _, y in p]
    x0, x1 = 0.0, max(max(xs), 1.0)
    y0, y1 = 0.0, max(max(ys), 1.0)
    unit, div = time_unit(x1 - x0)
    xstep, ystep = nice_step((x1 - x0) / div) * div, nice_step(y1 - y0)
    x1 = math.ceil(x1 / xstep) * xstep
    y1 = math.ceil(y1 / ystep) * ystep

    def px(x):
        return L + (x - x0) / (x1 - x0) * pw

    def py(y):
        return T + ph - (y - y0) / (y1 - y0) * ph

    out.append(f'<g class="axes" stroke="#000000" stroke-width="1">'
               f'<line x1="{L}" y1="{T + ph}" x2="{L + pw}" y2="{T + ph}"/>'
               f'<line x1="{L}" y1="{T}" x2="{L}" y2="{T + ph}"/></g>')
    out.append('<g class="ticks" font-size="11">')
    for v in tick_values(x0, x1, xstep):
        X = px(v)
        out.append(f'<line x1="{X:.1f}" y1="{T + ph}" x2="{X:.1f}" y2="{T + ph + 5}" stroke="#000000"/>'
                   f'<text x="{X:.1f}" y="{T + ph + 18}" text-anchor="middle">{v / div:g} {unit}</text>')
    for v in tick_values(y0, y1, ystep):
        Y = py(v)
        out.append(f'<line x1="{L - 5}" y1="{Y:.1f}" x2="{L}" y2="{Y:.1f}" stroke="#000000"/>'
                   f'<line x1="{L}" y1="{Y:.1f}" x2="{L + pw}" y2="{Y:.1f}" stroke="#e5e5e5"/>'
                   f'<text x="{L - 8}" y="{Y + 4:.1f}" text-anchor="end">{fmt_num(v)}</text>')
    out.append("</g>")
    out.append(f'<text class="xlabel" x="{L + pw / 2:g}" y="{H - 8}" text-anchor="middle" '
               f'font-size="12">{html.escape(xlabel)}</text>')
    out.append(f'<text class="ylabel" x="16" y="{T + ph / 2:g}" text-anchor="middle" '
               f'font-size="12" transform="rotate(-90 16 {T + ph / 2:g})">{html.escape(ylabel)}</text>')
    for i, (name, colour, pts) in enumerate(series):
        coords = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        out.append(f'<polyline class="series" data-series="{html.escape(name)}" '
                   f'data-points="{len(pts)}" fill="none" stroke="{colour}" '
                   f'stroke-width="3" points="{coords}"/>')
        if len(pts) == 1:  # a lone point draws no line: a dot instead
            x, y = pts[0]
            out.append(f'<circle class="point" cx="{px(x):.1f}" cy="{py(y):.1f}" r="4" fill="{colour}"/>')
        lx = L + 10 + i * 200
        out.append(f'<g class="legend"><rect x="{lx}" y="{T - 22}" width="14" height="10" fill="{colour}"/>'
                   f'<text x="{lx + 20}" y="{T - 13}" font-size="12">{html.escape(name)}</text></g>')
    out.append("</svg>")
    return "\n".join(out)


def bar_plot(pid, title, bars):
    """Horizontal bars, one per (label, value, colour); the label is written
    above its bar so long signatures stay readable."""
    W, L, R, T, ROW = 720, 20, 80, 40, 40
    H = T + max(len(bars), 1) * ROW + 40
    out = svg_open(pid, title, W, H)
    if not bars:
        return svg_nothing(out, W / 2, T + 25, "no crashes")
    vmax = max(max(v for _, v, _ in bars), 1)
    step = nice_step(vmax, 4)
    vtop = math.ceil(vmax / step) * step
    pw = W - L - R
    bottom = T + len(bars) * ROW
    out.append('<g class="ticks" font-size="11">')
    for v in tick_values(0, vtop, step):
        X = L + v / vtop * pw
        out.append(f'<line x1="{X:.1f}" y1="{T}" x2="{X:.1f}" y2="{bottom}" stroke="#e5e5e5"/>'
                   f'<line x1="{X:.1f}" y1="{bottom}" x2="{X:.1f}" y2="{bottom + 5}" stroke="#000000"/>'
                   f'<text x="{X:.1f}" y="{bottom + 18}" text-anchor="middle">{fmt_num(v)}</text>')
    out.append("</g>")
    out.append(f'<line x1="{L}" y1="{bottom}" x2="{L + pw}" y2="{bottom}" stroke="#000000"/>')
    out.append(f'<text class="xlabel" x="{L + pw / 2:g}" y="{H - 6}" text-anchor="middle" '
               f'font-size="12">crash files</text>')
    for i, (label, value, colour) in enumerate(bars):
        y = T + i * ROW
        w = value / vtop * pw
        out.append(f'<g class="bar"><text x="{L}" y="{y + 13}" font-size="12">{html.escape(label)}</text>'
                   f'<rect x="{L}" y="{y + 17}" width="{w:.1f}" height="16" fill="{colour}"/>'
                   f'<text x="{L + w + 5:.1f}" y="{y + 30}" font-size="12">{fmt_num(value)}</text></g>')
    out.append("</svg>")
    return "\n".join(out)


# ---------------------------------------------------------------- report

def git_info(root):
    def git(*args):
        try:
            r = subprocess.run(["git", "-C", root, *args], capture_output=True,
                               text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return r.stdout.strip() if r.returncode == 0 else None
    rev = git("rev-parse", "--short", "HEAD")
    if rev is None:
        return {"rev": None, "dirty": None}
    return {"rev": rev, "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def human_bytes(n):
    if n is None:
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def fmt_dur(s):
    if s is None:
        return "?"
    s = float(s)
    if s < 60:
        return f"{s:.1f} s"
    return f"{int(s // 60)} min {s % 60:02.0f} s"


def collect(nightdir, store=None):
    """Everything the report shows, as one dict (also what the tests read)."""
    night = read_json(os.path.join(nightdir, "nightly.json")) or {}
    fuzz = os.path.join(nightdir, "fuzz")
    if store is None:
        store = night.get("store")
        if store and not os.path.isabs(store):
            store = os.path.normpath(os.path.join(nightdir, store))
        store = store or os.path.normpath(os.path.join(nightdir, "..", "..", "store"))
    cov_series, speed_series, rows = time_series(fuzz)
    entries = {e["signature"]: e for e in store_entries(store)}

    # Signatures of this night: nightly.json's list (status and this
    # night's count) joined with the store's details; alone, the store's.
    sigs = []
    listed = night.get("signatures")
    if listed is None:
        listed = [{"signature": s, "status": "known"} for s in sorted(entries)]
    for s in listed:
        e = entries.get(s["signature"], {})
        merged = {"signature": s["signature"], "status": s.get("status", "known"),
                  "count": s.get("count", e.get("count", 0)),
                  "reproducible": s.get("reproducible", e.get("reproducible")),
                  "ops_before": s.get("ops_before", e.get("ops_before")),
                  "ops_after": s.get("ops_after", e.get("ops_after")),
                  "aliases": s.get("aliases", e.get("aliases", [])),
                  "slug": s.get("slug", e.get("slug", ""))}
        slug = merged["slug"]
        merged["report"] = None
        merged["reproducer"] = None
        if slug:
            rep = os.path.join(store, slug, reports.REPORT_MD)
            if os.path.exists(rep):
                merged["report"] = os.path.relpath(rep, nightdir)
            merged["reproducer"] = read_text(os.path.join(store, slug, reports.REPRODUCER), 20000)
        sigs.append(merged)
    order = {"NEW": 0, "known-open": 1, "known": 2}
    sigs.sort(key=lambda s: (order.get(s["status"], 3), -(s["count"] or 0), s["signature"]))

    regression = night.get("regression")
    if regression is None:
        rj = read_json(os.path.join(nightdir, "regression.json"))
        if isinstance(rj, dict):
            regression = summarize_regression(rj)
    cov = read_json(os.path.join(nightdir, "coverage", "summary.json"))
    if night.get("git"):
        gitv = night["git"]
    else:
        gitv = git_info(night.get("root") or os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    last = rows[-1] if rows else {}
    return {
        "run_id": night.get("run_id") or os.path.basename(os.path.abspath(nightdir)),
        "started": night.get("started"),
        "time_budget_s": night.get("time_budget_s"),
        "jobs": night.get("jobs"),
        "allocator": night.get("allocator"),
        "adapters": night.get("adapters") or [],
        "git": gitv,
        "steps": night.get("steps", []),
        "exit_status": night.get("exit_status"),
        "new_signatures": night.get("new_signatures",
                                    [s["signature"] for s in sigs if s["status"] == "NEW"]),
        "signatures": sigs,
        "regression": regression,
        "coverage": cov,
        "corpus": night.get("corpus"),
        "campaign": {"execs": last.get("execs"), "elapsed_s": last.get("elapsed_s"),
                     "crashes": last.get("crashes")},
        "cov_series": cov_series,
        "speed_series": speed_series,
        "store": store,
    }


def summarize_regression(rj):
    """mmrig-replay --json's document cut to what the report shows: totals
    and every result that was not as its header expects."""
    bad = []
    for r in rj.get("results", []):
        ok = r.get("as_expected")
        if ok is None:
            ok = r.get("result") == "PASS"
        if not ok:
            bad.append({"file": os.path.basename(r.get("file", "?")), "result": r.get("result"),
                        "expect": r.get("expect"), "signature": r.get("signature")})
    return {k: rj.get(k) for k in ("passed", "failed", "errors", "known_open")} | {"unexpected": bad}


def md_cell(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def md_code(s):
    s = str(s)
    tick = "``" if "`" in s else "`"
    return md_cell(f"{tick}{s}{tick}")


def ops_text(s):
    b, a = s.get("ops_before"), s.get("ops_after")
    if b is None and a is None:
        return "?"
    return f"{'?' if b is None else b} → {'?' if a is None else a}"


def regression_line(reg):
    if not reg:
        return "not run"
    txt = (f"{reg.get('passed', 0)} passed, {reg.get('known_open', 0)} known-open, "
           f"{len(reg.get('unexpected', []))} unexpected")
    if reg.get("errors"):
        txt += f", {reg['errors']} unreadable"
    if reg.get("programs"):  # another allocator than kbuddy: the seeds it can run
        txt = f"{reg['programs']}: {txt}"
    if "not_applicable" in reg:
        txt += f", {len(reg['not_applicable'])} not applicable (ops the allocator cannot run)"
    return txt


def coverage_line(cov):
    if not cov:
        return "not measured"
    def pct(k):
        v = cov.get(k)
        return "?" if v is None else f"{v:.2f}%"
    return (f"lines {pct('lines')}, functions {pct('functions')}, "
            f"branches {pct('branches')} ({cov.get('programs', '?')} programs)")


def corpus_line(c):
    if not c:
        return "no merge"
    b, a = c.get("before") or {}, c.get("after") or {}
    line = (f"{b.get('files', '?')} files ({human_bytes(b.get('bytes'))}) before, "
            f"{a.get('files', '?')} files ({human_bytes(a.get('bytes'))}) after")
    if c.get("dropped"):
        line += f"; {c['dropped']} dropped by the size bound"
    return line


def header_facts(d):
    g = d["git"] or {}
    rev = g.get("rev") or "unknown"
    if g.get("dirty"):
        rev += " (dirty)"
    facts = [("run", d["run_id"]), ("kernel tree", rev),
             ("allocator", d.get("allocator") or "kbuddy")]
    if d.get("adapters"):
        facts.append(("adapters", " ".join(d["adapters"])))
    if d["started"]:
        facts.append(("started", d["started"]))
    if d["time_budget_s"] is not None:
        facts.append(("time budget", fmt_dur(d["time_budget_s"])))
    if d["jobs"] is not None:
        facts.append(("jobs", d["jobs"]))
    c = d["campaign"]
    if c.get("execs") is not None:
        facts.append(("executions", f"{c['execs']:.0f}"))
    n = len(d["new_signatures"])
    facts.append(("new signatures", n))
    if d["exit_status"] is not None:
        facts.append(("exit status", d["exit_status"]))
    return facts


def render_md(d):
    out = [f"# mmrig nightly {d['run_id']}", ""]
    for k, v in header_facts(d):
        out.append(f"- {k}: {v}")
    out.append("")
    if d["new_signatures"]:
        out.append(f"**{len(d['new_signatures'])} new signature(s):** "
                   + ", ".join(md_code(s) for s in d["new_signatures"]))
        out.append("")
    reg = d["regression"]
    if reg and reg.get("unexpected"):
        out.append(f"**Regression replay: {len(reg['unexpected'])} unexpected result(s)** "
                   "(see below)")
        out.append("")
    out += ["## Steps", "", "| step | status | duration | detail |", "|---|---|---|---|"]
    for s in d["steps"]:
        out.append(f"| {md_cell(s.get('name', '?'))} | {md_cell(s.get('status', '?'))} | "
                   f"{fmt_dur(s.get('seconds'))} | {md_cell(s.get('detail', ''))} |")
    out += ["", "## Signatures", ""]
    if d["signatures"]:
        out += ["| signature | status | count | reproducible | ops | report |",
                "|---|---|---|---|---|---|"]
        for s in d["signatures"]:
            rep = f"[report]({s['report']})" if s["report"] else ""
            alias = "".join(f" (alias {md_code(x)})" for x in s.get("aliases") or [])
            out.append(f"| {md_code(s['signature'])}{alias} | {s['status']} | {s['count']} | "
                       f"{md_cell(s['reproducible'] if s['reproducible'] is not None else '?')} | "
                       f"{ops_text(s)} | {rep} |")
        for s in d["signatures"]:
            if s["reproducer"]:
                out += ["", f"### {s['signature']}", "", "```", s["reproducer"].rstrip("\n"), "```"]
    else:
        out.append("No crash this night.")
    out += ["", "## Regression replay", "", regression_line(reg)]
    for u in (reg or {}).get("unexpected", []):
        out.append(f"- {md_code(u['file'])}: {u.get('result')}, expected "
                   f"{md_code(u.get('expect') or 'pass')}"
                   + (f", got {md_code(u['signature'])}" if u.get("signature") else ""))
    if (reg or {}).get("not_applicable"):
        out.append("- not applicable: " + ", ".join(md_code(f) for f in reg["not_applicable"]))
    out += ["", "## Coverage", "", coverage_line(d["coverage"])]
    if d["coverage"]:
        out.append("")
        out.append("HTML: [coverage/html/index.html](coverage/html/index.html)")
    out += ["", "## Corpus", "", corpus_line(d["corpus"]), ""]
    out += ["## Plots", "", "In report.html: coverage over time, exec/s over time, "
            "crashes per signature.", ""]
    return "\n".join(out)


CSS = """body{font-family:sans-serif;margin:24px;max-width:1200px;color:#111}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#eee}code,pre{font-family:monospace}pre{background:#f6f6f6;padding:6px;border:1px solid #ddd;overflow-x:auto}
.new{color:#b00000;font-weight:bold}.bad{color:#b00000;font-weight:bold}.ok{color:#006000}
.plot{display:block;margin:12px 0;border:1px solid #ccc}"""


def render_html(d):
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>mmrig nightly {e(d['run_id'])}</title>", f"<style>{CSS}</style>",
           "</head><body>", f"<h1>mmrig nightly {e(d['run_id'])}</h1>", '<table class="facts">']
    for k, v in header_facts(d):
        out.append(f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>")
    out.append("</table>")
    if d["new_signatures"]:
        out.append(f'<p class="new">{len(d["new_signatures"])} new signature(s): '
                   + ", ".join(f"<code>{e(s)}</code>" for s in d["new_signatures"]) + "</p>")
    reg = d["regression"]
    if reg and reg.get("unexpected"):
        out.append(f'<p class="bad">Regression replay: {len(reg["unexpected"])} '
                   'unexpected result(s), see below.</p>')

    out.append("<h2>Plots</h2>")
    out.append(line_plot("plot-coverage", "Coverage over time", "time since start",
                         "coverage (libFuzzer cov / AFL++ edges)", d["cov_series"]))
    out.append(line_plot("plot-execs", "Executions per second over time", "time since start",
                         "exec/s", d["speed_series"]))
    bars = [(s["signature"], s["count"] or 0,
             COLOUR_NEW if s["status"] == "NEW" else COLOUR_KNOWN) for s in d["signatures"]]
    out.append(bar_plot("plot-signatures", "Crashes per signature", bars))

    out += ["<h2>Steps</h2>", '<table id="steps"><tr><th>step</th><th>status</th>'
            "<th>duration</th><th>detail</th></tr>"]
    for s in d["steps"]:
        st = str(s.get("status", "?"))
        cls = "ok" if st == "ok" else "bad" if st in ("failed", "error") else ""
        out.append(f"<tr><td>{e(str(s.get('name', '?')))}</td><td class=\"{cls}\">{e(st)}</td>"
                   f"<td>{e(fmt_dur(s.get('seconds')))}</td><td>{e(str(s.get('detail', '')))}</td></tr>")
    out.append("</table>")

    out.append("<h2>Signatures</h2>")
    if d["signatures"]:
        out.append('<table id="signatures"><tr><th>signature</th><th>status</th><th>count</th>'
                   "<th>reproducible</th><th>ops before → after</th><th>report</th></tr>")
        for s in d["signatures"]:
            cls = ' class="new"' if s["status"] == "NEW" else ""
            rep = f'<a href="{e(s["report"])}">report</a>' if s["report"] else ""
            repro = "?" if s["reproducible"] is None else s["reproducible"]
            alias = "".join(f'<br><span class="alias">alias <code>{e(x)}</code></span>'
                            for x in s.get("aliases") or [])
            out.append(f'<tr><td><code class="signature">{e(s["signature"])}</code>{alias}</td>'
                       f"<td{cls}>{e(s['status'])}</td><td>{e(str(s['count']))}</td>"
                       f"<td>{e(str(repro))}</td><td>{e(ops_text(s))}</td><td>{rep}</td></tr>")
        out.append("</table>")
        for s in d["signatures"]:
            if s["reproducer"]:
                out.append(f"<h3><code>{e(s['signature'])}</code></h3>")
                out.append(f'<pre class="reproducer">{e(s["reproducer"].rstrip(chr(10)))}</pre>')
    else:
        out.append("<p>No crash this night.</p>")

    out += ["<h2>Regression replay</h2>", f"<p>{e(regression_line(reg))}</p>"]
    if reg and reg.get("unexpected"):
        out.append('<table id="regression"><tr><th>file</th><th>result</th><th>expected</th>'
                   "<th>signature</th></tr>")
        for u in reg["unexpected"]:
            out.append(f"<tr><td><code>{e(u['file'])}</code></td><td class=\"bad\">{e(str(u.get('result')))}</td>"
                       f"<td><code>{e(u.get('expect') or 'pass')}</code></td>"
                       f"<td><code>{e(u.get('signature') or '')}</code></td></tr>")
        out.append("</table>")
    if reg and reg.get("not_applicable"):
        out.append('<p id="not-applicable">not applicable (ops the allocator cannot run): '
                   + ", ".join(f"<code>{e(f)}</code>" for f in reg["not_applicable"]) + "</p>")
    out += ["<h2>Coverage</h2>", f'<p id="coverage-summary">{e(coverage_line(d["coverage"]))}</p>']
    if d["coverage"]:
        out.append('<p><a href="coverage/html/index.html">source coverage (HTML)</a></p>')
    out += ["<h2>Corpus</h2>", f"<p>{e(corpus_line(d['corpus']))}</p>", "</body></html>", ""]
    return "\n".join(out)


def render(nightdir, store=None):
    d = collect(nightdir, store)
    atomic_write(os.path.join(nightdir, "report.md"), render_md(d))
    atomic_write(os.path.join(nightdir, "report.html"), render_html(d))
    return d


def main():
    ap = argparse.ArgumentParser(description="Render a nightly run directory as report.md + report.html.")
    ap.add_argument("nightdir")
    ap.add_argument("--store", help="triage store (default: nightly.json's, else NIGHTDIR/../../store)")
    a = ap.parse_args()
    if not os.path.isdir(a.nightdir):
        print(f"report.py: {a.nightdir}: not a directory", file=sys.stderr)
        return 2
    render(a.nightdir, a.store)
    print(os.path.join(a.nightdir, "report.html"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
