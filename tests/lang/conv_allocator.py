#!/usr/bin/env python3
"""mmrig-conv's allocator contract, which the scripts rely on: binary forms
per allocator (exit 3 for an op it cannot run), the dictionary of its ops,
options in any order, and the kernel's encoding unchanged by the flag."""
import os
import subprocess
import sys
import tempfile

conv, seeds = sys.argv[1:3]
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print(f"CHECK failed: {what}")


def run(*args):
    p = subprocess.run([conv, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


page_seed = os.path.join(seeds, "01-pages-every-order.mmr")
byte_seed = os.path.join(seeds, "10-krealloc.mmr")
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "p.bin")
    rc, _, err = run("--to-bin", "--allocator", "kmalloc", page_seed, out)
    check(rc == 3 and "alloc_pages" in err and not os.path.exists(out),
          f"an op the allocator cannot run: exit 3, nothing written ({rc}, {err})")

    rc, _, _ = run("--allocator", "kmalloc", "--to-bin", byte_seed, out)
    rc2, text, _ = run("--to-text", out, "--allocator", "kmalloc")
    rc3, canon, _ = run("--to-text", byte_seed)
    check(rc == rc2 == rc3 == 0 and text == canon and text.strip(),
          "a byte seed round-trips through kmalloc's binary form")
    with open(out, "rb") as f:
        data = f.read()
    check(len(data) > 1 and data[1] == 0, "kmalloc's first op (after the format byte) is its opcode 0")

    rc, _, _ = run("--to-bin", byte_seed, os.path.join(tmp, "k1.bin"))
    rc2, _, _ = run("--to-bin", "--allocator", "kbuddy", byte_seed, os.path.join(tmp, "k2.bin"))
    with open(os.path.join(tmp, "k1.bin"), "rb") as a, open(os.path.join(tmp, "k2.bin"), "rb") as b:
        check(rc == rc2 == 0 and a.read() == b.read(), "kbuddy's binary form is the default one")

    d = os.path.join(tmp, "k.dict")
    rc, _, _ = run("--dict", "--allocator", "kmalloc", d)
    with open(d) as f:
        entries = [l for l in f if "=" in l and not l.startswith("#")]
    check(rc == 0 and entries and all(not l.startswith(("alloc_pages", "mmap", "kmem_cache"))
                                      for l in entries) and any(l.startswith("krealloc") for l in entries),
          "the dictionary has the allocator's ops only")
    fmt = [l for l in entries if l.startswith("format_v")]
    check(len(fmt) == 1 and fmt[0].strip().endswith(f'="\\x{data[0]:02x}"'),
          "the dictionary's format entry is the binary form's first byte")

    rc, _, err = run("--to-bin", "--allocator", "nope", byte_seed, out)
    check(rc == 2 and "nope" in err, "an unknown allocator exits 2")
    rc, _, _ = run("--to-bin", "--dict", out)
    check(rc == 2, "two modes exit 2")

print(f"conv-allocator: {failures} failed checks")
sys.exit(1 if failures else 0)
