"""PassportEye (its locator, Tesseract and its clean-up) as the baseline that bench/eval_mrz.py
measures the project's reader against. It is not on the verdict path, so it is not among the
project's dependencies: it is the `bench` extra (which `dev`, and so `make setup-test`, includes)
and needs the Tesseract program (Debian package tesseract-ocr, installed by
`scripts/setup.sh test`)."""

from __future__ import annotations

import importlib.util
import io
import shutil
import warnings

import cv2
import numpy as np

INSTALL_HINT = (
    "install it with `.venv/bin/pip install -e '.[bench]'` (or `make setup-test`) and the "
    "Tesseract program with `sudo apt-get install tesseract-ocr`, or measure only the "
    "project's reader with --no-baseline"
)


def baseline_missing() -> str | None:
    """Why the PassportEye baseline cannot run here (with how to install it), or None when it
    can. Checked before a run: PassportEye's errors on an image count as misses, so a missing
    Tesseract would otherwise read as a baseline that finds nothing."""
    if importlib.util.find_spec("passporteye") is None:
        return f"PassportEye (the MRZ baseline) is not installed: {INSTALL_HINT}"
    if shutil.which("tesseract") is None:
        return f"PassportEye needs the `tesseract` program, which is not on PATH: {INSTALL_HINT}"
    return None


def passporteye_lines(rgb: np.ndarray) -> list[str] | None:
    """PassportEye's own `read_mrz` on the image: the lines it returns, whatever their shape,
    or None when it finds no MRZ."""
    from passporteye import read_mrz as pe_read_mrz
    from passporteye.mrz.text import MRZOCRCleaner

    ok, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scikit-image deprecations inside PassportEye
            mrz = pe_read_mrz(io.BytesIO(png.tobytes()))
    except Exception:  # PassportEye raises assorted errors on odd images; a miss for the tally
        return None
    if mrz is None:
        return None
    lines = [ln for ln in MRZOCRCleaner.apply(mrz.aux.get("raw_text", "")) if ln]
    return lines or None
