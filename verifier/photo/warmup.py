"""Loads the portrait models and runs every rule once, so a worker's first upload pays no
start-up cost (model load, OpenCV's lazy tables, first-face-path allocations)."""

from __future__ import annotations

import time
from pathlib import Path

from verifier.photo.check import check_photo
from verifier.photo.verdict import PhotoVerdict

# The compliant test portrait (scripts/make_test_images.py) at 640 px: a real face, so the
# landmark, blendshape and every rule's path run, not only detection.
WARMUP_PORTRAIT = Path(__file__).with_name("warmup_portrait.jpg")


def warm_up() -> tuple[float, PhotoVerdict]:
    """Seconds taken, and the verdict (a face must have been found: else the models are wrong)."""
    started = time.perf_counter()
    verdict = check_photo(WARMUP_PORTRAIT.read_bytes())
    found = verdict.result("face_present")
    if found is None or found.status != "pass":
        raise RuntimeError("warm-up portrait: no face found; the face model is not working")
    return time.perf_counter() - started, verdict
