"""The fuzz engines as the scripts drive and read them: the targets'
names, the sanitizer settings each kind of run gets, libFuzzer's status
lines and AFL++'s plot_data and fuzzer_stats."""
import os
import re

from rig.common import ROOT
from rig.fs import read_text

LF_TARGET = "mmrig-fuzz-libfuzzer"
AFL_TARGETS = {"plain": "mmrig-fuzz-afl-plain", "asan": "mmrig-fuzz-afl-asan",
               "cmplog": "mmrig-fuzz-afl-cmplog"}


def _read_env_file(path):
    env = {}
    for line in (read_text(path) or "").splitlines():
        if line.strip() and not line.startswith("#"):
            k, _, v = line.partition("=")
            env[k.strip()] = v.strip()
    return env


# What a replay needs so its signatures name functions; scripts/mmrig
# exports the same file's values.
REPLAY_SANITIZER_ENV = _read_env_file(os.path.join(ROOT, "scripts", "sanitizers.env"))

# AFL++'s targets: no symbolizing (it would slow every crash down), and
# UBSan aborting so afl-fuzz counts a crash.
AFL_SANITIZER_ENV = {
    "ASAN_OPTIONS": "abort_on_error=1:symbolize=0:detect_leaks=0",
    "UBSAN_OPTIONS": "halt_on_error=1:abort_on_error=1:symbolize=0:print_stacktrace=0",
}


def replay_env(base=None):
    """A copy of base (default: this process's environment) with the
    replay sanitizer defaults where unset."""
    env = dict(os.environ if base is None else base)
    for k, v in REPLAY_SANITIZER_ENV.items():
        env.setdefault(k, v)
    return env


# ---------------------------------------------------------------- libFuzzer

# '#EXECS: cov: C ft: F corp: N exec/s E ... time: Ts' (-fork, as each job
# ends) or '#EXECS<TAB>WHAT cov: C ft: F corp: N/B ... exec/s: E ...'.
_LF_STATUS = re.compile(r"#(\d+):?\s+(?:\w+\s+)?cov: (\d+) ft: (\d+)")
_LF_RATE = re.compile(r"exec/s:? (\d+)")
_LF_TIME = re.compile(r" time: (\d+)s")


def libfuzzer_status(line):
    """One libFuzzer log line's figures as a dict (execs, cov, ft,
    execs_per_s and time_s, the last two None where the line has none), or
    None for a line that is no status line."""
    m = _LF_STATUS.search(line)
    if not m:
        return None
    rest = line[m.end():]
    rate, secs = _LF_RATE.search(rest), _LF_TIME.search(rest)
    return {"execs": int(m.group(1)), "cov": int(m.group(2)), "ft": int(m.group(3)),
            "execs_per_s": int(rate.group(1)) if rate else None,
            "time_s": int(secs.group(1)) if secs else None}


# ---------------------------------------------------------------- AFL++

def plot_data(path, tail=None):
    """AFL++'s plot_data as rows {column name: cell text}, columns named by
    its header line ('# relative_time, cycles_done, ...'); a row with fewer
    cells than the header is left out. tail: read the header and only the
    last tail bytes (the file grows all night). No header: no rows."""
    try:
        with open(path, "rb") as f:
            raw = f.readline()
            if tail is not None:
                f.seek(0, os.SEEK_END)
                f.seek(max(f.tell() - tail, len(raw)))
            body = f.read().decode(errors="replace")
    except OSError:
        return []
    first = raw.decode(errors="replace")
    if not first.startswith("#"):
        return []
    head = [h.strip() for h in first.lstrip("#").split(",")]
    rows = []
    for line in body.splitlines():
        if not line or line.startswith("#"):
            continue
        cells = [c.strip() for c in line.split(",")]
        if len(cells) >= len(head):
            rows.append(dict(zip(head, cells)))
    return rows


def afl_stats(inst_dir):
    """execs, edges, coverage %, corpus count and exec speed of one AFL++
    instance: fuzzer_stats (rewritten about once a minute) or the last line
    of plot_data (every few seconds), whichever has more execs."""
    st = {"execs": 0, "edges": None, "bitmap_cvg": None, "corpus": 0, "execs_per_sec": 0.0}
    try:
        with open(os.path.join(inst_dir, "fuzzer_stats")) as f:
            kv = dict(line.split(":", 1) for line in f if ":" in line)
        kv = {k.strip(): v.strip() for k, v in kv.items()}
        st["execs"] = int(kv.get("execs_done", 0))
        st["edges"] = int(kv["edges_found"]) if "edges_found" in kv else None
        st["bitmap_cvg"] = kv.get("bitmap_cvg")
        st["corpus"] = int(kv.get("corpus_count", 0))
        st["execs_per_sec"] = float(kv.get("execs_per_sec", 0))
    except (OSError, ValueError):
        pass
    rows = plot_data(os.path.join(inst_dir, "plot_data"), tail=4096)
    try:
        last = rows[-1] if rows else None
        if last and int(last["total_execs"]) > st["execs"]:
            st.update(execs=int(last["total_execs"]), edges=int(last["edges_found"]),
                      corpus=int(last["corpus_count"]), execs_per_sec=float(last["execs_per_sec"]),
                      bitmap_cvg=last["map_size"])
    except (KeyError, ValueError):
        pass
    return st
