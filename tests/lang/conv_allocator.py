#!/usr/bin/env python3
"""mmrig-conv's allocator contract, which the scripts rely on: binary forms
per allocator (exit 3 for an op it cannot run), the dictionary of its ops,
options in any order, and the kernel's encoding unchanged by the flag.

usage: conv_allocator.py MMRIG_CONV SEEDS_DIR"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402


def options(ap):
    ap.add_argument("conv")
    ap.add_argument("seeds")


def conv(*argv):
    return rigtest.run([rigtest.args.conv, *argv])


class ConvAllocator(rigtest.TestCase):
    def setUp(self):
        self.tmp = self.workdir()
        self.out = os.path.join(self.tmp, "p.bin")
        self.page_seed = os.path.join(rigtest.args.seeds, "01-pages-every-order.mmr")
        self.byte_seed = os.path.join(rigtest.args.seeds, "10-krealloc.mmr")

    def test_op_it_cannot_run(self):
        p = conv("--to-bin", "--allocator", "kmalloc", self.page_seed, self.out)
        self.assertExit(p, 3, "an op the allocator cannot run")
        self.assertIn("alloc_pages", p.stderr)
        self.assertFalse(os.path.exists(self.out), "nothing written")

    def test_byte_seed_round_trip(self):
        p1 = conv("--allocator", "kmalloc", "--to-bin", self.byte_seed, self.out)
        p2 = conv("--to-text", self.out, "--allocator", "kmalloc")
        p3 = conv("--to-text", self.byte_seed)
        for p in (p1, p2, p3):
            self.assertExit(p, 0)
        self.assertTrue(p2.stdout.strip(), "the text form is empty")
        self.assertEqual(p2.stdout, p3.stdout, "a byte seed round-trips through kmalloc's binary form")
        with open(self.out, "rb") as f:
            data = f.read()
        self.assertEqual(data[1], 0, "kmalloc's first op (after the format byte) is its opcode 0")

    def test_kbuddy_is_the_default(self):
        k1, k2 = os.path.join(self.tmp, "k1.bin"), os.path.join(self.tmp, "k2.bin")
        self.assertExit(conv("--to-bin", self.byte_seed, k1), 0)
        self.assertExit(conv("--to-bin", "--allocator", "kbuddy", self.byte_seed, k2), 0)
        with open(k1, "rb") as a, open(k2, "rb") as b:
            self.assertEqual(a.read(), b.read(), "kbuddy's binary form is the default one")

    def test_dictionary(self):
        d = os.path.join(self.tmp, "k.dict")
        self.assertExit(conv("--dict", "--allocator", "kmalloc", d), 0)
        with open(d) as f:
            entries = [l for l in f if "=" in l and not l.startswith("#")]
        self.assertTrue(entries, "an empty dictionary")
        self.assertEqual([l for l in entries if l.startswith(("alloc_pages", "mmap", "kmem_cache"))],
                         [], "the dictionary has the allocator's ops only")
        self.assertTrue(any(l.startswith("krealloc") for l in entries), "krealloc is in the dictionary")
        # the format entry is the first byte of every binary form
        self.assertExit(conv("--to-bin", "--allocator", "kmalloc", self.byte_seed, self.out), 0)
        with open(self.out, "rb") as f:
            first = f.read()[0]
        self.assertEqual([l.strip() for l in entries if l.startswith("format_v")],
                         [f'format_v{first & 0xf}="\\x{first:02x}"'], "the dictionary's format entry")

    def test_usage_errors(self):
        p = conv("--to-bin", "--allocator", "nope", self.byte_seed, self.out)
        self.assertExit(p, 2, "an unknown allocator")
        self.assertIn("nope", p.stderr)
        self.assertExit(conv("--to-bin", "--dict", self.out), 2, "two modes")


if __name__ == "__main__":
    rigtest.main(options)
