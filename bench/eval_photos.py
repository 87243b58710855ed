"""Evaluates the portrait checker against a labelled corpus (manifest.csv as in
$CORPUS/faces) and prints, per label column, the confusion counts and balanced accuracy.

    .venv/bin/python -m bench.eval_photos --corpus $CORPUS/faces [--json OUT] [--report DIR]

A positive is a predicted failure: a column counts as failed when any rule that decides it
returns `fail` or `review` (review means the photo is not accepted automatically).
"""

from __future__ import annotations

import csv
import html
import io
import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from bench.corpus_cli import corpus_parser
from verifier.decode import sniff_format
from verifier.photo.annotate import draw, encode_jpeg
from verifier.photo.check import PhotoCheck, check_photo_detailed
from verifier.photo.rules import ALL_RULES
from verifier.verdict import Status

# Which rules decide each label column (see the corpus README for what each column means).
COLUMN_RULES: dict[str, tuple[str, ...]] = {
    "pose": ("face_present", "single_face", "pose"),
    "eyes": ("eyes_open", "gaze"),
    "ears": ("ears_visible",),
    "glasses": ("no_glasses",),
    "headgear": ("no_headgear",),
    "expression": ("mouth_closed", "expression_neutral"),
    "lighting": ("even_lighting",),
    "background": ("plain_background",),
    "sharpness": ("sharpness", "face_size"),
}
NEEDS_FACE = {r.name for r in ALL_RULES if r.needs_face}


@dataclass
class ColumnScore:
    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0
    disagreements: list[str] = field(default_factory=list)

    def add(self, predicted_fail: bool, label_fail: bool, file: str) -> None:
        if predicted_fail and label_fail:
            self.tp += 1
        elif predicted_fail:
            self.fp += 1
            self.disagreements.append(file)
        elif label_fail:
            self.fn += 1
            self.disagreements.append(file)
        else:
            self.tn += 1

    def figures(self) -> dict[str, Any]:
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else None
        kept = self.tn / (self.tn + self.fp) if self.tn + self.fp else None
        balanced = (recall + kept) / 2 if recall is not None and kept is not None else None
        return {
            "tp": self.tp,
            "fp": self.fp,
            "tn": self.tn,
            "fn": self.fn,
            "failure_recall": recall,
            "pass_kept": kept,
            "balanced_accuracy": balanced,
        }


def load_bytes(path: Path) -> bytes:
    """The file's bytes; formats uploads never use (the Yale set's GIFs) become PNG first."""
    data = path.read_bytes()
    if sniff_format(data) is None:
        buffer = io.BytesIO()
        Image.open(io.BytesIO(data)).convert("RGB").save(buffer, "PNG")
        return buffer.getvalue()
    return data


def column_predicted_fail(
    check: PhotoCheck, rules: tuple[str, ...], *, review_counts: bool = True
) -> bool:
    """Whether the rules deciding a column reject it: `fail`, or also `review` (the default:
    a review is not an automatic acceptance)."""
    statuses = {r.rule: r.status for r in check.verdict.results}
    rejected = {Status.FAIL, Status.REVIEW} if review_counts else {Status.FAIL}
    for rule in rules:
        if rule in statuses:
            if statuses[rule] in rejected:
                return True
        elif rule in NEEDS_FACE and check.analysis is not None and check.analysis.main is None:
            return True  # no face: nothing about it can be accepted
    return False


def write_report(
    report_dir: Path,
    rows: list[dict[str, str]],
    checks: dict[str, PhotoCheck],
    scores: dict[str, ColumnScore],
) -> None:
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "img").mkdir(exist_ok=True)
    by_file = {r["file"]: r for r in rows}
    parts = [
        "<!doctype html><meta charset=utf-8><title>Disagreements</title>",
        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:4px;"
        "vertical-align:top}img{max-width:360px}</style><h1>Checker vs. label</h1>",
    ]
    for column, score in scores.items():
        if not score.disagreements:
            continue
        parts.append(f"<h2>{html.escape(column)}</h2><table>")
        for file in score.disagreements:
            check = checks[file]
            canvas = draw(check, show_passing=True)
            name = file.replace("/", "__") + ".jpg"
            if canvas is not None:
                (report_dir / "img" / name).write_bytes(encode_jpeg(canvas))
            results = "".join(
                f"<li><b>{html.escape(r.rule)}</b> {r.status}: {html.escape(str(r.value))[:10]} "
                f"(threshold {html.escape(r.threshold)}) {html.escape(json.dumps(r.details)[:300])}</li>"
                for r in check.verdict.results
                if r.rule in COLUMN_RULES[column]
            )
            row = by_file[file]
            parts.append(
                f"<tr><td><img src='img/{name}'></td><td>{html.escape(file)}<br>label "
                f"<b>{row[column]}</b><br>{html.escape(row.get('notes', ''))}<ul>{results}</ul></td></tr>"
            )
        parts.append("</table>")
    (report_dir / "index.html").write_text("".join(parts), encoding="utf-8")


def evaluate(corpus: Path, report: Path | None) -> dict[str, Any]:
    rows = list(csv.DictReader((corpus / "manifest.csv").open(encoding="utf-8")))
    implemented = {r.name for r in ALL_RULES}
    scores = {c: ColumnScore() for c in COLUMN_RULES}
    # The same with `review` counted as a pass: how much the review bands cost or save.
    fail_only = {c: ColumnScore() for c in COLUMN_RULES}
    checks: dict[str, PhotoCheck] = {}
    times: list[float] = []
    no_face: list[str] = []
    all_pass = all_pass_failed = all_pass_not_passed = 0
    check_photo_detailed(load_bytes(corpus / rows[0]["file"]))  # warm-up: model load
    for row in rows:
        data = load_bytes(corpus / row["file"])
        started = time.perf_counter()
        check = check_photo_detailed(data, with_card_crop=True)
        times.append((time.perf_counter() - started) * 1000)
        checks[row["file"]] = check
        if check.analysis is None or check.analysis.main is None:
            no_face.append(row["file"])
        for column, rules in COLUMN_RULES.items():
            if row[column] not in ("pass", "fail") or not set(rules) & implemented:
                continue
            scores[column].add(
                column_predicted_fail(check, rules), row[column] == "fail", row["file"]
            )
            fail_only[column].add(
                column_predicted_fail(check, rules, review_counts=False),
                row[column] == "fail",
                row["file"],
            )
        if all(row[c] == "pass" for c in COLUMN_RULES):
            all_pass += 1
            all_pass_failed += check.verdict.status is Status.FAIL
            all_pass_not_passed += check.verdict.status is not Status.PASS
    if report is not None:
        write_report(report, rows, checks, scores)
    columns: dict[str, Any] = {}
    for column, rules in COLUMN_RULES.items():
        if set(rules) & implemented:
            columns[column] = scores[column].figures()
            columns[column]["balanced_accuracy_fail_only"] = fail_only[column].figures()[
                "balanced_accuracy"
            ]
        else:
            columns[column] = {"covered": False}
    ordered = sorted(times)
    return {
        "columns": columns,
        "false_reject_rate": all_pass_failed / all_pass if all_pass else None,
        "not_accepted_rate_of_compliant": all_pass_not_passed / all_pass if all_pass else None,
        "compliant_images": all_pass,
        "images": len(rows),
        "no_face_found": no_face,
        "median_ms": statistics.median(times),
        "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
    }


def print_summary(result: dict[str, Any]) -> None:
    print(
        f"{'column':<12}{'tp':>4}{'fp':>4}{'tn':>4}{'fn':>4}{'recall(fail)':>14}{'kept(pass)':>12}{'bal.acc':>9}{'(fail only)':>13}"
    )
    for column, f in result["columns"].items():
        if f.get("covered") is False:
            print(f"{column:<12}  not covered yet")
            continue

        def fmt(v: float | None) -> str:
            return "   n/a" if v is None else f"{v:6.3f}"

        print(
            f"{column:<12}{f['tp']:>4}{f['fp']:>4}{f['tn']:>4}{f['fn']:>4}"
            f"{fmt(f['failure_recall']):>14}{fmt(f['pass_kept']):>12}{fmt(f['balanced_accuracy']):>9}{fmt(f['balanced_accuracy_fail_only']):>13}"
        )
    frr = result["false_reject_rate"]
    print(
        f"compliant portraits (all labels pass): {result['compliant_images']}; "
        f"failed: {frr:.1%}; not accepted (fail or review): {result['not_accepted_rate_of_compliant']:.1%}"
    )
    print(
        f"images: {result['images']}; no face found: {len(result['no_face_found'])} "
        f"{result['no_face_found']}"
    )
    print(f"time per image: median {result['median_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = corpus_parser(__doc__)
    parser.add_argument("--report", type=Path, help="write an HTML page of every disagreement here")
    args = parser.parse_args(argv)
    if not (args.corpus / "manifest.csv").is_file():
        parser.error(f"{args.corpus}/manifest.csv not found")
    result = evaluate(args.corpus, args.report)
    print_summary(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
