#!/usr/bin/env python3
"""Builds the catalogue samples of crates/biaozhun/tests/data from the full ISO and IEC files.

Usage: sample_catalogues.py FULL_DIR OUT_DIR

Keeps, line for line, the first 2,000 records of each file and every later record of a
document family the judged query set expects or the tests name (FAMILIES): all its editions,
drafts, amendments and versions, so that folding and ranking meet the variety of the full
catalogue.
"""
import gzip
import json
import pathlib
import sys

HEAD = 2000
# Families the integration and browser tests import by name (tests/it/catalogue.rs,
# tests/browser/catalogue.test.mjs), beside those of the judged set.
FAMILIES = [
    "ISO 22301", "ISO/TS 22331", "ISO 9001", "ISO 9002", "ISO 9003", "ISO 9000", "ISO 9004",
    "ISO 10005", "ISO 55001", "IEC 62115", "ISO/IEC 27002", "ISO 13485", "ISO 105-A01", "ISO 690",
]
DRAFT_STAGES = ["CD", "DIS", "FDIS", "WD", "AWI", "NP", "PRF"]
ROOT = pathlib.Path(__file__).resolve().parents[2]
JUDGED = ROOT / "crates/biaozhun/src/standards/bench/judged.tsv"


def expected_numbers():
    numbers = set()
    for line in JUDGED.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        _kind, _query, expected = line.split("\t")
        numbers.update(x.strip() for x in expected.split("|"))
    return numbers


def family_prefixes(numbers):
    """`ISO/IEC 27002:2022` -> `ISO/IEC 27002` and its draft forms (`ISO/IEC CD 27002`, …)."""
    out = set()
    for n in numbers:
        base = n.split(":")[0].strip()
        if not base:
            continue
        out.add(base)
        body, _, num = base.rpartition(" ")
        if body:
            for st in DRAFT_STAGES:
                out.add(f"{body}/{st} {num}")
    return out


def in_family(docid, prefixes):
    return any(docid == p or docid.startswith(p + ":") or docid.startswith(p + "/") or docid.startswith(p + ".") for p in prefixes)


def main(full_dir, out_dir):
    wanted = expected_numbers()
    prefixes = family_prefixes(wanted | set(FAMILIES))
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("iso.jsonl.gz", "iec.jsonl.gz"):
        # Split on "\n" only, as the importer does: some titles hold other line separators.
        text = gzip.open(pathlib.Path(full_dir) / name, "rb").read().decode("utf-8")
        lines = [l + "\n" for l in text.split("\n") if l]
        extra = [l for l in lines[HEAD:] if in_family(json.loads(l)["docid"], prefixes)]
        with gzip.GzipFile(out / name, "wb", mtime=0, compresslevel=9) as g:
            g.write("".join(lines[:HEAD] + extra).encode("utf-8"))
        print(f"{name}: {HEAD} + {len(extra)} of {len(lines)} records")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
