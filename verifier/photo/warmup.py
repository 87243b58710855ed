"""Loads the portrait models and runs every rule once, so a worker's first upload pays no
start-up cost (model load, OpenCV's lazy tables, first-face-path allocations)."""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from verifier.photo.check import check_photo
from verifier.photo.verdict import PhotoVerdict

# The compliant test portrait (scripts/make_test_images.py) at 640 px: a real face, so the
# landmark, blendshape and every rule's path run, not only detection.
WARMUP_PORTRAIT = Path(__file__).with_name("warmup_portrait.jpg")
PHONE_SIZE = (4032, 3024)  # 12 MP, landscape like the warm-up portrait


def phone_sized_jpeg(data: bytes) -> bytes:
    """The portrait as a 12 MP JPEG: exercises reduced-size decoding and the full-resolution
    decode the card crop falls back to, so their buffers exist before real uploads come."""
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise RuntimeError("the warm-up portrait cannot be decoded")
    big = cv2.resize(image, PHONE_SIZE, interpolation=cv2.INTER_LINEAR)
    ok, encoded = cv2.imencode(".jpg", big, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:  # pragma: no cover - encoding a BGR uint8 image does not fail
        raise RuntimeError("could not encode the warm-up photo")
    return encoded.tobytes()


@cache
def phone_sized_warmup_jpeg() -> bytes:
    """The warm-up portrait as a 12 MP JPEG, encoded once per process."""
    return phone_sized_jpeg(WARMUP_PORTRAIT.read_bytes())


def warm_up(*, phone_sized: bool = False) -> tuple[float, PhotoVerdict]:
    """Seconds taken, and the verdict (a face must have been found: else the models are wrong)."""
    started = time.perf_counter()
    data = WARMUP_PORTRAIT.read_bytes()
    verdict = check_photo(data)
    if phone_sized:
        verdict = check_photo(phone_sized_warmup_jpeg())
    found = verdict.result("face_present")
    if found is None or found.status != "pass":
        raise RuntimeError("warm-up portrait: no face found; the face model is not working")
    return time.perf_counter() - started, verdict
