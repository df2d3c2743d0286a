"""The triage store's schema: the files scripts/triage.py writes into a
store and the fields of summary.json's signature rows, which the nightly
report and nightly's new-signature rule read. triage.py builds every row
with signature_row and the summary with summary_doc; readers take rows
from read_rows. A field is named here once, so writer and readers cannot
drift apart (tests/report/check_schema.py runs one against the other)."""
import json
import os

from rig.fs import read_json

# Files of a store, and of each signature's directory STORE/<slug>/.
INDEX = "index.json"
SUMMARY = "summary.json"
SUMMARY_MD = "summary.md"
REPORT_JSON = "report.json"
REPORT_MD = "report.md"
REPRODUCER = "reproducer.mmr"

# summary.json's keys.
SIGNATURES, NOT_REPRODUCIBLE, ERRORS, TOTALS = "signatures", "not_reproducible", "errors", "totals"

# A signature row of summary.json.
SIGNATURE = "signature"
KIND = "kind"                        # crash, timeout or oom
SLUG = "slug"                        # the signature's directory in the store
ALLOCATOR = "allocator"              # the allocator it was found under
COUNT = "count"                      # artifacts with this signature
REPRODUCIBILITY = "reproducibility"  # "failed/attempts" over its artifacts
FLAKY = "flaky"                      # some attempt had another outcome
ALIASES = "aliases"                  # other builds' signatures of the same artifacts
SIGNED_BY = "signed_by"              # builds whose signature this is, if not the sanitizer one
OPS_BEFORE = "ops_before"            # ops of the first artifact (None: no text form)
OPS_AFTER = "ops_after"              # ops of the reproducer
MINIMIZED = "minimized"
ROW_FIELDS = (SIGNATURE, KIND, SLUG, ALLOCATOR, COUNT, REPRODUCIBILITY, FLAKY, ALIASES,
              SIGNED_BY, OPS_BEFORE, OPS_AFTER, MINIMIZED)


class SchemaError(ValueError):
    """A store file that does not have the schema this tree writes."""


def store_json(obj):
    """How the store writes JSON: stable bytes for equal inputs."""
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=True) + "\n"


def signature_row(**fields):
    """One summary.json row; every field of ROW_FIELDS, no other."""
    if set(fields) != set(ROW_FIELDS):
        raise SchemaError(f"signature row with fields {sorted(fields)}, the schema's are {sorted(ROW_FIELDS)}")
    return {k: fields[k] for k in ROW_FIELDS}


def summary_doc(rows, not_reproducible, errors, artifacts):
    """summary.json: the rows, most artifacts first, and the totals."""
    rows = sorted(rows, key=lambda r: (-r[COUNT], r[SIGNATURE]))
    return {SIGNATURES: rows, NOT_REPRODUCIBLE: not_reproducible, ERRORS: errors,
            TOTALS: {"artifacts": artifacts, "signatures": len(rows),
                     "not_reproducible": len(not_reproducible), "errors": len(errors)}}


def read_rows(store, need=(SIGNATURE,)):
    """The signature rows of STORE/summary.json ([] without one). need:
    the fields the caller reads unguarded; a row lacking one raises
    SchemaError, naming the file. Fields added to the schema later
    (allocator, aliases, signed_by) are absent from older stores: read
    those with .get()."""
    unknown = set(need) - set(ROW_FIELDS)
    if unknown:
        raise SchemaError(f"no field {', '.join(sorted(unknown))} in the schema")
    path = os.path.join(store, SUMMARY)
    doc = read_json(path)
    if doc is None:
        return []
    rows = doc.get(SIGNATURES) if isinstance(doc, dict) else None
    if not isinstance(rows, list):
        raise SchemaError(f"{path}: no list of {SIGNATURES}")
    for i, row in enumerate(rows):
        missing = [k for k in need if not isinstance(row, dict) or k not in row]
        if missing:
            raise SchemaError(f"{path}: {SIGNATURES}[{i}] lacks {', '.join(missing)}")
    return rows
