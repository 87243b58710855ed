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
- crimson_share: the rule's own crimson share (its details): pixels neither skin, background
  nor covering-coloured, with a crimson to maroon hue (`[no_headgear] crimson_*`): redder than
  melanin makes hair (a maroon turban), but also burgundy dye. The rule sends a photo to review
  when this share and the covering share together pass the review line.
- saturated_share: the same with saturation C*/L* above 1.4 (chroma >= 12), whatever the hue:
  hair pigment is rarely that saturated for its lightness.
- silhouette_top: how far the person mask reaches above the eye midpoint along the face's up
  axis (IED); left out where the mask reaches the frame's edge.
- silhouette_width: the person mask's width across the head 1.5 IED above the eyes (IED), the
  run through the face's axis; left out where it reaches the frame's edge.
"""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np

from bench.corpus_cli import corpus_parser
from bench.eval_photos import load_bytes
from bench.roc import auc
from verifier.decode import decode_image
from verifier.photo.aligned import AlignedFace
from verifier.photo.analysis import FaceAnalysis, analyse
from verifier.photo.background_sample import BackgroundSample
from verifier.photo.rules.no_headgear import AREAS, covering_share, head_pixels
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


def saturated_share(aligned: AlignedFace, sample: BackgroundSample) -> float:
    """saturated_share over the rule's areas (see the module docstring)."""
    pixels = head_pixels(aligned, sample, AREAS, HEADGEAR)
    material = ~pixels.skin & ~pixels.background & (pixels.chroma >= 12.0)
    saturated = material & (pixels.chroma > 1.4 * np.maximum(pixels.lab[:, 0], 1.0))
    return float(saturated.mean())


def silhouette_extent(analysis: FaceAnalysis) -> tuple[float, float]:
    """(silhouette_top, silhouette_width) in IED; NaN where the mask meets the frame's edge."""
    face = analysis.main
    assert face is not None
    confidence = analysis.person_confidence
    height, width = analysis.rgb.shape[:2]
    up = face.up
    across = np.array([-up[1], up[0]])

    def person(point: np.ndarray) -> bool | None:
        x, y = float(point[0]), float(point[1])
        if not (0 <= x < width and 0 <= y < height):
            return None  # outside the frame
        row, col = min(255, int(y / height * 256)), min(255, int(x / width * 256))
        return bool(confidence[row, col] > 0.5)

    top = float("nan")
    for t in np.arange(0.5, 5.0, 0.05):
        inside = person(face.eye_midpoint + up * t * face.ied)
        if inside is None:
            break
        if not inside:
            top = float(t)
            break
    centre = face.eye_midpoint + up * 1.5 * face.ied
    steps = np.arange(-3.0, 3.0001, 0.05)
    run = [person(centre + across * s * face.ied) for s in steps]
    middle = len(run) // 2
    if run[middle] is not True:
        return top, 0.0
    lo, hi = middle, middle
    while lo > 0 and run[lo - 1] is True:
        lo -= 1
    while hi < len(run) - 1 and run[hi + 1] is True:
        hi += 1
    if lo == 0 or hi == len(run) - 1 or run[lo - 1] is None or run[hi + 1] is None:
        return top, float("nan")
    return top, (hi - lo + 1) * 0.05


def main(argv: list[str] | None = None) -> int:
    parser = corpus_parser(__doc__, json_output=False)
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
        share, details = covering_share(aligned, sample, AREAS, HEADGEAR)
        cues = {
            "share": share,
            "crown_share": covering_share(aligned, sample, (CROWN,), HEADGEAR)[0],
            "top_texture": top_texture(aligned),
            "top_vs_temple": top_vs_temple(aligned, sample),
        }
        cues["crimson_share"] = details.get("crimson_share", 0.0)
        cues["saturated_share"] = saturated_share(aligned, sample)
        cues["silhouette_top"], cues["silhouette_width"] = silhouette_extent(analysis)
        table.append((row["file"], row["headgear"] == "fail", cues))
        print(row["file"], row["headgear"], " ".join(f"{k}={v:.3f}" for k, v in cues.items()))
    print()
    for cue in table[0][2]:
        measured = [(f, covered, c) for f, covered, c in table if not np.isnan(c[cue])]
        positives = [c[cue] for _, covered, c in measured if covered]
        negatives = [c[cue] for _, covered, c in measured if not covered]
        lowest = sorted((c[cue], f) for f, covered, c in measured if covered)[:4]
        if not positives or not negatives:
            print(f"{cue:<16} no ROC area: the corpus has coverings or bare heads only")
            continue
        above = sum(n >= min(positives) for n in negatives)
        print(
            f"{cue:<16} AUC {auc(positives, negatives):.3f} ({len(measured)} measured); bare heads at or above the lowest covering: "
            f"{above}/{len(negatives)}; lowest coverings: "
            + ", ".join(f"{Path(f).name} {v:.2f}" for v, f in lowest)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
