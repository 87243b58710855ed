"""One pass over the corpus for the expression cue study: what the checker sees of each face.

    .venv/bin/python -m bench.expression_cues --corpus $CORPUS/faces --cache out/expression_cues.json

Per image: the labels, every rule's status, the main face's blendshapes (and their mirror
reading when the check asked for it) and its 478 landmarks in the face's upright frame (origin
the eye midpoint, x towards the subject's left, y up, in inter-eye distances). Measuring a new
cue from this file takes a second instead of re-analysing 418 images.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

from bench.eval_photos import load_bytes
from verifier.photo.analysis import DetectedFace
from verifier.photo.check import check_photo_detailed


def upright_landmarks(face: DetectedFace) -> list[list[float]]:
    """The landmarks in the face's own frame, so roll and image scale drop out."""
    up = face.up
    right = np.array([-up[1], up[0]])
    rel = face.points[:, :2] - face.eye_midpoint
    ied = face.ied or 1.0
    frame = np.stack([rel @ right, rel @ up], axis=1) / ied
    return [[round(float(x), 5), round(float(y), 5)] for x, y in frame]


def collect(corpus: Path) -> list[dict[str, Any]]:
    rows = list(csv.DictReader((corpus / "manifest.csv").open(encoding="utf-8")))
    records: list[dict[str, Any]] = []
    for number, row in enumerate(rows, 1):
        check = check_photo_detailed(load_bytes(corpus / row["file"]))
        record: dict[str, Any] = {
            "file": row["file"],
            "source": row["file"].split("/")[0],
            "labels": {
                k: row[k]
                for k in (
                    "pose",
                    "eyes",
                    "ears",
                    "glasses",
                    "headgear",
                    "expression",
                    "lighting",
                    "background",
                    "sharpness",
                )
            },
            "rules": {r.rule: r.status.value for r in check.verdict.results},
            "details": {
                r.rule: r.details
                for r in check.verdict.results
                if r.rule in ("expression_neutral", "mouth_closed")
            },
            "face": None,
        }
        analysis = check.analysis
        face = analysis.main if analysis is not None else None
        if analysis is not None and face is not None:
            mirrored = analysis.__dict__.get("mirrored_blendshapes")  # only if the check read it
            record["face"] = {
                "blendshapes": {k: round(float(v), 5) for k, v in face.blendshapes.items()},
                "mirrored_blendshapes": (
                    {k: round(float(v), 5) for k, v in mirrored.items()} if mirrored else None
                ),
                "landmarks": upright_landmarks(face),
                "ied_px": round(face.ied, 2),
                "yaw": round(face.pose.yaw, 2),
                "pitch": round(face.pose.pitch, 2),
            }
        records.append(record)
        if number % 50 == 0:
            print(f"  {number}/{len(rows)} analysed", flush=True)
    return records


def load_or_collect(corpus: Path, cache: Path | None) -> list[dict[str, Any]]:
    """The cached records if `cache` exists, else a fresh pass (written to `cache` if given)."""
    if cache is not None and cache.exists():
        records: list[dict[str, Any]] = json.loads(cache.read_text(encoding="utf-8"))
        return records
    records = collect(corpus)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(records), encoding="utf-8")
    return records
