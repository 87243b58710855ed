from __future__ import annotations

import pytest

from tests.photo.support import image_bytes


@pytest.fixture
def cap_and_glasses_bytes() -> bytes:
    return image_bytes("cap_and_glasses_portrait.jpg")
