"""Calibrates the thresholds of `no_glasses` and `no_headgear` that were set on the corpus, with
held-out-by-source validation (bench/held_out.py).

    .venv/bin/python -m bench.calibrate_face_rules --corpus $CORPUS/faces [--json OUT]

Each labelled image is analysed once. `no_glasses`: the frame-line contrast's pass limit (a
review above it counts as not accepted), the lens-darkening limits as in the policy.
`no_headgear`: the lower end of the hue window that counts as fabric (`covering_hue_from_deg`),
the share limits as in the policy. For each, printed: the column's balanced accuracy per
setting over the whole corpus, then per source the settings best on the other sources and what
they reach on the one left out.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from typing import Any

from bench.corpus_cli import corpus_parser
from bench.eval_photos import load_bytes
from bench.held_out import balanced_accuracy, held_out_by_source, print_held_out
from verifier.decode import decode_image
from verifier.photo.rules.no_glasses import NoGlasses
from verifier.photo.rules.no_headgear import AREAS, covering_share
from verifier.photo.working_resolution import analyse_at_working_resolution
from verifier.policy import default_policy

FRAME_PASS = (0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)
HUE_FROM = (110.0, 120.0, 125.0, 130.0, 135.0, 140.0, 145.0, 150.0, 160.0)


def report(
    name: str, labels: list[tuple[str, bool]], predicted: dict[str, list[bool]], policy_key: str
) -> dict[str, Any]:
    print(f"\n{name}: balanced accuracy over the corpus")
    overall = {}
    for k, v in predicted.items():
        overall[k] = balanced_accuracy([(p, lab) for p, (_, lab) in zip(v, labels, strict=True)])
        mark = "  <- policy" if k == policy_key else ""
        shown = "-" if overall[k] is None else f"{overall[k]:.3f}"  # one class only: no score
        print(f"  {k:<28}{shown}{mark}")
    held_out = held_out_by_source(labels, predicted, policy_key)
    print_held_out(held_out)
    return {"overall": overall, "held_out_by_source": held_out}


def main(argv: list[str] | None = None) -> int:
    parser = corpus_parser(__doc__)
    args = parser.parse_args(argv)
    policy = default_policy()
    glasses_rule = NoGlasses()
    rows = list(csv.DictReader((args.corpus / "manifest.csv").open(encoding="utf-8")))
    glasses_labels: list[tuple[str, bool]] = []
    glasses_pred: dict[str, list[bool]] = {f"frame_pass={v:g}": [] for v in FRAME_PASS}
    headgear_labels: list[tuple[str, bool]] = []
    headgear_pred: dict[str, list[bool]] = {f"hue_from={v:g}": [] for v in HUE_FROM}
    g, h = policy.no_glasses, policy.no_headgear
    for row in rows:
        if row["glasses"] not in ("pass", "fail") and row["headgear"] not in ("pass", "fail"):
            continue
        image = decode_image(load_bytes(args.corpus / row["file"]), policy.decode)
        _, analysis = analyse_at_working_resolution(image, policy.faces, policy.segmentation)
        source = row["file"].split("/")[0]
        face = analysis.main
        if row["glasses"] in ("pass", "fail"):
            glasses_labels.append((source, row["glasses"] == "fail"))
            m = glasses_rule.measure(analysis, policy) if face is not None else None
            for v in FRAME_PASS:
                glasses_pred[f"frame_pass={v:g}"].append(
                    m is None
                    or m.details["frame_contrast_stops"] > v
                    or m.details["lens_darkening_stops"] < g.lens_darkening_pass
                )
        if row["headgear"] in ("pass", "fail"):
            headgear_labels.append((source, row["headgear"] == "fail"))
            aligned, sample = analysis.aligned, analysis.background
            for v in HUE_FROM:
                if aligned is None or sample is None:
                    headgear_pred[f"hue_from={v:g}"].append(True)
                    continue
                settings = dataclasses.replace(h, covering_hue_from_deg=v)
                share = covering_share(aligned, sample, AREAS, settings)[0]
                headgear_pred[f"hue_from={v:g}"].append(share > h.covering_share_pass)
    result = {
        "no_glasses": report(
            "no_glasses frame-line pass limit (stops)",
            glasses_labels,
            glasses_pred,
            f"frame_pass={g.frame_contrast_pass:g}",
        ),
        "no_headgear": report(
            "no_headgear fabric hue window's lower end (degrees)",
            headgear_labels,
            headgear_pred,
            f"hue_from={h.covering_hue_from_deg:g}",
        ),
    }
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
