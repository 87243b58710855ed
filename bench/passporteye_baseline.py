"""PassportEye (its locator, Tesseract and its clean-up) as the baseline that bench/eval_mrz.py
measures the project's reader against. It is not on the verdict path."""

from __future__ import annotations

import io
import warnings

import cv2
import numpy as np


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
