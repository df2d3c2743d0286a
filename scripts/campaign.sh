#!/usr/bin/env bash
# A fuzz campaign on the clean kernel: libFuzzer, AFL++ or both side by side
# for a time budget, then every crash is replayed in a fresh process and
# reported by signature. Crash files are never deleted.
# usage: campaign.sh ENGINE SECONDS OUTDIR
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
engine=$1 secs=$2 out=$3
B="$ROOT/build"
mkdir -p "$out"
out=$(cd "$out" && pwd)
log() { printf '[mmrig %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

build() {
	local preset=$1
	if ! (cd "$ROOT" && cmake --preset "$preset" && cmake --build --preset "$preset" -j "$(nproc)") >"$out/build-$preset.log" 2>&1; then
		tail -40 "$out/build-$preset.log" >&2
		echo "mmrig: build of $preset failed" >&2
		exit 2
	fi
}

build host-asan
seeds="$B/host-asan/corpus/seeds-bin"
pids=()

if [ "$engine" = libfuzzer ] || [ "$engine" = both ]; then
	build libfuzzer
	mkdir -p "$out/libfuzzer/corpus" "$out/libfuzzer/crashes"
	log "libFuzzer for ${secs}s: corpus $out/libfuzzer/corpus, crashes $out/libfuzzer/crashes"
	# -fork keeps fuzzing past a crash; every crash lands in crashes/.
	(cd "$out/libfuzzer" && "$B/libfuzzer/harness/engines/mmrig-fuzz-libfuzzer" \
		-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
		-max_total_time="$secs" -timeout=25 -rss_limit_mb=4096 \
		-dict="$ROOT/corpus/mmrig.dict" -artifact_prefix="$out/libfuzzer/crashes/" \
		-print_final_stats=1 corpus "$seeds" >"$out/libfuzzer/fuzz.log" 2>&1) &
	pids+=($!)
fi

if [ "$engine" = afl ] || [ "$engine" = both ]; then
	build afl
	log "AFL++ for ${secs}s: output $out/afl"
	resume=(-i "$seeds")
	[ -d "$out/afl/default/queue" ] && resume=(-i -)
	(AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
		ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0 \
		afl-fuzz "${resume[@]}" -o "$out/afl" -V "$secs" -x "$ROOT/corpus/mmrig.dict" \
		-c "$B/afl/harness/engines/mmrig-fuzz-afl-cmplog" \
		-- "$B/afl/harness/engines/mmrig-fuzz-afl-asan" >"$out/afl.log" 2>&1) &
	pids+=($!)
fi

# Progress while the engines run.
start=$(date +%s)
while :; do
	alive=0
	for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
	[ $alive -eq 1 ] || break
	sleep 10
	el=$(( $(date +%s) - start ))
	line="${el}s/${secs}s"
	if [ -f "$out/libfuzzer/fuzz.log" ]; then
		# -fork prints "#N: cov: C ft: F corp: K exec/s E ..." lines.
		lf=$(grep -ao 'cov: [0-9]* ft: [0-9]* corp: [0-9]* exec/s [0-9]*' "$out/libfuzzer/fuzz.log" | tail -1 || true)
		line="$line  libfuzzer[$lf]"
	fi
	if [ -f "$out/afl/default/fuzzer_stats" ]; then
		ae=$(awk -F: '/^execs_done/{gsub(/ /,"",$2); print $2}' "$out/afl/default/fuzzer_stats")
		line="$line  afl[execs $ae]"
	fi
	log "$line"
done
for p in "${pids[@]}"; do wait "$p" || true; done

crashes=()
while IFS= read -r -d '' f; do crashes+=("$f"); done < <(
	find "$out/libfuzzer/crashes" "$out/afl/default/crashes" -type f ! -name README.txt -print0 2>/dev/null | sort -z)
log "done: ${#crashes[@]} crash file(s)"
if [ ${#crashes[@]} -eq 0 ]; then
	echo "campaign: no findings"
	exit 0
fi
# Each crash replayed in a fresh process, then grouped by signature: one
# line per signature with its count and first reproducer (by name).
"$B/host-asan/harness/engines/mmrig-replay" --json "${crashes[@]}" >"$out/findings.json" || true
python3 - "$out/findings.json" <<'PY' | tee "$out/findings.txt"
import collections, json, sys
doc = json.load(open(sys.argv[1]))
groups = collections.OrderedDict()
for r in doc["results"]:
    sig = r.get("signature", "PASS on replay (not reproducible)")
    groups.setdefault(sig, []).append(r["file"])
for sig, files in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
    print(f"{len(files):5d}  {sig}\n       first: {sorted(files)[0]}")
PY
echo "campaign: ${#crashes[@]} crash file(s); see $out/findings.txt"
exit 1
