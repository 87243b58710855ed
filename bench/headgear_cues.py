"""How well candidate head-covering cues separate the corpus's headgear labels.

    .venv/bin/python -m bench.headgear_cues --corpus $CORPUS/faces

For every image with a headgear label and a face, prints the cues below, then per cue the area
under the ROC curve (1.0 = a threshold separates coverings from bare heads perfectly, 0.5 =
chance) and the labelled coverings it ranks lowest. The rule uses only `share`; the others were
tried as additions and are kept here so the next attempt starts from measured figures.

- share: what `no_headgear` measures (covering-coloured share above the forehead and temples).
- crown_share: the same pixel classification on the top of the head (x ±0.5, y -2.0..-1.3 IED).
- top_texture: mean absolute high-pass of log luminance above the forehead (fabric is smooth,
  hair has strands; only meaningful where strands are resolved).
- top_vs_temple: brightness difference (stops) between the non-skin, non-background material
  above the forehead and at the temples, the smaller of the two sides (a cap differs from hair).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import cv2
import numpy as np

from bench.eval_photos import load_bytes
from bench.roc import auc
from verifier.decode import decode_image
from verifier.photo.aligned import AlignedFace
from verifier.photo.analysis import analyse
from verifier.photo.background_sample import BackgroundSample
from verifier.photo.rules.no_headgear import AREAS, covering_share
from verifier.photo.skin import skin_reference
from verifier.policy import default_policy

CROWN = (-0.5, -2.0, 0.5, -1.3)
HEADGEAR = default_policy().no_headgear
Box = tuple[float, float, float, float]


def material(aligned: AlignedFace, sample: BackgroundSample, box: Box) -> np.ndarray:
    """Linear luminance of the box's pixels that are neither skin nor background."""
    rows, cols = aligned.box(*box)
    valid = aligned.valid[rows, cols]
    lab, luma = aligned.lab[rows, cols][valid], aligned.linear_luma[rows, cols][valid]
    skin = skin_reference(aligned).like(lab, luma)
    background = np.linalg.norm(lab - np.median(sample.lab[sample.background], axis=0), axis=1)
    keep = ~skin & (background >= HEADGEAR.background_delta_e)
    return np.asarray(luma[keep]) if keep.mean() >= 0.3 else np.empty(0, dtype=np.float32)


def top_vs_temple(aligned: AlignedFace, sample: BackgroundSample) -> float:
    top = material(aligned, sample, AREAS[0])
    gaps = []
    for temple in AREAS[1:]:
        side = material(aligned, sample, temple)
        if top.size and side.size:
            gaps.append(
                abs(float(np.log2(np.median(top) + 1e-3) - np.log2(np.median(side) + 1e-3)))
            )
    return min(gaps) if gaps else 0.0


def top_texture(aligned: AlignedFace) -> float:
    log_luma = aligned.log_luma
    high_pass = np.abs(log_luma - cv2.GaussianBlur(log_luma, (0, 0), 2.0))
    rows, cols = aligned.box(*AREAS[0])
    valid = aligned.valid[rows, cols]
    return float(high_pass[rows, cols][valid].mean()) if valid.any() else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, required=True, help="folder with manifest.csv")
    args = parser.parse_args(argv)
    rows = list(csv.DictReader((args.corpus / "manifest.csv").open(encoding="utf-8")))
    limits = default_policy().decode
    table: list[tuple[str, bool, dict[str, float]]] = []
    for row in rows:
        if row["headgear"] not in ("pass", "fail"):
            continue
        analysis = analyse(decode_image(load_bytes(args.corpus / row["file"]), limits))
        aligned, sample = analysis.aligned, analysis.background
        if aligned is None or sample is None:
            continue
        cues = {
            "share": covering_share(aligned, sample, AREAS, HEADGEAR)[0],
            "crown_share": covering_share(aligned, sample, (CROWN,), HEADGEAR)[0],
            "top_texture": top_texture(aligned),
            "top_vs_temple": top_vs_temple(aligned, sample),
        }
        table.append((row["file"], row["headgear"] == "fail", cues))
        print(row["file"], row["headgear"], " ".join(f"{k}={v:.3f}" for k, v in cues.items()))
    print()
    for cue in table[0][2]:
        positives = [c[cue] for _, covered, c in table if covered]
        negatives = [c[cue] for _, covered, c in table if not covered]
        lowest = sorted((c[cue], f) for f, covered, c in table if covered)[:4]
        above = sum(n >= min(positives) for n in negatives)
        print(
            f"{cue:<14} AUC {auc(positives, negatives):.3f}; bare heads at or above the lowest covering: "
            f"{above}/{len(negatives)}; lowest coverings: "
            + ", ".join(f"{Path(f).name} {v:.2f}" for v, f in lowest)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
