"""How often compliant portraits are turned away, overall, per group and per skin-tone band.

    .venv/bin/python -m bench.fairness --corpus $CORPUS/faces [--json OUT]

A compliant portrait is one whose every labelled column (manifest.csv) is `pass`; columns
labelled `unknown` are left out, and so are the rules that decide them (see
bench/eval_photos.COLUMN_RULES), so a Chicago Face Database portrait with unlabelled ears is
judged on every rule but `ears_visible`. Rules that decide no column (exposure, natural colour)
always count. For each portrait the verdict over the kept rules is `failed` (any `fail`) or
`not accepted` (any `fail` or `review`).

Groups are the Chicago Face Database code in the file name (`CFD-BM-...` -> `B`: A East Asian,
B Black, I South Asian, L Latino, M multiracial, W White); other sources form no group. Skin-tone
bands come from the individual typology angle of the face's own skin samples
(ITA = atan((L* - 50) / b*) * 180 / pi, medians of the skin pixels the rules read):
very light > 55, light 41-55, intermediate 28-41, tan 10-28, brown -30-10, dark < -30.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from bench.corpus_cli import corpus_parser
from bench.eval_photos import COLUMN_RULES, load_bytes
from verifier.photo.check import PhotoCheck, check_photo_detailed
from verifier.verdict import Status

GROUP_NAMES = {
    "A": "East Asian",
    "B": "Black",
    "I": "South Asian",
    "L": "Latino",
    "M": "multiracial",
    "W": "White",
}
# (lower bound, name), from the lightest; a value belongs to the first band whose bound it exceeds.
ITA_BANDS: tuple[tuple[float, str], ...] = (
    (55.0, "very light (>55)"),
    (41.0, "light (41-55)"),
    (28.0, "intermediate (28-41)"),
    (10.0, "tan (10-28)"),
    (-30.0, "brown (-30-10)"),
    (-math.inf, "dark (<-30)"),
)
CFD_CODE = re.compile(r"CFD-([A-Z])([FM])-")
MIN_REPORTED = 20  # the targets apply to groups and bands of at least this many


def cfd_group(file: str) -> str | None:
    match = CFD_CODE.search(Path(file).name)
    return match.group(1) if match else None


def ita_degrees(skin_rgb: np.ndarray) -> float | None:
    """Individual typology angle of the median skin colour (sRGB samples, D65 CIELAB)."""
    if skin_rgb.shape[0] < 10:
        return None
    lab = cv2.cvtColor(skin_rgb.reshape(-1, 1, 3).astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    lightness = float(np.median(lab[:, 0, 0]))
    b_star = float(np.median(lab[:, 0, 2]))
    return math.degrees(math.atan2(lightness - 50.0, b_star)) if b_star > 0 else None


def ita_band(ita: float | None) -> str:
    if ita is None:
        return "no skin colour (grayscale)"
    for bound, name in ITA_BANDS:
        if ita > bound:
            return name
    return ITA_BANDS[-1][1]  # pragma: no cover - the last bound is -inf


@dataclass
class Tally:
    portraits: int = 0
    failed: int = 0
    not_accepted: int = 0

    def add(self, status: Status) -> None:
        self.portraits += 1
        self.failed += status is Status.FAIL
        self.not_accepted += status is not Status.PASS

    def figures(self) -> dict[str, Any]:
        n = self.portraits
        return {
            "portraits": n,
            "failed": self.failed,
            "not_accepted": self.not_accepted,
            "failed_rate": self.failed / n if n else None,
            "not_accepted_rate": self.not_accepted / n if n else None,
        }


def status_over(check: PhotoCheck, left_out: set[str]) -> Status:
    statuses = [r.status for r in check.verdict.results if r.rule not in left_out]
    if Status.FAIL in statuses:
        return Status.FAIL
    return Status.REVIEW if Status.REVIEW in statuses else Status.PASS


def compliant_rows(rows: list[dict[str, str]]) -> list[tuple[dict[str, str], set[str]]]:
    """The compliant rows with the rules to leave out for each (those of `unknown` columns)."""
    kept = []
    for row in rows:
        labels = {c: row[c] for c in COLUMN_RULES}
        if any(v == "fail" for v in labels.values()):
            continue
        if not any(v == "pass" for v in labels.values()):
            continue
        left_out = {rule for c, v in labels.items() if v != "pass" for rule in COLUMN_RULES[c]}
        kept.append((row, left_out))
    return kept


def evaluate(corpus: Path) -> dict[str, Any]:
    rows = list(csv.DictReader((corpus / "manifest.csv").open(encoding="utf-8")))
    overall = Tally()
    groups: dict[str, Tally] = {}
    bands: dict[str, Tally] = {}
    rejected_by_rule: dict[str, int] = {}
    per_image: list[dict[str, Any]] = []
    for row, left_out in compliant_rows(rows):
        check = check_photo_detailed(load_bytes(corpus / row["file"]), with_card_crop=False)
        status = status_over(check, left_out)
        analysis = check.analysis
        ita = ita_degrees(analysis.skin_rgb) if analysis is not None else None
        overall.add(status)
        group = cfd_group(row["file"])
        if group is not None:
            groups.setdefault(group, Tally()).add(status)
        bands.setdefault(ita_band(ita), Tally()).add(status)
        not_passing = [
            r.rule
            for r in check.verdict.results
            if r.rule not in left_out and r.status is not Status.PASS
        ]
        for rule in not_passing:
            rejected_by_rule[rule] = rejected_by_rule.get(rule, 0) + 1
        per_image.append(
            {
                "file": row["file"],
                "group": group,
                "ita_deg": ita,
                "status": str(status),
                "not_passing": not_passing,
            }
        )
    band_order = [name for _, name in ITA_BANDS] + ["no skin colour (grayscale)"]
    return {
        "overall": overall.figures(),
        "groups": {
            f"{g} {GROUP_NAMES[g]}": groups[g].figures() for g in sorted(groups) if g in GROUP_NAMES
        },
        "skin_tone_bands": {b: bands[b].figures() for b in band_order if b in bands},
        "not_passing_by_rule": dict(sorted(rejected_by_rule.items(), key=lambda kv: -kv[1])),
        "images": per_image,
    }


def _rate(v: float | None) -> str:
    return "  n/a" if v is None else f"{v:6.1%}"


def print_table(result: dict[str, Any]) -> None:
    print(f"{'':<30}{'n':>5}{'failed':>9}{'not acc.':>10}")

    def line(name: str, f: dict[str, Any]) -> None:
        mark = "" if f["portraits"] >= MIN_REPORTED else "  (fewer than 20)"
        print(
            f"{name:<30}{f['portraits']:>5}{_rate(f['failed_rate']):>9}"
            f"{_rate(f['not_accepted_rate']):>10}{mark}"
        )

    line("all compliant portraits", result["overall"])
    print("groups (Chicago Face Database code)")
    for name, f in result["groups"].items():
        line("  " + name, f)
    print("skin-tone bands (ITA deg of the face's own skin)")
    for name, f in result["skin_tone_bands"].items():
        line("  " + name, f)
    print("rules not passing (count of compliant portraits):", result["not_passing_by_rule"])


def main(argv: list[str] | None = None) -> int:
    parser = corpus_parser(__doc__)
    args = parser.parse_args(argv)
    if not (args.corpus / "manifest.csv").is_file():
        parser.error(f"{args.corpus}/manifest.csv not found")
    result = evaluate(args.corpus)
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
