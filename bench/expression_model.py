"""Calibrates `expression_neutral`'s use of the expression classifier with held-out-by-source
validation (bench/held_out.py), and shows what it does to compliant portraits.

    .venv/bin/python -m bench.expression_model --corpus $CORPUS/faces [--json OUT]

Each image is checked once with the classifier's review limit switched off, so the rules'
statuses are what the other measures decide; the classifier's reading is kept beside them.
Two readings of "not neutral" are compared: the policy's (a smile, anger, fear, disgust or
surprise; "sad" counted with neutral) and 1 - P(neutral) (sad counted as expressive). For each
and each limit, printed: the expression column's balanced accuracy over the corpus, the compliant
portraits (bench/fairness.py's definition) the limit newly holds back, and per source the limits
best on the other sources and what they reach on the one left out. Last, each reading's ROC
area per source, on all faces and on the faces the other measures pass.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path
from statistics import median
from typing import Any

from bench.corpus_cli import corpus_parser
from bench.eval_photos import COLUMN_RULES, column_predicted_fail, load_bytes
from bench.fairness import cfd_group, compliant_rows, status_over
from bench.held_out import balanced_accuracy, held_out_by_source, print_held_out
from bench.roc import auc
from verifier.photo.check import check_photo_detailed
from verifier.photo.expression_model import ExpressionReading
from verifier.policy import default_policy
from verifier.verdict import Status

LIMITS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.98)
READINGS = ("not_neutral", "one_minus_neutral")


def collect(corpus: Path) -> list[dict[str, Any]]:
    base = default_policy()
    # The limit above any probability: the classifier holds nothing back, its reading is kept.
    policy = dataclasses.replace(
        base, expression=dataclasses.replace(base.expression, model_review_above=1.0)
    )
    rows = list(csv.DictReader((corpus / "manifest.csv").open(encoding="utf-8")))
    compliant = {row["file"]: left_out for row, left_out in compliant_rows(rows)}
    records = []
    for row in rows:
        check = check_photo_detailed(load_bytes(corpus / row["file"]), policy=policy)
        analysis = check.analysis
        reading = analysis.expression if analysis is not None else None
        left_out = compliant.get(row["file"])
        records.append(
            {
                "file": row["file"],
                "source": row["file"].split("/")[0],
                "label": row["expression"],
                "others_reject": column_predicted_fail(check, COLUMN_RULES["expression"]),
                "compliant_status": (
                    status_over(check, left_out).value if left_out is not None else None
                ),
                "probabilities": reading.probabilities if reading is not None else None,
            }
        )
    return records


def reading_of(record: dict[str, Any], kind: str) -> float | None:
    p = record["probabilities"]
    if p is None:
        return None
    if kind == "not_neutral":
        return ExpressionReading(p).not_neutral  # the policy's reading
    return float(1.0 - p["neutral"])


def held_back(record: dict[str, Any], kind: str, limit: float) -> bool:
    value = reading_of(record, kind)
    return bool(record["others_reject"]) or (value is not None and value > limit)


def report(records: list[dict[str, Any]], kind: str, policy_limit: float) -> dict[str, Any]:
    labelled = [r for r in records if r["label"] in ("pass", "fail")]
    labels = [(r["source"], r["label"] == "fail") for r in labelled]
    predicted = {
        f"limit={limit:g}": [held_back(r, kind, limit) for r in labelled] for limit in LIMITS
    }
    predicted["off"] = [bool(r["others_reject"]) for r in labelled]
    print(f"\n{kind}: expression column, balanced accuracy over the corpus")
    overall: dict[str, Any] = {}
    compliant = [r for r in records if r["compliant_status"] == Status.PASS.value]
    for key, values in predicted.items():
        score = balanced_accuracy([(p, lab) for p, (_, lab) in zip(values, labels, strict=True)])
        limit = float(key.split("=")[1]) if "=" in key else 2.0
        newly = [r["file"] for r in compliant if held_back(r, kind, limit)]
        groups = sorted(g for g in (cfd_group(f) for f in newly) if g)
        overall[key] = {"balanced_accuracy": score, "compliant_newly_held_back": newly}
        mark = "  <- policy" if kind == "not_neutral" and key == f"limit={policy_limit:g}" else ""
        print(
            f"  {key:<12}{score:.3f}   compliant portraits newly held back: {len(newly)}"
            f"{' (CFD groups ' + ' '.join(groups) + ')' if groups else ''}{mark}"
        )
    held_out = held_out_by_source(labels, predicted, f"limit={policy_limit:g}")
    print_held_out(held_out)
    areas: dict[str, Any] = {}
    print("ROC area (all faces / faces the other measures pass), per source:")
    for source in ["all", *sorted({r["source"] for r in labelled})]:
        chosen = [r for r in labelled if source == "all" or r["source"] == source]
        passed = [r for r in chosen if not r["others_reject"]]
        a = _area(chosen, kind)
        b = _area(passed, kind)
        areas[source] = {"all": a, "passed_by_others": b}
        print(f"  {source:<18}{_fmt(a)} / {_fmt(b)}")
    return {"overall": overall, "held_out_by_source": held_out, "roc_area": areas}


def _area(records: list[dict[str, Any]], kind: str) -> float | None:
    def values(label: str) -> list[float]:
        found = (reading_of(r, kind) for r in records if r["label"] == label)
        return [v for v in found if v is not None]

    positives, negatives = values("fail"), values("pass")
    return auc(positives, negatives) if positives and negatives else None


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def compliant_readings(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The policy's reading on compliant portraits per CFD group: what a face at rest scores,
    and how close each group comes to the limit."""
    groups: dict[str, list[float]] = {}
    for r in records:
        if r["compliant_status"] is None:
            continue
        value = reading_of(r, "not_neutral")
        if value is not None:
            groups.setdefault(cfd_group(r["file"]) or "other sources", []).append(value)
    print("\nnot_neutral on compliant portraits, per group: n, median, 90th percentile, highest")
    result = {}
    for group in sorted(groups):
        values = sorted(groups[group])
        p90 = values[min(len(values) - 1, int(0.9 * len(values)))]
        result[group] = {"n": len(values), "median": median(values), "p90": p90, "max": values[-1]}
        print(f"  {group:<14}{len(values):>4}  {median(values):.3f}  {p90:.3f}  {values[-1]:.3f}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = corpus_parser(__doc__)
    args = parser.parse_args(argv)
    records = collect(args.corpus)
    limit = default_policy().expression.model_review_above
    result: dict[str, Any] = {kind: report(records, kind, limit) for kind in READINGS}
    result["compliant_readings"] = compliant_readings(records)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
