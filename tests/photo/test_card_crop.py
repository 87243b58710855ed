"""The card portrait: 7:9, eyes level, head at ICAO proportions, never upscaled."""

from __future__ import annotations

import io

import numpy as np
import pytest

from tests.photo.support import checked
from verifier.decode import decode_image
from verifier.photo.analysis import FaceAnalysis, analyse
from verifier.policy import default_policy

CARD = default_policy().card


def analyse_crop(crop: np.ndarray) -> FaceAnalysis:
    import cv2

    ok, encoded = cv2.imencode(".png", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR))
    assert ok
    return analyse(decode_image(encoded.tobytes(), default_policy().decode))


def test_crop_is_7_to_9_and_at_print_size_when_the_photo_allows() -> None:
    from PIL import Image

    from tests.photo.support import image_bytes
    from tests.photo.support.bad_files import encode
    from verifier.photo.check import check_photo

    # A phone-sized photo of the same portrait: 3 x the pixels, decoded reduced for analysis.
    base = Image.open(io.BytesIO(image_bytes("cap_and_glasses_portrait.jpg")))
    big = encode(base.resize((base.width * 3, base.height * 3), Image.Resampling.LANCZOS), "JPEG")
    crop = check_photo(big).card_crop
    assert crop is not None
    height, width = crop.shape[:2]
    assert (width, height) == (CARD.width_px, CARD.height_px)  # 35x45 mm at 300 dpi


def test_crop_levels_the_eyes_and_places_the_head() -> None:
    crop = checked("roll_20.jpg").verdict.card_crop
    assert crop is not None
    face = analyse_crop(crop).main
    assert face is not None
    assert abs(face.roll) < 3.0  # the 20-degree tilt is rotated out
    height = crop.shape[0]
    assert 0.65 < face.head_height / height < 0.85  # ICAO: chin to crown 70-80 %
    assert abs(face.eye_midpoint[0] / crop.shape[1] - 0.5) < 0.06  # centred


def test_small_photo_is_not_upscaled() -> None:
    check = checked("small_face.jpg")
    crop = check.verdict.card_crop
    assert crop is not None
    assert crop.shape[1] < CARD.width_px
    # The crop spans about as many pixels as the source offers, not more.
    source_face_width = check.analysis.main.head_height / CARD.head_height_ratio * 35 / 45  # type: ignore[union-attr]
    assert crop.shape[1] <= source_face_width + 1


def test_crop_jpeg_encodes() -> None:
    data = checked("cap_and_glasses_portrait.jpg").verdict.card_crop_jpeg()
    assert data is not None and data[:3] == b"\xff\xd8\xff"


def test_the_print_pixels_come_from_a_reduced_decode_not_the_whole_original(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PIL import Image

    from tests.photo.support import image_bytes
    from tests.photo.support.bad_files import encode
    from verifier.decode import DecodedImage
    from verifier.photo.check import check_photo_detailed

    # A 12 MP-like frame with the portrait small in it: the working copy has too few pixels for
    # the print, the original more than twice what it needs.
    base = Image.open(io.BytesIO(image_bytes("cap_and_glasses_portrait.jpg"))).convert("RGB")
    frame = Image.new("RGB", (4000, 3000), (214, 216, 218))
    frame.paste(
        base.resize((base.width * 3, base.height * 3), Image.Resampling.LANCZOS), (1300, 500)
    )
    decoded: list[tuple[float, tuple[int, ...]]] = []
    real = DecodedImage.at_least_scale

    def spy(self: DecodedImage, scale: float) -> DecodedImage:
        again = real(self, scale)
        decoded.append((scale, again.rgb.shape))
        return again

    monkeypatch.setattr(DecodedImage, "at_least_scale", spy)
    check = check_photo_detailed(encode(frame, "JPEG"))
    assert check.card_crop is not None and check.card_crop.from_full_resolution
    assert check.card_crop.rgb.shape[:2] == (CARD.height_px, CARD.width_px)
    # Decoded again once, at what the print needs: libjpeg's 1/2 scale, unresampled.
    assert len(decoded) == 1
    asked, shape = decoded[0]
    assert asked < 0.5 and shape[:2] == (1500, 2000)
