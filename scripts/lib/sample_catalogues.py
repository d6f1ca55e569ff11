#!/usr/bin/env python3
"""Builds the catalogue samples of crates/biaozhun/tests/data from the full ISO and IEC files.

Usage: sample_catalogues.py FULL_DIR OUT_DIR

Keeps, line for line, the first 2,000 records of each file and every later record that the
judged query set expects or that is an edition of ISO 9001 (the tests look for it by name).
"""
import gzip
import json
import pathlib
import sys

HEAD = 2000
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


def main(full_dir, out_dir):
    wanted = expected_numbers()
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("iso.jsonl.gz", "iec.jsonl.gz"):
        # Split on "\n" only, as the importer does: some titles hold other line separators.
        text = gzip.open(pathlib.Path(full_dir) / name, "rb").read().decode("utf-8")
        lines = [l + "\n" for l in text.split("\n") if l]
        extra = [l for l in lines[HEAD:] if json.loads(l)["docid"] in wanted or '"docid": "ISO 9001' in l]
        with gzip.GzipFile(out / name, "wb", mtime=0, compresslevel=9) as g:
            g.write("".join(lines[:HEAD] + extra).encode("utf-8"))
        print(f"{name}: {HEAD} + {len(extra)} of {len(lines)} records")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
