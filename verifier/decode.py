"""The one safe decoder every upload goes through.

It sniffs the format from the bytes (never the file name), refuses what is not a still photo of
sane size with a specific code, applies EXIF orientation, converts any mode to 8-bit RGB, and
decodes JPEGs at reduced size (libjpeg DCT scaling) when the analysis needs fewer pixels.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from verifier.jpeg_decode import (
    apply_exif_orientation,
    decode_colour_jpeg,
    looks_grey,
    reduction_for,
)
from verifier.policy import DecodeLimits

try:  # HEIC/HEIF from phones; registered once, lazily usable by Image.open.
    import pillow_heif

    pillow_heif.register_heif_opener()
    _HEIF_AVAILABLE = True
except ImportError:  # pragma: no cover - pillow-heif is a hard dependency
    _HEIF_AVAILABLE = False


class DecodeErrorCode(StrEnum):
    EMPTY = "empty_file"
    TOO_LARGE_FILE = "file_too_large"
    NOT_AN_IMAGE = "not_an_image"
    UNSUPPORTED_FORMAT = "unsupported_format"
    TRUNCATED = "truncated"
    TOO_MANY_PIXELS = "too_many_pixels"
    DECOMPRESSION_BOMB = "decompression_bomb"
    ANIMATED = "animated"
    CORRUPT = "corrupt"


_MESSAGES: dict[DecodeErrorCode, tuple[str, str]] = {
    DecodeErrorCode.EMPTY: (
        "Filen er tom. Last opp bildet på nytt.",
        "The file is empty. Upload the photo again.",
    ),
    DecodeErrorCode.TOO_LARGE_FILE: (
        "Filen er for stor (over {limit_mb} MB). Last opp et mindre bilde.",
        "The file is too large (over {limit_mb} MB). Upload a smaller photo.",
    ),
    DecodeErrorCode.NOT_AN_IMAGE: (
        "Filen er ikke et bilde. Last opp et foto i JPEG, PNG, WebP eller HEIC.",
        "The file is not an image. Upload a photo as JPEG, PNG, WebP or HEIC.",
    ),
    DecodeErrorCode.UNSUPPORTED_FORMAT: (
        "Bildeformatet støttes ikke. Bruk JPEG, PNG, WebP eller HEIC.",
        "This image format is not supported. Use JPEG, PNG, WebP or HEIC.",
    ),
    DecodeErrorCode.TRUNCATED: (
        "Bildet er ufullstendig (opplastingen ble avbrutt?). Last opp på nytt.",
        "The image is incomplete (was the upload interrupted?). Upload it again.",
    ),
    DecodeErrorCode.TOO_MANY_PIXELS: (
        "Bildet har for mange piksler (over {limit_mp} megapiksler).",
        "The image has too many pixels (over {limit_mp} megapixels).",
    ),
    DecodeErrorCode.DECOMPRESSION_BOMB: (
        "Bildet kan ikke leses trygt. Ta et nytt bilde med kameraet.",
        "The image cannot be read safely. Take a new photo with the camera.",
    ),
    DecodeErrorCode.ANIMATED: (
        "Animerte bilder godtas ikke. Last opp ett stillbilde.",
        "Animated images are not accepted. Upload a single still photo.",
    ),
    DecodeErrorCode.CORRUPT: (
        "Bildet er skadet og kan ikke leses. Last opp på nytt.",
        "The image is damaged and cannot be read. Upload it again.",
    ),
}


class DecodeError(Exception):
    """An upload the decoder refuses. Carries a code and messages fit for the uploader."""

    def __init__(self, code: DecodeErrorCode, detail: str = "", **fmt: object) -> None:
        self.code = code
        nb, en = _MESSAGES[code]
        self.message_nb = nb.format(**fmt)
        self.message_en = en.format(**fmt)
        self.detail = detail
        super().__init__(f"{code}: {self.message_en}" + (f" ({detail})" if detail else ""))


# MPO: a JPEG followed by more pictures in its MPF index (a camera's large preview, a phone's
# depth map or second lens). The first picture is the photo; the rest are never animation.
_FORMAT_BY_PIL = {
    "JPEG": "jpeg",
    "MPO": "jpeg",
    "PNG": "png",
    "WEBP": "webp",
    "HEIF": "heif",
    "HEIC": "heif",
    "AVIF": "heif",  # AV1 in the same HEIF container (Pillow's own decoder)
}


def sniff_format(data: bytes) -> str | None:
    """The container format from the magic bytes, or None when it is none we accept."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and data[8:12] in {
        b"heic",
        b"heix",
        b"hevc",
        b"hevx",
        b"heim",
        b"heis",
        b"mif1",
        b"msf1",
        b"avif",
    }:
        return "heif"
    return None


def _looks_like_image(data: bytes) -> bool:
    """Other image containers we recognise but do not accept (to say 'unsupported', not 'not an image')."""
    return (
        data[:2] in (b"BM",)
        or data[:4] in (b"GIF8", b"II*\x00", b"MM\x00*")
        or data[:4] == b"\x00\x00\x01\x00"
    )


@dataclass
class DecodedImage:
    """An upload decoded to 8-bit RGB at a working resolution, with what the rules need to know."""

    rgb: np.ndarray  # H x W x 3 uint8, EXIF-oriented, at working resolution
    source_format: str
    source_size: tuple[int, int]  # (width, height) of the oriented original
    was_grayscale: bool
    scale: float  # working pixels / source pixels (<= 1)
    exif_transposed: bool
    _full_loader: Callable[[], np.ndarray] = field(repr=False)
    # Decodes again with at least this long side (JPEG: reduced-size decoding where it can),
    # resized to exactly it when asked to resample.
    _scaled_loader: Callable[[int, bool], np.ndarray] = field(repr=False)

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    def full_resolution(self) -> np.ndarray:
        """The original pixels (decoded again only when asked; the working image may be smaller)."""
        if self.scale >= 1.0:
            return self.rgb
        return self._full_loader()

    def at_scale(self, scale: float) -> DecodedImage:
        """The same upload at another working scale (at most the original's), from its pixels."""
        return self._again(scale, resample=True)

    def at_least_scale(self, scale: float) -> DecodedImage:
        """The same upload decoded again at the cheapest scale of at least `scale`, with no
        resampling: a JPEG's nearest libjpeg reduction (1/2, 1/4, 1/8) above it, else the
        original. For a caller that samples the pixels itself (the card crop)."""
        return self._again(scale, resample=False)

    def _again(self, scale: float, *, resample: bool) -> DecodedImage:
        scale = min(1.0, scale)
        if scale >= 1.0:
            rgb = self.full_resolution()
        else:
            rgb = self._scaled_loader(round(max(self.source_size) * scale), resample)
        return DecodedImage(
            rgb=np.ascontiguousarray(rgb),
            source_format=self.source_format,
            source_size=self.source_size,
            was_grayscale=self.was_grayscale,
            scale=rgb.shape[1] / self.source_size[0],
            exif_transposed=self.exif_transposed,
            _full_loader=self._full_loader,
            _scaled_loader=self._scaled_loader,
        )


def _to_rgb(img: Image.Image) -> tuple[Image.Image, bool]:
    """Any Pillow mode to 8-bit RGB; returns whether the source mode had no colour."""
    mode = img.mode
    grayscale = mode in ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F")
    if mode == "P":
        palette_mode = img.palette.mode if img.palette else "RGB"
        img = img.convert("RGBA" if "transparency" in img.info else palette_mode)
        mode = img.mode
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        arr = np.asarray(img, dtype=np.float64)
        peak = 65535.0 if arr.max(initial=0) > 255 else 255.0
        img = Image.fromarray(np.clip(arr * (255.0 / peak), 0, 255).astype(np.uint8), "L")
        mode = "L"
    if mode in ("RGBA", "LA", "PA") or (mode == "RGB" and "transparency" in img.info):
        # Transparent areas become white: the portrait background should be light anyway.
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba).convert("RGB")
    elif mode != "RGB":
        img = img.convert("RGB")  # CMYK (with its inversion handled by Pillow), YCbCr, L, 1
    return img, grayscale


def shrink_to(rgb: np.ndarray, size: tuple[int, int], *, quick: bool = False) -> np.ndarray:
    """Shrinks to `size` (width, height), each no larger than the image's.

    Exact halvings by box average while the shrink is 2x or more, then an area average for the
    rest, or with `quick` a bilinear one (under 2x it barely aliases). OpenCV's area average is
    fast only for exact integer factors and costs ~14 ms per source megapixel otherwise: 100 ms
    to bring a 12 MP photo to 6 MP, where the bilinear step costs 17."""
    while rgb.shape[1] >= 2 * size[0] and rgb.shape[0] >= 2 * size[1]:
        even_h, even_w = rgb.shape[0] // 2 * 2, rgb.shape[1] // 2 * 2
        rgb = cv2.resize(
            rgb[:even_h, :even_w], (even_w // 2, even_h // 2), interpolation=cv2.INTER_AREA
        )
    if (rgb.shape[1], rgb.shape[0]) == size:
        return rgb
    return cv2.resize(rgb, size, interpolation=cv2.INTER_LINEAR if quick else cv2.INTER_AREA)


def resize_to_long_side(rgb: np.ndarray, long_side: int, *, quick: bool = False) -> np.ndarray:
    """Shrinks (never enlarges) to at most `long_side` pixels on the longer side."""
    h, w = rgb.shape[:2]
    if max(h, w) <= long_side:
        return rgb
    factor = long_side / max(h, w)
    return shrink_to(rgb, (max(1, round(w * factor)), max(1, round(h * factor))), quick=quick)


# What Pillow and its plugins raise for bytes they cannot read (struct.error from malformed chunk
# lengths; RuntimeError from the AVIF and HEIF decoders).
_PILLOW_READ_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, RuntimeError)


def _unreadable(exc: Exception) -> DecodeError:
    text = str(exc).lower()
    truncated = "truncat" in text or "premature" in text
    return DecodeError(
        DecodeErrorCode.TRUNCATED if truncated else DecodeErrorCode.CORRUPT, str(exc)
    )


def _open(data: bytes) -> Image.Image:
    """Reads the header only (no pixels). Pillow's own bomb guard stays at its process-wide
    default (an error above ~179 MP): the policy's tighter pixel limit is applied by the caller
    on the header's size, so no global is changed per decode."""
    try:
        img = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise DecodeError(DecodeErrorCode.DECOMPRESSION_BOMB, str(exc)) from exc
    except UnidentifiedImageError as exc:
        raise DecodeError(DecodeErrorCode.CORRUPT, str(exc)) from exc
    except _PILLOW_READ_ERRORS as exc:
        raise _unreadable(exc) from exc
    return img


def decode_image(
    data: bytes, limits: DecodeLimits, *, long_side: int | None = None
) -> DecodedImage:
    """Decodes upload bytes or raises DecodeError with a specific code. Never a stack trace."""
    if not data:
        raise DecodeError(DecodeErrorCode.EMPTY)
    if len(data) > limits.max_bytes:
        raise DecodeError(
            DecodeErrorCode.TOO_LARGE_FILE,
            f"{len(data)} bytes",
            limit_mb=limits.max_bytes // 1_000_000,
        )
    fmt = sniff_format(data)
    if fmt is None:
        code = (
            DecodeErrorCode.UNSUPPORTED_FORMAT
            if _looks_like_image(data)
            else DecodeErrorCode.NOT_AN_IMAGE
        )
        raise DecodeError(code, f"leading bytes {data[:8]!r}")
    if fmt == "heif" and not _HEIF_AVAILABLE:  # pragma: no cover
        raise DecodeError(DecodeErrorCode.UNSUPPORTED_FORMAT, "HEIF support not installed")

    img = _open(data)
    if _FORMAT_BY_PIL.get(img.format or "") != fmt:
        raise DecodeError(DecodeErrorCode.CORRUPT, f"content is {img.format}, header says {fmt}")
    width, height = img.size
    if width <= 0 or height <= 0:
        raise DecodeError(DecodeErrorCode.CORRUPT, "zero-sized image")
    if width * height > 2 * limits.max_pixels:
        # Far beyond any camera: a header built to exhaust memory when decoded.
        raise DecodeError(DecodeErrorCode.DECOMPRESSION_BOMB, f"{width}x{height}")
    if width * height > limits.max_pixels:
        raise DecodeError(
            DecodeErrorCode.TOO_MANY_PIXELS,
            f"{width}x{height}",
            limit_mp=limits.max_pixels // 1_000_000,
        )
    try:
        # Counting frames reads past the first one: a damaged file can fail here already.
        animated = (
            fmt != "jpeg" and getattr(img, "is_animated", False) and getattr(img, "n_frames", 1) > 1
        )
    except _PILLOW_READ_ERRORS as exc:
        raise _unreadable(exc) from exc
    if animated:
        raise DecodeError(DecodeErrorCode.ANIMATED, f"{getattr(img, 'n_frames', 0)} frames")

    target = long_side or limits.analysis_long_side
    try:
        # A PNG may keep its EXIF after the pixels: reading it decodes them, and can fail there.
        orientation = img.getexif().get(0x0112, 1) if fmt in ("jpeg", "webp", "png", "heif") else 1
    except _PILLOW_READ_ERRORS as exc:
        raise _unreadable(exc) from exc
    if orientation not in range(1, 9):  # a damaged tag: the pixels are taken as stored
        orientation = 1
    swaps_axes = orientation in (5, 6, 7, 8)
    oriented_size = (height, width) if swaps_axes else (width, height)

    def load(
        draft_long_side: int | None, *, reopen: bool = False, draft_share: float = 0.75
    ) -> tuple[np.ndarray, bool]:
        reduction, wanted = 1, (width, height)
        if draft_long_side is not None and fmt == "jpeg":
            # libjpeg scales by 1/2, 1/4, 1/8 while decoding: far faster for phone-sized JPEGs.
            # Asking for 3/4 of the working size lets a 4000 px photo decode at 1/4 (1000 px)
            # instead of 1/2 and a resize: the analysis gains nothing from the extra pixels.
            factor = draft_share * draft_long_side / max(width, height)
            wanted = (max(1, int(width * factor)), max(1, int(height * factor)))
            reduction = reduction_for((width, height), wanted)
        # A second decode of the same upload need not look for a grey picture again.
        check_colour = not reopen and draft_long_side is not None
        if fmt == "jpeg" and img.mode == "RGB":
            stored = decode_colour_jpeg(data, reduction)
            if stored is not None:
                rgb = np.ascontiguousarray(apply_exif_orientation(stored, orientation))
                return rgb, check_colour and looks_grey(rgb)
            # OpenCV could not decode it all: Pillow's decode below names the reason.
        # The header already read serves the first decode; a draft applies once per open image.
        im = _open(data) if draft_long_side is None or reopen else img
        if reduction > 1:
            im.draft("RGB", wanted)
        try:
            im.load()
        except Image.DecompressionBombError as exc:
            raise DecodeError(DecodeErrorCode.DECOMPRESSION_BOMB, str(exc)) from exc
        except _PILLOW_READ_ERRORS as exc:
            raise _unreadable(exc) from exc
        transposed = ImageOps.exif_transpose(im) if orientation != 1 else im
        rgb_img, grayscale = _to_rgb(transposed)
        rgb = np.ascontiguousarray(np.asarray(rgb_img, dtype=np.uint8))
        return rgb, grayscale or (check_colour and looks_grey(rgb))

    try:
        rgb, grayscale = load(target)
    except DecodeError:
        raise
    except MemoryError as exc:
        raise DecodeError(
            DecodeErrorCode.DECOMPRESSION_BOMB, "out of memory while decoding"
        ) from exc
    working = resize_to_long_side(rgb, target)
    scale = working.shape[1] / oriented_size[0]

    def full() -> np.ndarray:
        return load(None)[0]

    def scaled(long_side: int, resample: bool) -> np.ndarray:
        # At least the asked size (libjpeg picks the smallest 1/8 step above it), then down: a
        # second look at a far face, where a bilinear last step saves up to 80 ms.
        rgb = load(long_side, reopen=True, draft_share=1.0)[0]
        return resize_to_long_side(rgb, long_side, quick=True) if resample else rgb

    return DecodedImage(
        rgb=working,
        source_format=fmt,
        source_size=oriented_size,
        was_grayscale=grayscale,
        scale=min(1.0, scale),
        exif_transposed=orientation != 1,
        _full_loader=full,
        _scaled_loader=scaled,
    )
