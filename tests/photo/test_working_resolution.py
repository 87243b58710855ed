"""A face small in the ~1000 px working image is analysed again on more of the original's pixels;
a portrait whose face is already big enough is analysed once."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pytest
from PIL import Image

from tests.photo.support import IMAGES, checked
from verifier.decode import decode_image
from verifier.photo.analysis import analyse
from verifier.photo.check import check_photo_detailed
from verifier.photo.working_resolution import finer_scale
from verifier.policy import default_policy

POLICY = default_policy()


def _half_body_photo(*, sideways: bool = False) -> bytes:
    """The test portrait at twice its size, placed in a 12 MP frame: a photo from a couple of
    metres, whose face the 1000 px working copy shows with under 64 px between the eyes.
    `sideways`: stored turned, with the EXIF orientation (6) that turns it back, as phones do."""
    portrait = Image.open(IMAGES / "cap_and_glasses_portrait.jpg").convert("RGB")
    portrait = portrait.resize((portrait.width * 2, portrait.height * 2), Image.Resampling.LANCZOS)
    frame = Image.new("RGB", (3000, 4000), (214, 216, 218))
    frame.paste(portrait, (800, 600))
    out = io.BytesIO()
    if sideways:
        exif = Image.Exif()
        exif[0x0112] = 6  # rotate 90 degrees clockwise to display
        frame.transpose(Image.Transpose.ROTATE_90).save(out, "JPEG", quality=92, exif=exif)
    else:
        frame.save(out, "JPEG", quality=92)
    return out.getvalue()


@pytest.fixture(scope="module")
def half_body() -> bytes:
    return _half_body_photo()


def test_a_small_face_in_the_working_image_is_analysed_on_finer_pixels(half_body: bytes) -> None:
    coarse_image = decode_image(half_body, POLICY.decode)
    coarse = analyse(coarse_image, POLICY.faces)
    assert coarse.main is not None and coarse.main.ied < POLICY.faces.refine_below_ied_px
    scale = finer_scale(coarse_image, coarse, POLICY.faces)
    assert scale is not None and scale > coarse_image.scale * 1.2

    check = check_photo_detailed(half_body, with_card_crop=False)
    assert check.analysis is not None and check.analysis.main is not None
    finer_ied = check.analysis.main.ied
    assert finer_ied == pytest.approx(POLICY.faces.refine_target_ied_px, rel=0.1)
    # The same face: its size in the original's pixels agrees between the two analyses.
    assert finer_ied / check.analysis.image.scale == pytest.approx(
        coarse.main.ied / coarse_image.scale, rel=0.05
    )
    size = check.verdict.result("face_size")
    assert size is not None and size.value == pytest.approx(
        finer_ied / check.analysis.image.scale, rel=0.01
    )


def test_a_big_enough_face_is_analysed_once() -> None:
    image = decode_image((IMAGES / "cap_and_glasses_portrait.jpg").read_bytes(), POLICY.decode)
    analysis = analyse(image, POLICY.faces)
    assert finer_scale(image, analysis, POLICY.faces) is None
    assert checked("cap_and_glasses_portrait.jpg").analysis.image.scale == image.scale  # type: ignore[union-attr]


def test_a_face_the_original_has_no_more_pixels_for_stays_as_it_is() -> None:
    # small_face.jpg is under the IED limit at its own full size: nothing finer exists.
    image = decode_image((IMAGES / "small_face.jpg").read_bytes(), POLICY.decode)
    assert image.scale == 1.0
    assert finer_scale(image, analyse(image, POLICY.faces), POLICY.faces) is None


def test_the_cost_is_bounded_by_the_pixel_cap(half_body: bytes) -> None:
    image = decode_image(half_body, POLICY.decode)
    analysis = analyse(image, POLICY.faces)
    tight = dataclasses.replace(POLICY.faces, refine_max_pixels=1_500_000)
    scale = finer_scale(image, analysis, tight)
    assert scale is not None
    assert (image.source_size[0] * scale) * (image.source_size[1] * scale) <= 1_500_000 * 1.001
    assert np.isfinite(scale)


def test_a_sideways_stored_photo_is_refined_upright_too() -> None:
    # The finer copy is decoded anew: it must be turned upright like the first, or the face
    # found in the first would be lost in it.
    check = check_photo_detailed(_half_body_photo(sideways=True), with_card_crop=False)
    assert check.analysis is not None and check.analysis.main is not None
    assert check.analysis.image.exif_transposed
    assert check.analysis.image.height > check.analysis.image.width  # upright portrait frame
    assert check.analysis.main.ied == pytest.approx(POLICY.faces.refine_target_ied_px, rel=0.1)
    pose = check.verdict.result("pose")
    assert pose is not None and abs(float(pose.details["roll_deg"])) < 5
