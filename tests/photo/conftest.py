from __future__ import annotations

import pytest

from tests.photo.support import image_bytes


@pytest.fixture
def good_bytes() -> bytes:
    return image_bytes("good_portrait.jpg")
