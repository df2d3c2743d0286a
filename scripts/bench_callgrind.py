#!/usr/bin/env python3
"""Instruction-count ratios for the benchmark loops, under callgrind.

Wall-clock figures wander on a shared machine; instruction counts do not.
Runs mmrig-bench under callgrind with OPS ops per loop, takes the inclusive
cost of each loop function and prints instructions per op and the ratio of
the full harness to the raw kernel calls.
usage: bench_callgrind.py BENCH_BINARY [OPS]
"""
import os
import re
import subprocess
import sys
import tempfile

REPEATS = 5      # median_run's repeat count in bench.c
PROG_OPS = 4096  # PROG_MAX_OPS


def main():
    bench = sys.argv[1]
    ops = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg.out")
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                        bench, str(ops)], check=True, capture_output=True)
        ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", out],
                             check=True, capture_output=True, text=True).stdout
    cost = {}
    for line in ann.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\([^)]*\)\s+\S*bench\.c:(\w+) \[", line)
        if m and m.group(2) not in cost:
            cost[m.group(2)] = int(m.group(1).replace(",", ""))
    programs = ops // PROG_OPS
    hops = programs * PROG_OPS * REPEATS
    raw_ops = ops * REPEATS
    fixed = cost["empty_programs"] / (programs * REPEATS * 2)  # run twice in bench.c
    print(f"callgrind, {ops} ops per loop ({REPEATS} runs each)")
    for kind in ("pages", "kmalloc"):
        raw = cost[f"raw_{kind}"] / raw_ops
        har = cost[f"harness_{kind}"] / hops
        steady = (cost[f"harness_{kind}"] - fixed * programs * REPEATS) / hops
        print(f"{kind:8s} raw {raw:7.1f} instr/op   harness {har:7.1f} instr/op   "
              f"ratio {har / raw:.2f}x   ({steady / raw:.2f}x without the "
              f"per-program reset of {fixed:,.0f} instr)")


if __name__ == "__main__":
    main()
