#!/usr/bin/env python3
"""report.schema: the nightly report reads the triage store as triage
writes it. scripts/triage.py, with this build's mmrig-replay and mmrig-min,
triages a known-open bug of corpus/regression (mimalloc's misaligned
aligned_alloc) and a passing seed into a fresh store; then:
- every summary.json row has exactly the fields of rig/reports.py's schema;
- every field report.py reads is one of them, and is in the rows;
- report.py's view of the store (collect) and its rendered pages carry the
  rows' values: no field is read under another name or lost;
- a row without a field report.py reads is refused by the schema reader,
  and report.py then shows no signature rather than guessed values.

usage: check_schema.py --root SRC --replay MMRIG_REPLAY --min MMRIG_MIN --work DIR
"""
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402

A = rigtest.args
report = reports = BUG = PASSING = None


def options(ap):
    rigtest.root_and_work(ap)
    ap.add_argument("--replay", required=True)
    ap.add_argument("--min", required=True)


def triage_store():
    """A store made by triage from two inputs (built once for the tests)."""
    work = rigtest.shared_workdir("schema")
    inputs = os.path.join(work, "inputs")
    os.makedirs(inputs)
    for src in (BUG, PASSING):
        rigtest.write(os.path.join(inputs, os.path.basename(src)), rigtest.read(src))
    store = os.path.join(work, "store")
    p = rigtest.python(os.path.join(A.root, "scripts", "triage.py"),
                       "--replay", A.replay, "--min", A.min, "--no-aliases", "--allocator", "mimalloc",
                       "--min-runs", "50", "--jobs", "1", "--store", store, inputs)
    if p.returncode != 1:  # 1: a new signature
        raise AssertionError(f"triage exit {p.returncode}, want 1\n{p.stdout}{p.stderr}")
    return store


STORE = None


def setUpModule():
    global STORE, report, reports, BUG, PASSING
    report, reports = rigtest.script("report"), rigtest.script("rig.reports")
    BUG = os.path.join(A.root, "corpus", "regression", "mimalloc-aligned-alloc-256.mmr")
    PASSING = os.path.join(A.root, "corpus", "seeds", "10-krealloc.mmr")
    STORE = triage_store()


class Schema(rigtest.TestCase):
    def rows(self):
        with open(os.path.join(STORE, reports.SUMMARY)) as f:
            return json.load(f)[reports.SIGNATURES]

    def test_triage_writes_the_schema(self):
        rows = self.rows()
        self.assertEqual(len(rows), 1, rows)
        for row in rows:
            self.assertEqual(sorted(row), sorted(reports.ROW_FIELDS))
        self.assertEqual(rows[0][reports.SIGNATURE], "byte.misaligned in aligned_alloc [mimalloc]")
        self.assertEqual(rows[0][reports.ALLOCATOR], "mimalloc")

    def test_report_reads_only_written_fields(self):
        written = set(self.rows()[0])
        for field in report.STORE_READS + report.STORE_READS_IF_PRESENT:
            self.assertIn(field, reports.ROW_FIELDS, f"report.py reads {field!r}, not in the schema")
            self.assertIn(field, written, f"report.py reads {field!r}, triage did not write it")

    def test_report_shows_the_rows(self):
        row = self.rows()[0]
        night = self.workdir("night")
        d = report.collect(night, store=STORE)
        self.assertEqual(len(d["signatures"]), 1, d["signatures"])
        s = d["signatures"][0]
        self.assertEqual(s["signature"], row[reports.SIGNATURE])
        self.assertEqual(s["slug"], row[reports.SLUG])
        self.assertEqual(s["count"], row[reports.COUNT])
        self.assertEqual(s["reproducible"], row[reports.REPRODUCIBILITY])
        self.assertEqual((s["ops_before"], s["ops_after"]), (row[reports.OPS_BEFORE], row[reports.OPS_AFTER]))
        self.assertIsNotNone(s["ops_after"])
        self.assertEqual(s["aliases"], row[reports.ALIASES])
        self.assertEqual(s["report"], os.path.relpath(os.path.join(STORE, row[reports.SLUG], reports.REPORT_MD), night))
        self.assertIn("aligned_alloc 256", s["reproducer"])
        md = report.render_md(d)
        before = row[reports.OPS_BEFORE]  # None: triage had no text form of a failing input
        self.assertIn(f"{'?' if before is None else before} → {row[reports.OPS_AFTER]}", md)
        self.assertIn(row[reports.REPRODUCIBILITY], md)

    def test_row_without_a_read_field_is_refused(self):
        for field in report.STORE_READS:
            with self.subTest(field=field):
                bad = self.workdir("bad-" + field)
                with open(os.path.join(STORE, reports.SUMMARY)) as f:
                    doc = json.load(f)
                del doc[reports.SIGNATURES][0][field]
                with open(os.path.join(bad, reports.SUMMARY), "w") as f:
                    json.dump(doc, f)
                with self.assertRaisesRegex(reports.SchemaError, field):
                    reports.read_rows(bad, need=report.STORE_READS)
                self.assertEqual(report.store_entries(bad), [])

    def test_reader_refuses_a_field_outside_the_schema(self):
        with self.assertRaises(reports.SchemaError):
            reports.read_rows(STORE, need=("reproducible",))


if __name__ == "__main__":
    rigtest.main(options)
