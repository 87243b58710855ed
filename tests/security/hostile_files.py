"""A corpus of hostile uploads, made at test time: the decoder tests' malformed files
(tests/photo/support/bad_files.py) plus what only matters once a file is stored and served: wrong types
behind an image name, polyglots, metadata that must not survive, a real decompression bomb,
hostile file names."""

from __future__ import annotations

import functools
import io
import struct
import zlib

import numpy as np
from PIL import Image
from skimage import data as skdata

from tests.photo.support.bad_files import animated, png_header_only


def _jpeg(**save: object) -> bytes:
    out = io.BytesIO()
    Image.fromarray(skdata.astronaut()).save(out, "JPEG", quality=90, **save)
    return out.getvalue()


def _gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "HostileCam"
    gps = {1: "N", 2: (59.0, 54.0, 41.0), 3: "E", 4: (10.0, 45.0, 7.0)}
    exif[0x8825] = gps
    return exif.tobytes()


def _png_bomb() -> bytes:
    """A 20,000 × 20,000 greyscale PNG of zeros: 400 MB of pixels in a file of ~400 KB."""
    width = height = 20_000
    raw = zlib.compressobj(1)
    rows = (b"\x00" * (width + 1)) * 1_000
    body = b"".join(raw.compress(rows) for _ in range(height // 1_000)) + raw.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A JPEG whose frame header claims a size its data does not have."""
    data = bytearray(_jpeg())
    marker = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, marker + 5, height, width)
    return bytes(data)


def _zip() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return out.getvalue()


@functools.cache
def hostile_corpus() -> dict[str, tuple[str, bytes]]:
    """name -> (file name the client claims, bytes)."""
    jpeg = _jpeg()
    return {
        "empty": ("photo.jpg", b""),
        "html_named_jpg": ("photo.jpg", b"<!doctype html><script>alert(document.cookie)</script>"),
        "svg_with_script": (
            "photo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        ),
        "php_in_jpeg_comment": (
            "photo.jpg",
            jpeg[:2] + b"\xff\xfe\x00\x14<?php system($_GET[c]); ?>"[:22] + jpeg[2:],
        ),
        "jpeg_zip_polyglot": ("photo.jpg", jpeg + _zip()),
        "jpeg_html_polyglot": ("photo.jpg", jpeg + b"<script>alert(1)</script>"),
        "gps_exif": ("photo.jpg", _jpeg(exif=_gps_exif())),
        "png_bomb": ("photo.png", _png_bomb()),
        "truncated_jpeg": ("photo.jpg", jpeg[: len(jpeg) // 3]),
        "lying_jpeg_header": ("photo.jpg", _jpeg_claiming(65_000, 65_000)),
        "png_bomb_header": ("photo.png", png_header_only(60_000, 60_000)),
        "animated_gif": ("photo.gif", animated("GIF")),
        "animated_webp": ("photo.webp", animated("WEBP")),
        "animated_png": ("photo.png", animated("PNG")),
        "pdf": ("photo.pdf", b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF"),
        "random_bytes": ("photo.jpg", np.random.default_rng(7).bytes(50_000)),
        "path_traversal_name": ("../../../../etc/passwd", jpeg),
        "nul_in_name": ("photo\x00.php", jpeg),
        "png_named_jpeg": ("photo.jpg", _png(skdata.astronaut())),
    }


def _png(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "PNG")
    return out.getvalue()
