#!/usr/bin/env bash
# Which kernel code a set of programs reaches: replays them in one process
# of a source-coverage build and reports functions, lines and branches per
# kernel file, plus every kernel function no program entered. Used after a
# campaign to show what its corpus exercised. Inputs are only read.
# usage: coverage.sh [--allocator NAME] [--adapter DIR]... [--check-reach ALLOWLIST]
#                    OUTDIR PATH...
# (--allocator: the replay's page allocator; --adapter: out-of-tree adapters
# compiled in, the build going to a tree of its own, see scripts/rig/tree.py;
# --check-reach: exit 1 unless every unreached line of kernel/mm is in the
# allowlist and every entry still matches one, see scripts/rig/reach.py)
# Writes into OUTDIR: report.txt (per file), export.json, unreached.txt
# (functions), unreached-lines.txt, html/index.html (annotated sources of
# the same files), summary.json (totals), replay.txt; the last line printed
# is the one-line summary
#   coverage: lines L%, functions F%, branches B% (N programs)
# $MMRIG_BUILD moves the build tree (default ROOT/build), as in
# scripts/rig/common.py. See docs/man/mmrig-coverage.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
usage="usage: coverage.sh [--allocator NAME] [--adapter DIR]... [--check-reach ALLOWLIST] OUTDIR PATH..."
adapters=() alloc=() allowlist=
while [ $# -gt 0 ]; do
	case $1 in
	--check-reach) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; allowlist=$2; shift 2 ;;
	--allocator) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; alloc=(--allocator "$2"); shift 2 ;;
	--adapter) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; adapters+=(--adapter "$2"); shift 2 ;;
	-*) echo "coverage.sh: unknown option $1; $usage" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { echo "$usage" >&2; exit 2; }
out=$1
shift
[ $# -ge 1 ] || { echo "coverage.sh: no programs given" >&2; exit 2; }
# A malformed allowlist is exit 2 before anything is built.
if [ -n "$allowlist" ]; then
	python3 "$ROOT/scripts/rig/reach.py" lint "$allowlist"
fi
# The tree first (a missing adapter directory: exit 2 before anything is
# written), then the build, logged in OUTDIR.
python3 "$ROOT/scripts/rig/tree.py" path coverage ${adapters[@]+"${adapters[@]}"} >/dev/null
mkdir -p "$out"
if ! B=$(python3 "$ROOT/scripts/rig/tree.py" build coverage ${adapters[@]+"${adapters[@]}"} \
		--target mmrig-replay --log "$out/build.log" 2>/dev/null); then
	tail -30 "$out/build.log" >&2
	echo "coverage.sh: build failed (log: $out/build.log)" >&2
	exit 2
fi
replay="$B/harness/engines/mmrig-replay"

# The profile files are this script's own output, rewritten every run.
rm -f "$out/replay.profraw" "$out/replay.profdata"
status=0
LLVM_PROFILE_FILE="$out/replay.profraw" "$replay" --no-fork --quiet ${alloc[@]+"${alloc[@]}"} "$@" >"$out/replay.txt" || status=$?
tail -1 "$out/replay.txt"
if [ "$status" -ne 0 ]; then
	echo "coverage.sh: some programs failed (see $out/replay.txt); coverage is still reported" >&2
fi
llvm-profdata-14 merge -sparse "$out/replay.profraw" -o "$out/replay.profdata"

mapfile -t files < <(ls "$ROOT"/kernel/mm/*.c "$ROOT"/kernel/arch/host/mmu.c)
llvm-cov-14 report "$replay" -instr-profile="$out/replay.profdata" "${files[@]}" >"$out/report.txt"
llvm-cov-14 export "$replay" -instr-profile="$out/replay.profdata" -skip-expansions "${files[@]}" >"$out/export.json"
# Header inlines are counted once per including file: only functions
# defined in the reported files are listed.
python3 - "$out/export.json" "$ROOT" "${files[@]}" >"$out/unreached.txt" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
root = sys.argv[2].rstrip('/') + '/'
wanted = set(sys.argv[3:])
seen = set()
for d in data["data"]:
    for f in d["functions"]:
        path = f["filenames"][0]
        name = f"{path.replace(root, '')}: {f['name'].split(':')[-1]}"
        if f["count"] == 0 and path in wanted and name not in seen:
            seen.add(name)
            print(name)
PY
rm -rf "$out/html"
llvm-cov-14 show "$replay" -instr-profile="$out/replay.profdata" -format=html \
	-output-dir="$out/html" -show-branches=count -show-line-counts-or-regions \
	-project-title="mmrig kernel/mm" "${files[@]}" >"$out/html.log" 2>&1 ||
	{ cat "$out/html.log" >&2; echo "coverage.sh: HTML report failed" >&2; exit 2; }
cat "$out/report.txt"
if [ -s "$out/unreached.txt" ]; then
	echo "functions no program entered:"
	sed 's/^/  /' "$out/unreached.txt"
else
	echo "every function of these files was entered"
fi

# Every unreached line (unreached-lines.txt), and with --check-reach the
# allowlist judged; its exit status is the script's, given after the
# summary so that stays the last line.
reach=0
if [ -n "$allowlist" ]; then
	python3 "$ROOT/scripts/rig/reach.py" check --allowlist "$allowlist" "$out" || reach=$?
else
	python3 "$ROOT/scripts/rig/reach.py" lines "$out"
fi

# The totals of the same files, for nightly reports: summary.json and the
# one-line summary (always the last line). Programs counted from the
# replay's own summary lines.
python3 - "$out" <<'PY'
import json, re, sys
out = sys.argv[1]
totals = json.load(open(f"{out}/export.json"))["data"][0]["totals"]
programs = 0
for line in open(f"{out}/replay.txt", errors="replace"):
    m = re.match(r"replay: (\d+) passed, (\d+) failed", line)
    if m:
        programs += int(m.group(1)) + int(m.group(2))
    m = re.match(r"replay: (\d+) (failed as their headers expect|unreadable)", line)
    if m:
        programs += int(m.group(1))
summary = {"programs": programs}
for k in ("lines", "functions", "branches"):
    t = totals[k]
    summary[k] = round(t["percent"], 2)
    summary[k + "_covered"] = t["covered"]
    summary[k + "_total"] = t["count"]
with open(f"{out}/summary.json", "w") as f:
    json.dump(summary, f, indent=1, sort_keys=True)
    f.write("\n")
print(f"coverage: lines {summary['lines']:.2f}%, functions {summary['functions']:.2f}%, "
      f"branches {summary['branches']:.2f}% ({programs} programs)")
PY
exit "$reach"
