"""How well candidate expression cues separate the corpus's expression labels, alone and combined.

    .venv/bin/python -m bench.expression_cues --corpus $CORPUS/faces

For every image with an expression label and a face it measures the cues below (in the face's
upright frame, lengths in inter-eye distances), prints per cue the area under the ROC curve
(1.0 = a threshold separates non-neutral from neutral faces perfectly, 0.5 = chance) and where
the images `expression_neutral` misses today fall among the neutral faces (percentile), and
then checks the corpus for files that are byte-identical but labelled differently.
`expression_neutral` uses smile, mouth_width and corner_lift (plus brows, frown and wink); the
others were tried as additions and are kept here so the next attempt starts from measured
figures.

- smile, dimple, upper_lip_up, squint: MediaPipe blendshapes (means of left and right).
- mouth_width: corner to corner; corner_lift: corners above the inner-lip centre, in mouth
  widths; upper_lip: vermilion height of the upper lip in mouth widths (smiles thin it);
  corners_below_nose: vertical distance from nose tip to the mouth corners (smiles raise them).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from collections import defaultdict
from pathlib import Path

import numpy as np

from bench.eval_photos import load_bytes
from bench.roc import auc
from verifier.decode import decode_image
from verifier.photo import landmarks as lm
from verifier.photo.analysis import DetectedFace, analyse
from verifier.photo.check import check_photo_detailed
from verifier.policy import default_policy
from verifier.verdict import Status


def cues(face: DetectedFace) -> dict[str, float]:
    up = face.up
    right = np.array([-up[1], up[0]])

    def at(index: int) -> np.ndarray:
        p = face.xy(index)
        return np.array([p @ right, p @ up]) / face.ied

    left, right_corner = at(lm.MOUTH_LEFT_CORNER), at(lm.MOUTH_RIGHT_CORNER)
    upper_out, upper_in, lower_in = (
        at(lm.UPPER_LIP_OUTER),
        at(lm.UPPER_LIP_INNER),
        at(lm.LOWER_LIP_INNER),
    )
    width = abs(left[0] - right_corner[0]) or 1e-6
    corners_y = (left[1] + right_corner[1]) / 2
    b = face.blendshapes

    def both(name: str) -> float:
        return (b.get(f"{name}Left", 0.0) + b.get(f"{name}Right", 0.0)) / 2

    return {
        "smile": both("mouthSmile"),
        "mouth_width": width,
        "corner_lift": (corners_y - (upper_in[1] + lower_in[1]) / 2) / width,
        "upper_lip": (upper_out[1] - upper_in[1]) / width,
        "corners_below_nose": float(at(lm.NOSE_TIP)[1] - corners_y),
        "dimple": both("mouthDimple"),
        "upper_lip_up": both("mouthUpperUp"),
        "squint": both("eyeSquint"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, required=True, help="folder with manifest.csv")
    args = parser.parse_args(argv)
    rows = [
        r
        for r in csv.DictReader((args.corpus / "manifest.csv").open(encoding="utf-8"))
        if r["expression"] in ("pass", "fail")
    ]
    limits = default_policy().decode
    table: list[tuple[str, bool, dict[str, float]]] = []
    missed: list[str] = []
    for row in rows:
        data = load_bytes(args.corpus / row["file"])
        analysis = analyse(decode_image(data, limits))
        if analysis.main is None:
            continue
        failed = row["expression"] == "fail"
        table.append((row["file"], failed, cues(analysis.main)))
        verdict = check_photo_detailed(data).verdict
        flagged = any(
            r.status is not Status.PASS
            for r in verdict.results
            if r.rule in ("expression_neutral", "mouth_closed")
        )
        if failed and not flagged:
            missed.append(row["file"])
    names = list(table[0][2])
    print(f"{len(table)} labelled faces; missed non-neutral faces: {len(missed)}")
    for cue in names:
        positives = [c[cue] for _, failed, c in table if failed]
        negatives = np.array([c[cue] for _, failed, c in table if not failed])
        value = auc(positives, list(negatives))
        higher_is_expression = value >= 0.5
        ranks = []
        for file in missed:
            v = next(c[cue] for f, _, c in table if f == file)
            pct = (
                float((negatives < v).mean() * 100)
                if higher_is_expression
                else float((negatives > v).mean() * 100)
            )
            ranks.append(f"{Path(file).name} {pct:.0f}")
        print(
            f"{cue:<20} AUC {max(value, 1 - value):.3f} ({'high' if higher_is_expression else 'low'} = expression); "
            "misses at neutral percentile: " + ", ".join(ranks)
        )
    by_hash: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        digest = hashlib.sha256((args.corpus / row["file"]).read_bytes()).hexdigest()
        by_hash[digest].append((row["file"], row["expression"]))
    for group in by_hash.values():
        if len({label for _, label in group}) > 1:
            print(
                "identical files with different expression labels: "
                + ", ".join(f"{f} ({label})" for f, label in group)
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
