"""Measures the person mask's settings for `plain_background` on a labelled corpus: the
confidence threshold, the edge dilation and the shadow band's width, with held-out-by-source
validation (bench/held_out.py).

    .venv/bin/python -m bench.background_mask --corpus $CORPUS/faces [--json OUT]

Each image is decoded and analysed once (faces, landmarks, segmentation); then every setting in
the grid builds the background sample and `plain_background` judges it under the policy's other
thresholds. Printed per setting: the background column's balanced accuracy (review counts as
not accepted, as in bench/eval_photos.py) over the whole corpus. Then, for each source (the
corpus folder), the settings chosen on all other sources and the accuracy they reach on the one
left out: a setting that only suits one source's backdrops shows up there.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import json
from pathlib import Path

from bench.corpus_cli import corpus_parser
from bench.eval_photos import load_bytes
from bench.held_out import balanced_accuracy, held_out_by_source, print_held_out
from verifier.decode import decode_image
from verifier.photo.background_sample import sample_background
from verifier.photo.rules.base import CheckContext
from verifier.photo.rules.plain_background import PlainBackground
from verifier.photo.working_resolution import analyse_at_working_resolution
from verifier.policy import Policy, SegmentationPolicy, default_policy
from verifier.verdict import Status

THRESHOLDS = (0.3, 0.5, 0.7, 0.9)
DILATIONS = (0, 1, 2, 3)
BAND_WIDTHS = (0.1, 0.15, 0.25, 0.5)
RULE = PlainBackground()


def settings_grid(base: SegmentationPolicy) -> list[SegmentationPolicy]:
    return [
        dataclasses.replace(base, person_threshold=t, edge_dilation_px=d, band_width_faces=b)
        for t, d, b in itertools.product(THRESHOLDS, DILATIONS, BAND_WIDTHS)
    ]


def key(s: SegmentationPolicy) -> str:
    return f"t={s.person_threshold:g} d={s.edge_dilation_px} band={s.band_width_faces:g}"


def judge_all(
    corpus: Path, policy: Policy, grid: list[SegmentationPolicy]
) -> tuple[list[tuple[str, bool]], dict[str, list[bool]]]:
    """(source, labelled fail) per labelled image, and per setting the not-accepted flags."""
    rows = list(csv.DictReader((corpus / "manifest.csv").open(encoding="utf-8")))
    labels: list[tuple[str, bool]] = []
    predicted: dict[str, list[bool]] = {key(s): [] for s in grid}
    for row in rows:
        if row["background"] not in ("pass", "fail"):
            continue
        image = decode_image(load_bytes(corpus / row["file"]), policy.decode)
        _, analysis = analyse_at_working_resolution(image, policy.faces, policy.segmentation)
        labels.append((row["file"].split("/")[0], row["background"] == "fail"))
        geometry = analysis.person_geometry
        for settings in grid:
            if geometry is None:  # no face: not accepted, whatever the background
                predicted[key(settings)].append(True)
                continue
            sample = sample_background(
                analysis.rgb, geometry, analysis.person_confidence, settings, analysis.reduced
            )
            analysis.__dict__["background"] = sample  # what the cached property would hold
            result = RULE.judge(RULE.measure(analysis, policy), policy, CheckContext())
            predicted[key(settings)].append(result.status is not Status.PASS)
    return labels, predicted


def main(argv: list[str] | None = None) -> int:
    parser = corpus_parser(__doc__)
    args = parser.parse_args(argv)
    policy = default_policy()
    grid = settings_grid(policy.segmentation)
    labels, predicted = judge_all(args.corpus, policy, grid)
    overall = {
        k: balanced_accuracy([(p, lab) for p, (_, lab) in zip(v, labels, strict=True)])
        for k, v in predicted.items()
    }
    print(f"{'setting':<28}{'bal.acc':>9}")
    for k, v in overall.items():
        mark = "  <- policy" if k == key(policy.segmentation) else ""
        print(f"{k:<28}{v if v is None else f'{v:9.3f}'}{mark}")
    held_out = held_out_by_source(labels, predicted, key(policy.segmentation))
    print()
    print_held_out(held_out)
    if args.json:
        args.json.write_text(
            json.dumps({"overall": overall, "held_out_by_source": held_out}, indent=2),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
