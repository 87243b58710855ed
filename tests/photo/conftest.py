from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from verifier.photo.check import PhotoCheck, check_photo_detailed

IMAGES = Path(__file__).resolve().parent.parent / "images"


def image_bytes(name: str) -> bytes:
    return (IMAGES / name).read_bytes()


@cache
def checked(name: str) -> PhotoCheck:
    """One real check per test image per session: the images are fixed, the checker is pure."""
    return check_photo_detailed(image_bytes(name))


@pytest.fixture
def cap_and_glasses_bytes() -> bytes:
    return image_bytes("cap_and_glasses_portrait.jpg")
