"""Uploaded and generated files: outside the web root, under random names, EXIF removed."""

from __future__ import annotations

import io
import os
import secrets
from pathlib import Path

import numpy as np
from PIL import Image

from verifier import DecodedImage


class FileStore:
    """Flat directory of files named by 128-bit random hex; names never come from users."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def save(self, data: bytes) -> str:
        name = secrets.token_hex(16)
        path = self.directory / name
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # readers never see half a file
        return name

    def path(self, name: str) -> Path:
        if not name or not all(c in "0123456789abcdef" for c in name):
            raise ValueError("not a stored file name")
        return self.directory / name

    def read(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)


def clean_jpeg(decoded: DecodedImage, long_side: int, quality: int = 95) -> bytes:
    """The upload re-encoded from its pixels: orientation applied, EXIF/GPS/XMP not carried over.

    Uses the decoder's working image (decode with `long_side` at least the stored size): a phone
    photo is decoded once, at reduced size, never again at its full 12 megapixels.
    """
    rgb = decoded.rgb
    image = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    if max(image.size) > long_side:
        image.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif=, no icc_profile=: Pillow writes a bare JFIF.
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()
