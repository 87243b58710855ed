"""Does the MRZ parser agree with the corpus's own check-digit labels?

    .venv/bin/python -m bench.eval_mrz_parse --corpus $CORPUS/mrz

Parses each distinct ground-truth MRZ of `manifest.csv` (no images read) and compares "all check
digits valid" with the `gt_check_digits_valid` column; prints the other problems found (codes
outside ISO 3166 / ICAO lists, dates) so they can be judged by eye.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from verifier.id_docs.mrz.parse import parse_mrz


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, required=True, help="the corpus mrz/ folder")
    args = parser.parse_args()
    seen: set[str] = set()
    agree = total = valid = 0
    with (args.corpus / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            mrz = row["gt_mrz"]
            if not mrz or mrz in seen:
                continue
            seen.add(mrz)
            result = parse_mrz(mrz.split("|"))
            labelled_ok = row["gt_check_digits_valid"].startswith("yes")
            digits_ok = result.check_digits_ok
            total += 1
            agree += digits_ok == labelled_ok
            valid += result.valid
            other = [f"{p.kind}:{p.field}" for p in result.problems if p.kind != "check_digit"]
            mark = "" if digits_ok == labelled_ok else "  <-- DISAGREES"
            print(
                f"{row['file']:44} {row['doc_format']:4} -> {result.doc_format!s:5} "
                f"digits {'ok ' if digits_ok else 'BAD'} label {row['gt_check_digits_valid']:28}"
                f" {' '.join(other)}{mark}"
            )
    print(
        f"\ndistinct MRZs: {total}; check-digit verdict agrees with the label: {agree}/{total}; "
        f"fully valid (codes, dates too): {valid}/{total}"
    )


if __name__ == "__main__":
    main()
