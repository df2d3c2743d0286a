"""A synthetic nightly run directory for the report tests: a campaign's
progress.tsv, one AFL++ plot_data, a libFuzzer -fork log, a triage store of
two signatures (one with '<' and '&' to escape), regression and coverage
results, nightly.json. The point counts are what the plots must show."""
import json
import os

import rigtest

# Points each polyline must have (data-points attribute).
PROGRESS_ROWS = 12
PLOT_DATA_ROWS = 7
LF_LOG_LINES = 5

SIG_NEW = "asan.use-after-poison in slab_free < kfree < free_object & <b>co</b>"
SIG_KNOWN = "vm.result in touch"
SLUGS = {SIG_NEW: "asan-use-after-poison-slab_free", SIG_KNOWN: "vm-result-touch"}
REPRO_NEW = "# minimized by mmrig-min from 22 ops to 2\no0 = kmalloc 64\nkfree o0\n"
REPRO_KNOWN = ("# minimized by mmrig-min from 35 ops to 5\nm0 = mm_new\n"
               "r0 = mmap m0 16K prot=r\ntouch m0 r0 12K\nmunmap m0 r0 0\ntouch m0 r0 12K\n")


write = rigtest.write


def make(top):
    """top/runs/RUN (returned) and top/store."""
    run = os.path.join(top, "runs", "2026-11-28T1400")
    store = os.path.join(top, "store")
    fuzz = os.path.join(run, "fuzz")
    rows = ["elapsed_s\texecs\texecs_per_s\tcorpus\tlf_cov\tafl_edges\tcrashes\tsignatures"]
    for i in range(PROGRESS_ROWS):
        t = 10 * (i + 1)
        rows.append(f"{t}\t{t * 900}\t{800 + 13 * i}\t{40 + 3 * i}\t{3000 + 120 * i}"
                    f"\t{600 + 90 * i}\t{i // 4}\t{min(i // 4, 2)}")
    write(os.path.join(fuzz, "progress.tsv"), "\n".join(rows) + "\n")
    pd = ["# relative_time, cycles_done, cur_item, corpus_count, pending_total, pending_favs, "
          "map_size, saved_crashes, saved_hangs, max_depth, execs_per_sec, total_execs, edges_found"]
    for i in range(PLOT_DATA_ROWS):
        t = 15 * (i + 1)
        pd.append(f"{t}, 0, {i}, {100 + i}, 90, 10, 25.06%, 0, 0, 3, {500 + 40 * i}.50, "
                  f"{t * 500}, {600 + 100 * i}")
    write(os.path.join(fuzz, "afl", "main", "plot_data"), "\n".join(pd) + "\n")
    log = ["INFO: Seed: 1234", "INFO: -fork=1: fuzzing in separate process(s)"]
    for i in range(LF_LOG_LINES):
        log.append(f"#{1000 * (i + 1)}: cov: {3000 + 200 * i} ft: 4000 corp: {30 + i} "
                   f"exec/s {300 + 20 * i} oom/timeout/crash: 0/0/{i} time: {20 * (i + 1)}s job: {i + 1} dft_time: 0")
    write(os.path.join(fuzz, "libfuzzer", "fuzz.log"), "\n".join(log) + "\n")

    entries = []
    for sig, count, repro, ops in ((SIG_NEW, 7, REPRO_NEW, (22, 2)),
                                   (SIG_KNOWN, 3, REPRO_KNOWN, (35, 5))):
        slug = SLUGS[sig]
        write(os.path.join(store, slug, "reproducer.mmr"), repro)
        write(os.path.join(store, slug, "report.md"), f"# {sig}\n")
        # The field names of scripts/triage.py's summary.json rows.
        rep = {"signature": sig, "kind": "crash", "slug": slug, "count": count,
               "reproducibility": "3/3", "flaky": False, "ops_before": ops[0],
               "ops_after": ops[1], "minimized": True}
        write(os.path.join(store, slug, "report.json"), json.dumps(dict(rep, reproducer="reproducer.mmr")))
        entries.append(rep)
    write(os.path.join(store, "summary.json"), json.dumps(
        {"signatures": entries, "not_reproducible": [], "errors": [],
         "totals": {"signatures": 2, "not_reproducible": 0, "errors": 0}}))

    write(os.path.join(run, "regression.json"), json.dumps({
        "passed": 3, "failed": 1, "errors": 0, "known_open": 1, "results": [
            {"file": "corpus/regression/a.mmr", "result": "PASS", "expect": "pass", "as_expected": True},
            {"file": "corpus/regression/b.mmr", "result": "FAIL", "expect": SIG_KNOWN,
             "as_expected": True, "signature": SIG_KNOWN},
            {"file": "corpus/regression/c.mmr", "result": "FAIL", "expect": "pass",
             "as_expected": False, "signature": "slab.not-zeroed in kzalloc"}]}))
    write(os.path.join(run, "coverage", "summary.json"), json.dumps(
        {"lines": 81.25, "functions": 90.5, "branches": 66.67, "programs": 42}))
    night = {
        "run_id": "2026-11-28T1400", "started": "2026-11-28T14:00:00",
        "time_budget_s": 600, "jobs": 2, "git": {"rev": "1cd8366", "dirty": True},
        "store": "../../store",
        "steps": [{"name": "build", "status": "ok", "seconds": 12.5, "detail": "4 presets"},
                  {"name": "regression", "status": "failed", "seconds": 3.0,
                   "detail": "1 unexpected"},
                  {"name": "campaign", "status": "ok", "seconds": 600.2, "detail": "crashes"}],
        "corpus": {"before": {"files": 32, "bytes": 4000},
                   "after": {"files": 51, "bytes": 9000}, "dropped": 2},
        "signatures": [{"signature": SIG_NEW, "status": "NEW", "count": 7},
                       {"signature": SIG_KNOWN, "status": "known", "count": 3}],
        "new_signatures": [SIG_NEW], "exit_status": 1,
    }
    write(os.path.join(run, "nightly.json"), json.dumps(night, indent=1))
    return run
