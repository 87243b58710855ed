"""Every refusal of the safe decoder, and every conversion to 8-bit RGB, on real bytes."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from tests.photo.support import image_bytes
from tests.photo.support.bad_files import animated, encode, gradient_rgb, png_header_only
from verifier.decode import DecodeError, DecodeErrorCode, decode_image
from verifier.photo.check import check_photo
from verifier.policy import default_policy
from verifier.verdict import Status

LIMITS = default_policy().decode
CASES = 60


def refused(data: bytes) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        decode_image(data, LIMITS)
    error = info.value
    assert error.message_nb and error.message_en
    return error


def test_empty_file_is_refused() -> None:
    assert refused(b"").code is DecodeErrorCode.EMPTY


def test_file_over_the_byte_limit_is_refused_before_decoding() -> None:
    data = b"\xff\xd8\xff" + b"\0" * (LIMITS.max_bytes + 1)
    error = refused(data)
    assert error.code is DecodeErrorCode.TOO_LARGE_FILE
    assert "15 MB" in error.message_en


@pytest.mark.parametrize(
    "data",
    [
        b"Hei! Dette er bare tekst som heter bilde.jpg\n" * 20,
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n",
        b"\x7fELF\x02\x01\x01\x00" + bytes(200),
        b"MZ\x90\x00" + bytes(200),
    ],
    ids=["text", "pdf", "elf", "exe"],
)
def test_non_images_are_refused(data: bytes) -> None:
    assert refused(data).code is DecodeErrorCode.NOT_AN_IMAGE


def test_image_formats_we_do_not_accept_say_so() -> None:
    gif = encode(Image.fromarray(gradient_rgb()), "GIF")
    bmp = encode(Image.fromarray(gradient_rgb()), "BMP")
    assert refused(gif).code is DecodeErrorCode.UNSUPPORTED_FORMAT
    assert refused(bmp).code is DecodeErrorCode.UNSUPPORTED_FORMAT


def test_truncated_jpeg_is_refused() -> None:
    data = image_bytes("cap_and_glasses_portrait.jpg")
    assert refused(data[: len(data) // 2]).code is DecodeErrorCode.TRUNCATED


def test_garbage_after_a_jpeg_signature_is_corrupt() -> None:
    rng = np.random.default_rng(1)
    data = b"\xff\xd8\xff\xe0" + rng.integers(0, 256, 4000, dtype=np.uint8).tobytes()
    assert refused(data).code in (DecodeErrorCode.CORRUPT, DecodeErrorCode.TRUNCATED)


def test_more_than_40_megapixels_is_refused_without_decoding() -> None:
    assert refused(png_header_only(7000, 6000)).code is DecodeErrorCode.TOO_MANY_PIXELS


def test_decompression_bomb_is_refused() -> None:
    assert refused(png_header_only(40000, 40000)).code is DecodeErrorCode.DECOMPRESSION_BOMB


def test_over_twice_the_pixel_limit_is_a_bomb_below_pillows_own_guard() -> None:
    # 96 MP: above twice the policy's 40 MP, below Pillow's default error level (~179 MP);
    # Pillow only warns there, the decoder refuses.
    with pytest.warns(Image.DecompressionBombWarning):
        error = refused(png_header_only(12000, 8000))
    assert error.code is DecodeErrorCode.DECOMPRESSION_BOMB


def test_decoding_leaves_pillows_global_pixel_limit_alone() -> None:
    before = Image.MAX_IMAGE_PIXELS
    refused(png_header_only(7000, 6000))
    decode_image(image_bytes("cap_and_glasses_portrait.jpg"), default_policy().decode)
    assert before == Image.MAX_IMAGE_PIXELS


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_animated_images_are_refused(fmt: str) -> None:
    assert refused(animated(fmt)).code is DecodeErrorCode.ANIMATED


def test_refusal_is_a_fail_verdict_not_a_crash() -> None:
    verdict = check_photo(b"%PDF-1.4 not a photo")
    assert verdict.status is Status.FAIL
    assert verdict.unreadable_code == "not_an_image"
    assert verdict.results[0].rule == "readable"
    assert verdict.to_dict()["results"][0]["message_nb"]


def test_cmyk_palette_16bit_alpha_and_grey_become_8bit_rgb() -> None:
    rgb = gradient_rgb()
    base = Image.fromarray(rgb)
    cases = {
        "cmyk": encode(base.convert("CMYK"), "JPEG", quality=95),
        "palette": encode(base.convert("P", palette=Image.Palette.ADAPTIVE), "PNG"),
        "rgba": encode(base.convert("RGBA"), "PNG"),
        "grey": encode(base.convert("L"), "PNG"),
        "grey16": encode(Image.fromarray(rgb[..., 0].astype(np.uint16) * 257), "PNG"),
    }
    for name, data in cases.items():
        image = decode_image(data, LIMITS)
        assert image.rgb.dtype == np.uint8 and image.rgb.shape == (64, 96, 3), name
        assert image.was_grayscale is name.startswith("grey"), name
    grey16 = decode_image(cases["grey16"], LIMITS)
    assert abs(int(grey16.rgb[0, -1, 0]) - 255) <= 1  # 16-bit full scale maps to 255


def test_transparent_pixels_become_white() -> None:
    rgba = np.zeros((32, 32, 4), dtype=np.uint8)
    image = decode_image(encode(Image.fromarray(rgba, "RGBA"), "PNG"), LIMITS)
    assert image.rgb.min() == 255


def test_heic_from_a_phone_decodes() -> None:
    import pillow_heif

    base = Image.open(io.BytesIO(image_bytes("cap_and_glasses_portrait.jpg")))
    heif = pillow_heif.from_pillow(base)
    buffer = io.BytesIO()
    heif.save(buffer, quality=85)
    image = decode_image(buffer.getvalue(), LIMITS)
    assert image.source_format == "heif"
    assert image.source_size == base.size


def test_exif_orientation_is_applied() -> None:
    stored = Image.open(io.BytesIO(image_bytes("exif_rotated.jpg")))
    image = decode_image(image_bytes("exif_rotated.jpg"), LIMITS)
    assert image.exif_transposed
    assert image.source_size == (stored.height, stored.width)  # upright: axes swapped back
    assert image.height > image.width


def test_big_jpeg_decodes_reduced_and_full_resolution_on_demand() -> None:
    big = np.asarray(Image.open(io.BytesIO(image_bytes("cap_and_glasses_portrait.jpg"))))
    big = np.asarray(Image.fromarray(big).resize((big.shape[1] * 5, big.shape[0] * 5)))
    data = encode(Image.fromarray(big), "JPEG", quality=90)
    image = decode_image(data, LIMITS)
    assert max(image.rgb.shape[:2]) <= LIMITS.analysis_long_side
    assert image.scale < 0.5
    full = image.full_resolution()
    assert full.shape[:2] == big.shape[:2]


def test_the_same_upload_at_a_finer_scale_keeps_what_it_knows() -> None:
    big = np.asarray(Image.open(io.BytesIO(image_bytes("cap_and_glasses_portrait.jpg"))))
    big = np.asarray(Image.fromarray(big).resize((big.shape[1] * 5, big.shape[0] * 5)))
    image = decode_image(encode(Image.fromarray(big), "JPEG", quality=90), LIMITS)
    finer = image.at_scale(0.5)
    # Reduced-size decoding then a resize to the asked long side, from the original's pixels.
    assert max(finer.rgb.shape[:2]) == round(max(big.shape[:2]) * 0.5)
    assert finer.scale == pytest.approx(0.5, abs=0.002)
    assert (finer.source_size, finer.source_format) == (image.source_size, image.source_format)
    assert finer.full_resolution().shape[:2] == big.shape[:2]
    # Brightness is the original's, not a blank or a re-use of the coarse pixels.
    small_again = np.asarray(Image.fromarray(finer.rgb).resize(image.rgb.shape[1::-1]))
    assert np.abs(small_again.astype(int) - image.rgb.astype(int)).mean() < 6
    assert image.at_scale(2.0).scale == 1.0  # never above the original


def _stored_turned(orientation: int) -> tuple[bytes, np.ndarray]:
    """A colour JPEG stored as a camera would for EXIF orientation 1-8, and the upright pixels
    Pillow's own decoder and `exif_transpose` give for it."""
    upright = Image.open(io.BytesIO(image_bytes("cap_and_glasses_portrait.jpg"))).convert("RGB")
    # The inverse of what the orientation asks: stored so that applying it gives `upright`.
    undo = {
        2: [Image.Transpose.FLIP_LEFT_RIGHT],
        3: [Image.Transpose.ROTATE_180],
        4: [Image.Transpose.FLIP_TOP_BOTTOM],
        5: [Image.Transpose.TRANSPOSE],
        6: [Image.Transpose.ROTATE_90],
        7: [Image.Transpose.TRANSVERSE],
        8: [Image.Transpose.ROTATE_270],
    }
    stored = upright
    for step in undo.get(orientation, []):
        stored = stored.transpose(step)
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(stored, "JPEG", quality=95, exif=exif)
    reference = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    return data, np.asarray(reference.convert("RGB"))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_decodes_upright_as_pillow_turns_it(orientation: int) -> None:
    data, reference = _stored_turned(orientation)
    image = decode_image(data, LIMITS, long_side=4096)  # no reduction: pixel for pixel
    assert image.rgb.shape == reference.shape
    assert image.source_size == (reference.shape[1], reference.shape[0])
    assert image.exif_transposed is (orientation != 1)
    # Two builds of libjpeg: the same picture to within rounding, and not mirrored or turned.
    assert np.abs(image.rgb.astype(int) - reference.astype(int)).mean() < 1.0


def test_reduced_jpeg_decoding_gives_pillows_draft_size_and_picture() -> None:
    big = np.asarray(Image.open(io.BytesIO(image_bytes("cap_and_glasses_portrait.jpg"))))
    big = np.asarray(Image.fromarray(big).resize((big.shape[1] * 5 + 3, big.shape[0] * 5 + 1)))
    data = encode(Image.fromarray(big), "JPEG", quality=90)
    image = decode_image(data, LIMITS)
    pillow = Image.open(io.BytesIO(data))
    pillow.draft("RGB", (big.shape[1] // 4, big.shape[0] // 4))  # libjpeg's 1/4 scaling
    reference = np.asarray(pillow.convert("RGB"))
    assert reference.shape[0] == -(-big.shape[0] // 4)
    assert image.rgb.shape == reference.shape
    assert np.abs(image.rgb.astype(int) - reference.astype(int)).mean() < 1.0


def test_a_jpeg_damaged_midway_still_decodes_or_is_refused_with_a_reason() -> None:
    data = bytearray(image_bytes("cap_and_glasses_portrait.jpg"))
    middle = len(data) // 2
    data[middle : middle + 300] = b"\x13" * 300
    try:
        image = decode_image(bytes(data), LIMITS)
    except DecodeError as error:
        assert error.code in (DecodeErrorCode.CORRUPT, DecodeErrorCode.TRUNCATED)
    else:
        assert image.rgb.dtype == np.uint8 and image.rgb.ndim == 3


def test_a_grey_picture_in_a_colour_jpeg_is_recognised() -> None:
    grey = Image.fromarray(gradient_rgb()).convert("L").convert("RGB")
    image = decode_image(encode(grey, "JPEG", quality=95), LIMITS)
    assert image.was_grayscale
    colour = decode_image(encode(Image.fromarray(gradient_rgb()), "JPEG", quality=95), LIMITS)
    assert not colour.was_grayscale


def test_at_least_a_scale_is_the_nearest_reduced_decode_above_it_unresampled() -> None:
    big = np.asarray(Image.open(io.BytesIO(image_bytes("cap_and_glasses_portrait.jpg"))))
    big = np.asarray(Image.fromarray(big).resize((big.shape[1] * 5, big.shape[0] * 5)))
    image = decode_image(encode(Image.fromarray(big), "JPEG", quality=90), LIMITS)
    for asked, reduction in ((0.3, 2), (0.2, 4), (0.1, 8), (0.6, 1)):
        again = image.at_least_scale(asked)
        assert again.rgb.shape[:2] == (-(-big.shape[0] // reduction), -(-big.shape[1] // reduction))
        assert again.scale >= asked
    png = decode_image(encode(Image.fromarray(big), "PNG"), LIMITS)
    assert png.at_least_scale(0.2).rgb.shape[:2] == big.shape[:2]  # no reduced decode: original


def test_shrinking_matches_a_box_average_and_keeps_the_asked_size() -> None:
    from verifier.decode import resize_to_long_side

    photo = np.asarray(
        Image.open(io.BytesIO(image_bytes("cap_and_glasses_portrait.jpg"))).convert("RGB")
    )
    big = cv2.resize(photo, (photo.shape[1] * 4, photo.shape[0] * 4), interpolation=cv2.INTER_CUBIC)
    for long_side in (max(photo.shape[:2]), 700, 333):
        small = resize_to_long_side(big, long_side)
        factor = long_side / max(big.shape[:2])
        size = (round(big.shape[1] * factor), round(big.shape[0] * factor))
        assert (small.shape[1], small.shape[0]) == size
        reference = cv2.resize(big, size, interpolation=cv2.INTER_AREA)
        assert np.abs(small.astype(int) - reference.astype(int)).mean() < 2.5
        quick = resize_to_long_side(big, long_side, quick=True)
        assert (quick.shape[1], quick.shape[0]) == size
        assert np.abs(quick.astype(int) - reference.astype(int)).mean() < 2.5
    assert resize_to_long_side(photo, 10_000) is photo  # never enlarged


def test_a_jpeg_with_more_pictures_after_it_is_its_first_picture() -> None:
    # MPO: cameras store a large preview, phones a depth map or second lens, after the photo.
    photo = Image.open(io.BytesIO(image_bytes("cap_and_glasses_portrait.jpg"))).convert("RGB")
    preview = Image.new("RGB", (160, 120), (0, 200, 0))
    data = encode(photo, "MPO", save_all=True, append_images=[preview], quality=95)
    assert Image.open(io.BytesIO(data)).format == "MPO"
    image = decode_image(data, LIMITS)
    assert image.source_format == "jpeg" and image.source_size == photo.size
    reference = np.asarray(photo.resize((image.width, image.height)))
    assert np.abs(image.rgb.astype(int) - reference.astype(int)).mean() < 4.0
    assert check_photo(data).unreadable_code is None


def test_avif_in_the_heif_container_decodes() -> None:
    photo = Image.open(io.BytesIO(image_bytes("cap_and_glasses_portrait.jpg"))).convert("RGB")
    data = encode(photo, "AVIF", quality=90)
    image = decode_image(data, LIMITS)
    assert image.source_format == "heif" and image.source_size == photo.size
    reference = np.asarray(photo.resize((image.width, image.height)))
    assert np.abs(image.rgb.astype(int) - reference.astype(int)).mean() < 4.0


@pytest.mark.parametrize("value", [9, 0, 65535])
def test_a_damaged_orientation_tag_leaves_the_pixels_as_stored(value: int) -> None:
    photo = Image.open(io.BytesIO(image_bytes("cap_and_glasses_portrait.jpg"))).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = value
    image = decode_image(encode(photo, "JPEG", quality=95, exif=exif), LIMITS)
    assert not image.exif_transposed
    assert image.source_size == photo.size


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns of the damaged EXIF it skips
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "MPO", "AVIF", "HEIF"])
def test_damaged_uploads_decode_or_are_refused_never_crash(fmt: str) -> None:
    """Bytes flipped, zeroed, cut or repeated anywhere in a real photo: the decoder either
    gives 8-bit RGB or refuses with a code, whichever of its two decoders reads the file."""
    photo = Image.open(io.BytesIO(image_bytes("cap_and_glasses_portrait.jpg"))).convert("RGB")
    photo = photo.resize((photo.width // 2, photo.height // 2))
    options: dict[str, object] = (
        {"save_all": True, "append_images": [photo]} if fmt == "MPO" else {}
    )
    original = encode(photo, fmt, **options)
    rng = np.random.default_rng(9303)
    outcomes: set[str] = set()
    for case in range(CASES):
        data = bytearray(original)
        where = int(rng.integers(2, len(data) - 1))
        kind = case % 4
        if kind == 0:
            for _ in range(int(rng.integers(1, 20))):
                data[int(rng.integers(2, len(data)))] ^= int(rng.integers(1, 256))
        elif kind == 1:
            data[where : where + 64] = bytes(min(64, len(data) - where))
        elif kind == 2:
            del data[where:]
        else:
            data[where:where] = data[where : where + 500]
        try:
            image = decode_image(bytes(data), LIMITS)
        except DecodeError as error:
            assert error.message_nb and error.message_en
            outcomes.add(str(error.code))
        else:
            assert image.rgb.dtype == np.uint8 and image.rgb.ndim == 3 and image.rgb.shape[2] == 3
            outcomes.add("decoded")
    # Damage was seen (a PNG's chunk checksums refuse every change; a JPEG decodes through most).
    assert outcomes - {"decoded"} <= {code.value for code in DecodeErrorCode}
    assert outcomes - {"decoded"}
