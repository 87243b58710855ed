"""Helpers for the photo tests: the committed test images and one cached real check of each.

`bad_files` makes malformed and hostile uploads; `portrait_edits` makes controlled edits of a
real photograph, one per rule they break.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from verifier.photo.check import PhotoCheck, check_photo_detailed

IMAGES = Path(__file__).resolve().parents[2] / "images"


def image_bytes(name: str) -> bytes:
    return (IMAGES / name).read_bytes()


@cache
def checked(name: str) -> PhotoCheck:
    """One real check per test image per session: the images are fixed, the checker is pure."""
    return check_photo_detailed(image_bytes(name))
