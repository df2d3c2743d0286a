"""What the mmrig commands written in Python (scripts/*.py) share, one
owner per concept:

common     the tree, the build trees of presets and adapter sets, build(),
           the tools' paths, bad usage (exit 2), argparse number types
fs         atomic writes, JSON, hashes, listings, the directory lock
artifacts  crash/timeout/OOM/leak/hang files: names and where engines put them
engines    fuzz targets' names, sanitizer settings (scripts/sanitizers.env),
           libFuzzer's status lines, AFL++'s plot_data and fuzzer_stats
procs      child processes: logged runs, process groups, reaping
reports    the triage store's files and summary.json's schema
allocator  --allocator / --adapter and the C tools' allocator contract
mutants    the mutant generator and spec files (scripts/mutate.py, tests)
reach      coverage's line-level reach check (scripts/coverage.sh)
tree       the build-tree rule for the shell scripts
"""
