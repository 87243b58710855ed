"""Time the whole identity-document check (decode, MRZ reading, validation) on the MRZ corpus
and count what it decides.

    .venv/bin/python -m bench.id_check_speed --corpus $CORPUS/mrz

The corpus holds specimens, mostly expired, so `fail` (expired, specimen) is the expected verdict
for most documents with an MRZ; what matters here is the time, that the MRZ the check used is
the ground truth, and that documents without an MRZ go to review. Reading accuracy itself is
bench/eval_mrz.py's job.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from collections import Counter
from pathlib import Path

import numpy as np

from verifier.id_docs.check import check_id_document


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, required=True, help="the corpus mrz/ folder")
    args = parser.parse_args()
    times: list[float] = []
    statuses: Counter[str] = Counter()
    exact = with_mrz = without_mrz_review = without_mrz = 0
    with (args.corpus / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    check_id_document((args.corpus / rows[0]["file"]).read_bytes())  # load models once
    for row in rows:
        data = (args.corpus / row["file"]).read_bytes()
        started = time.perf_counter()
        verdict = check_id_document(data)
        times.append((time.perf_counter() - started) * 1000)
        statuses[str(verdict.status)] += 1
        if row["doc_format"] == "none":
            without_mrz += 1
            without_mrz_review += verdict.result("mrz_present") is not None
        else:
            with_mrz += 1
            exact += verdict.mrz_lines == row["gt_mrz"].split("|")
        print(
            f"{row['file']:46} {verdict.status!s:6} {times[-1]:7.0f} ms  "
            f"{','.join(c.rule for c in verdict.results if c.status != 'pass')}"
        )
    print(
        f"\nimages {len(rows)}: with MRZ {with_mrz}, MRZ used = ground truth {exact}; "
        f"without MRZ {without_mrz}, sent to review for no MRZ {without_mrz_review}"
    )
    print(f"verdicts: {dict(statuses)}")
    print(
        f"ms per image: median {statistics.median(times):.0f}, "
        f"p95 {float(np.percentile(times, 95)):.0f}, max {max(times):.0f}"
    )


if __name__ == "__main__":
    main()
