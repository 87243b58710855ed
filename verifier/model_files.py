"""The model files under `models/`, each checked against its recorded sha256 before use."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

_T = TypeVar("_T")

MODELS_DIR = Path(
    os.environ.get("HMSVERIFY_MODELS_DIR", Path(__file__).resolve().parent.parent / "models")
)


class ModelFileError(RuntimeError):
    """A model file is missing or its content is not the one recorded in models/MODELS.md."""


@dataclass(frozen=True)
class ModelFile:
    name: str
    sha256: str
    purpose: str


# Keep in step with models/MODELS.md (a test compares the two).
KNOWN_MODELS: dict[str, ModelFile] = {
    m.name: m
    for m in (
        ModelFile(
            "face_landmarker.task",
            "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff",
            "MediaPipe Face Landmarker: face detector, 478 landmarks, blendshapes, pose matrix",
        ),
        ModelFile(
            "selfie_segmentation.tflite",
            "8d13b7fae74af625c641226813616a2117bd6bca19eb3b75574621fc08557f27",
            "MediaPipe selfie segmenter: person (head, hair, shoulders) versus background",
        ),
        ModelFile(
            "face_expression_model.bin",
            "9a9840f2cf1f4c7eab95f197512569345c00d2426754d4608b92af30e0300f3d",
            "face-api FaceExpressionNet weights: seven expressions of a 112 px face",
        ),
        ModelFile(
            "face_expression_model-weights_manifest.json",
            "5b349c17c7836da506e03422cd6461c74085d8bb2713ad4114647dc5d28174c8",
            "face-api FaceExpressionNet weight manifest: names, shapes, uint8 quantisation",
        ),
        ModelFile(
            "face_detection_yunet_2023mar_int8bq.onnx",
            "49f000ec501fef24739071fc7e68267d32209045b6822c0c72dce1da25726f10",
            "YuNet face detector (OpenCV zoo) for the document face match",
        ),
        ModelFile(
            "face_recognition_sface_2021dec_int8bq.onnx",
            "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee",
            "SFace face embedding (OpenCV zoo) for the document face match",
        ),
        ModelFile(
            "mrz_ocr_crnn.onnx",
            "080bdd821874a40c2604c00a5fb85d64dd983869ada483b0c822c69bf1277eca",
            "MRZ line recogniser (CTC), trained by verifier/id_docs/mrz/training/train_mrz_ocr.py",
        ),
        ModelFile(
            "mrz_name_bigrams.json",
            "375c514ecc5e113493e6fe52bc052762c3c73129f9f9a95def762f4ae0a78283",
            "letter-pair counts of names, built by verifier/id_docs/mrz/training/name_bigrams.py",
        ),
    )
}

_verified: set[Path] = set()
_lock = threading.Lock()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def model_path(name: str, models_dir: Path | None = None) -> Path:
    """The verified path of a known model file; verification runs once per process and file."""
    if name not in KNOWN_MODELS:
        raise ModelFileError(f"unknown model file {name!r}; add it to KNOWN_MODELS and MODELS.md")
    path = (models_dir or MODELS_DIR) / name
    with _lock:
        if path in _verified:
            return path
        if not path.is_file():
            raise ModelFileError(
                f"model file {path} is missing; it is committed under models/ "
                "(see models/MODELS.md for its source)"
            )
        actual = sha256_of(path)
        expected = KNOWN_MODELS[name].sha256
        if actual != expected:
            raise ModelFileError(
                f"model file {path} has sha256 {actual}, expected {expected}: "
                "the file was altered or replaced; restore it from models/MODELS.md's source"
            )
        _verified.add(path)
    return path


class LazyModel(Generic[_T]):
    """A model built on first use, once per process: concurrent first callers wait for the one
    build instead of each loading the file."""

    def __init__(self, build: Callable[[], _T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._model: _T | None = None

    def get(self) -> _T:
        with self._lock:
            if self._model is None:
                self._model = self._build()
            return self._model
