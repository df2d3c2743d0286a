#!/usr/bin/env bash
# Which kernel code a set of programs reaches: replays them in one process
# of a source-coverage build and reports functions, lines and branches per
# kernel file, plus every kernel function no program entered. Used after a
# campaign to show what its corpus exercised. Inputs are only read.
# usage: coverage.sh OUTDIR PATH...
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B="$ROOT/build/coverage"
out=${1:?usage: coverage.sh OUTDIR PATH...}
shift
[ $# -ge 1 ] || { echo "coverage.sh: no programs given" >&2; exit 2; }
mkdir -p "$out"

if ! (cd "$ROOT" && cmake --preset coverage && cmake --build --preset coverage -j "$(nproc)" --target mmrig-replay) >"$out/build.log" 2>&1; then
	tail -30 "$out/build.log" >&2
	echo "coverage.sh: build failed (log: $out/build.log)" >&2
	exit 2
fi
replay="$B/harness/engines/mmrig-replay"

# The profile files are this script's own output, rewritten every run.
rm -f "$out/replay.profraw" "$out/replay.profdata"
status=0
LLVM_PROFILE_FILE="$out/replay.profraw" "$replay" --no-fork --quiet "$@" >"$out/replay.txt" || status=$?
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
cat "$out/report.txt"
if [ -s "$out/unreached.txt" ]; then
	echo "functions no program entered:"
	sed 's/^/  /' "$out/unreached.txt"
else
	echo "every function of these files was entered"
fi
