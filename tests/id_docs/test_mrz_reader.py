"""The MRZ reader on synthetic documents made by verifier.id_docs.mrz.synthetic (rendered in OCR-B):
upright, rotated by 90/180/270 degrees, skewed, EXIF-oriented JPEGs through the real decoder,
and images without an MRZ. Also the recogniser model file's sha256 check."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from verifier.decode import decode_image
from verifier.id_docs.mrz.correct import failing_groups
from verifier.id_docs.mrz.ocr import MODEL_NAME
from verifier.id_docs.mrz.reader import read_mrz
from verifier.id_docs.mrz.synthetic import SyntheticDocument, make_td1_card, make_td3_page
from verifier.model_files import KNOWN_MODELS, ModelFileError, model_path, sha256_of
from verifier.policy import load_policy


@pytest.fixture(scope="module")
def td1() -> SyntheticDocument:
    return make_td1_card(seed=11)


@pytest.fixture(scope="module")
def td3() -> SyntheticDocument:
    return make_td3_page(seed=12)


def _rotate_clockwise(rgb: np.ndarray, degrees: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(rgb, k=-(degrees // 90)))


def _skew(rgb: np.ndarray, degrees: float) -> np.ndarray:
    """Rotated by a small angle (counter-clockwise for positive), on a larger white canvas."""
    h, w = rgb.shape[:2]
    pad = int(0.1 * max(h, w))
    canvas = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(250, 250, 250))
    ch, cw = canvas.shape[:2]
    matrix = cv2.getRotationMatrix2D((cw / 2, ch / 2), degrees, 1.0)
    return cv2.warpAffine(
        canvas, matrix, (cw, ch), flags=cv2.INTER_LINEAR, borderValue=(250, 250, 250)
    )


def test_generator_makes_valid_mrzs(td1: SyntheticDocument, td3: SyntheticDocument) -> None:
    assert [len(line) for line in td1.lines] == [30, 30, 30]
    assert [len(line) for line in td3.lines] == [44, 44]
    assert failing_groups("TD1", td1.lines) == []
    assert failing_groups("TD3", td3.lines) == []


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
def test_reads_td3_page_at_each_rotation(td3: SyntheticDocument, degrees: int) -> None:
    result = read_mrz(_rotate_clockwise(td3.rgb, degrees))
    assert result.lines == td3.lines
    assert result.doc_format == "TD3"
    assert result.method == "project"
    # The rotation that undoes ours.
    assert result.rotation_degrees == (360 - degrees) % 360
    assert result.elapsed_ms > 0


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
def test_reads_td1_card_at_each_rotation(td1: SyntheticDocument, degrees: int) -> None:
    result = read_mrz(_rotate_clockwise(td1.rgb, degrees))
    assert result.lines == td1.lines
    assert result.doc_format == "TD1"
    assert result.rotation_degrees == (360 - degrees) % 360


@pytest.mark.parametrize("degrees", [-5.0, 3.0])
def test_reads_skewed_documents_and_reports_the_skew(
    td1: SyntheticDocument, td3: SyntheticDocument, degrees: float
) -> None:
    for doc in (td1, td3):
        result = read_mrz(_skew(doc.rgb, degrees))
        assert result.lines == doc.lines
        assert result.rotation_degrees == 0
        # Counter-clockwise image rotation tilts the text upwards: negative clockwise angle.
        assert result.skew_degrees == pytest.approx(-degrees, abs=1.0)


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_oriented_jpeg_through_the_decoder(td3: SyntheticDocument, orientation: int) -> None:
    # Store the pixels as a camera would (sideways or upside down) with the tag that makes
    # viewers show them upright; the decoder applies the tag, so the reader sees it upright.
    stored = {
        3: Image.Transpose.ROTATE_180,
        6: Image.Transpose.ROTATE_90,
        8: Image.Transpose.ROTATE_270,
    }
    image = Image.fromarray(td3.rgb).transpose(stored[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif)
    decoded = decode_image(buffer.getvalue(), load_policy().decode)
    assert decoded.exif_transposed
    result = read_mrz(decoded.rgb)
    assert result.lines == td3.lines
    assert result.rotation_degrees == 0


def test_photo_with_quality_loss_is_still_read(td3: SyntheticDocument) -> None:
    small = cv2.resize(td3.rgb, None, fx=0.55, fy=0.55, interpolation=cv2.INTER_AREA)
    noisy = np.clip(small + np.random.default_rng(3).normal(0, 6, small.shape), 0, 255).astype(
        np.uint8
    )
    ok, jpeg = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, 45])
    assert ok
    decoded = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
    assert decoded is not None
    result = read_mrz(np.asarray(decoded))
    assert result.lines == td3.lines


def test_no_mrz_on_a_portrait() -> None:
    from skimage import data

    result = read_mrz(data.astronaut())
    assert result.lines is None
    assert result.doc_format is None


def test_no_mrz_on_a_scanned_text_page() -> None:
    # Rows of printed text are what the locator looks for; the reading must not pass.
    from skimage import data

    page = np.ascontiguousarray(np.stack([data.page()] * 3, axis=-1))
    assert read_mrz(page).lines is None


def test_no_mrz_on_a_blank_page() -> None:
    assert read_mrz(np.full((800, 600, 3), 245, np.uint8)).lines is None


def test_no_mrz_on_a_document_whose_mrz_is_covered(td3: SyntheticDocument) -> None:
    covered = td3.rgb.copy()
    x0, y0, x1, y1 = td3.mrz_box
    covered[y0 - 10 : y1 + 10, x0 - 10 : x1 + 10] = 235
    assert read_mrz(covered).lines is None


def test_model_file_is_verified_by_sha256(tmp_path: Path) -> None:
    path = model_path(MODEL_NAME)
    assert sha256_of(path) == KNOWN_MODELS[MODEL_NAME].sha256
    tampered = tmp_path / MODEL_NAME
    shutil.copyfile(path, tampered)
    with tampered.open("r+b") as handle:
        handle.seek(200)
        byte = handle.read(1)
        handle.seek(200)
        handle.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelFileError):
        model_path(MODEL_NAME, models_dir=tmp_path)
