"""Held-out-by-source validation of every portrait threshold in the policy, one at a time.

    .venv/bin/python -m bench.held_out_policy --corpus $CORPUS/faces [--json OUT] [--all]

Each image is analysed once. Then each numeric field of the policy sections that the rules of
a label column read (`[pose]`, `[gaze]`, `[expression]`, ...) is scaled by each factor in
FACTORS, the others kept, and the column's rules are judged again on the same analysis (the
analysis caches its views, so only the rule's own arithmetic runs again). Sections that change
the analysis itself (`[faces]`, `[segmentation]`) are left out: bench/background_mask.py
covers the segmentation.

For each field the script prints the column's balanced accuracy over the corpus at each factor,
then, held out by source (bench/held_out.py): a field whose setting the other sources would
choose differently (the policy's factor 1.0 not among the choices) for some source is flagged,
with what the choice and the policy reach on that source. A threshold that only one source
supports shows up there. `--all` prints every field, flagged or not.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path
from typing import Any

from bench.corpus_cli import corpus_parser
from bench.eval_photos import COLUMN_RULES, load_bytes
from bench.held_out import balanced_accuracy, held_out_by_source
from verifier.decode import decode_image
from verifier.photo.analysis import FaceAnalysis
from verifier.photo.rules import ALL_RULES
from verifier.photo.rules.base import CheckContext, PhotoRule
from verifier.photo.working_resolution import analyse_at_working_resolution
from verifier.policy import Policy, default_policy
from verifier.verdict import Status

FACTORS = (0.8, 0.9, 1.0, 1.1, 1.25)
# The policy section each rule reads its thresholds from (its own name, but for these).
SECTION_OF_RULE = {"mouth_closed": "expression", "expression_neutral": "expression"}
NOT_SWEPT = {"face_present", "single_face"}  # decided by the analysis ([faces])
COLUMNS = tuple(COLUMN_RULES)


def swept_fields(policy: Policy) -> list[tuple[str, str, str]]:
    """(column, section, field) for every float threshold the column's rules read."""
    fields = []
    for column, rules in COLUMN_RULES.items():
        sections = sorted({SECTION_OF_RULE.get(r, r) for r in rules if r not in NOT_SWEPT})
        for section in sections:
            values = getattr(policy, section)
            for f in dataclasses.fields(values):
                value = getattr(values, f.name)
                if isinstance(value, float):
                    fields.append((column, section, f.name))
    return fields


def with_field(policy: Policy, section: str, name: str, factor: float) -> Policy:
    values = getattr(policy, section)
    changed = dataclasses.replace(values, **{name: getattr(values, name) * factor})
    return dataclasses.replace(policy, **{section: changed})


def column_rejects(
    analysis: FaceAnalysis, rules: list[PhotoRule], policy: Policy, context: CheckContext
) -> bool:
    """Whether the column's rules hold the photo back (fail or review), as in eval_photos."""
    if analysis.main is None:
        return True  # no face: nothing about it can be accepted
    for rule in rules:
        try:
            status = rule.evaluate(analysis, policy, context).status
        except Exception:  # the checker records a raising rule as review
            status = Status.REVIEW
        if status is not Status.PASS:
            return True
    return False


def collect(
    corpus: Path, policy: Policy
) -> tuple[list[dict[str, Any]], list[tuple[str, str, str]]]:
    fields = swept_fields(policy)
    rules_by_name = {r.name: r for r in ALL_RULES}
    context = CheckContext()
    rows = list(csv.DictReader((corpus / "manifest.csv").open(encoding="utf-8")))
    records = []
    for number, row in enumerate(rows, 1):
        image = decode_image(load_bytes(corpus / row["file"]), policy.decode)
        _, analysis = analyse_at_working_resolution(image, policy.faces, policy.segmentation)
        predicted: dict[str, bool] = {}
        for column, section, name in fields:
            if row[column] not in ("pass", "fail"):
                continue
            rules = [rules_by_name[r] for r in COLUMN_RULES[column]]
            for factor in FACTORS:
                variant = policy if factor == 1.0 else with_field(policy, section, name, factor)
                key = f"{column}|{section}.{name}|{factor:g}"
                predicted[key] = column_rejects(analysis, rules, variant, context)
        records.append(
            {
                "file": row["file"],
                "source": row["file"].split("/")[0],
                "labels": {c: row[c] for c in COLUMNS},
                "predicted": predicted,
            }
        )
        if number % 50 == 0:
            print(f"  {number}/{len(rows)} analysed", flush=True)
    return records, fields


def report(
    records: list[dict[str, Any]], fields: list[tuple[str, str, str]], show_all: bool
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for column, section, name in fields:
        chosen = [r for r in records if r["labels"][column] in ("pass", "fail")]
        labels = [(r["source"], r["labels"][column] == "fail") for r in chosen]
        predicted = {
            f"{factor:g}": [r["predicted"][f"{column}|{section}.{name}|{factor:g}"] for r in chosen]
            for factor in FACTORS
        }
        overall = {
            k: balanced_accuracy([(p, lab) for p, (_, lab) in zip(v, labels, strict=True)])
            for k, v in predicted.items()
        }
        held_out = held_out_by_source(labels, predicted, "1")
        flagged = {source: f for source, f in held_out.items() if "1" not in f["chosen_on_others"]}
        key = f"{column}: [{section}] {name}"
        result[key] = {"overall": overall, "held_out_by_source": held_out, "flagged": flagged}
        if not flagged and not show_all:
            continue
        curve = "  ".join(
            f"x{k} {v:.3f}" if v is not None else f"x{k} -" for k, v in overall.items()
        )
        print(f"\n{key}\n  corpus: {curve}")
        for source, f in (held_out if show_all else flagged).items():
            print(
                f"  {source:<18} others choose x{','.join(f['chosen_on_others'])}: "
                f"{f['score_on_left_out_min']:.3f}-{f['score_on_left_out_max']:.3f} there; "
                f"policy {f['policy_setting_on_left_out']:.3f}"
            )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = corpus_parser(__doc__)
    parser.add_argument("--all", action="store_true", help="print every field, not only flagged")
    args = parser.parse_args(argv)
    records, fields = collect(args.corpus, default_policy())
    result = report(records, fields, args.all)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
