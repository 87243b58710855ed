"""Synthetic MRZ line crops with realistic damage, for training and testing the recogniser.

A sample is what the reader cuts out of a real image: one MRZ line (or a piece of it), rendered
in OCR-B (15 % in DejaVu Sans Mono, Sans, Sans Condensed or Sans Bold at a fixed pitch: some
cards print their MRZ in a plain sans-serif), with parts of the neighbouring lines at the top and
bottom edges, on printed paper, then degraded (perspective, blur, low resolution, noise, JPEG,
uneven light, glare, print texture, background patterns) and normalised exactly as
`mrz_ocr.normalise_line` does at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from verifier.id_docs.mrz.ocr import LINE_HEIGHT, normalise_line
from verifier.id_docs.mrz.synthetic import MRZ_ALPHABET, ocrb_font_path, random_mrz

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
# (font file, cap height / font size). Some states print the MRZ in another font than OCR-B
# (e.g. a plain sans-serif on ID cards): a few lines in other faces keep the model from
# reading only OCR-B's shapes. They are drawn at a fixed pitch like OCR-B.
_OTHER_FONTS = (
    (_DEJAVU / "DejaVuSansMono.ttf", 0.73),
    (_DEJAVU / "DejaVuSans.ttf", 0.73),
    (_DEJAVU / "DejaVuSansCondensed.ttf", 0.73),
    (_DEJAVU / "DejaVuSans-Bold.ttf", 0.73),
)
# Characters that the recogniser and the check digits confuse most: lines dense in them teach
# the small differences (O/0/D/Q, I/1/T, B/8, S/5, Z/2, G/6, M/N/H/W, '<' against K/E/C/S).
_CONFUSABLE = "O0DQIT1L7B8S5Z2G6MNHWUVKEC<"
# Pairs a small or blurred glyph turns into each other in photographed documents (H/N, L/I,
# F/E, M/N, K/X, P/F): lines dense in them, drawn mostly at small sizes.
_SMALL_CONFUSABLE = "HNLIFEPMKXRBWV1<"
_RENDER_CAP = 26  # glyph height at which lines are drawn before being degraded
HELD_OUT_SEED = 990_001  # the held-out lines, never drawn in training


@dataclass(frozen=True)
class LineSample:
    image: np.ndarray  # float32, LINE_HEIGHT x W, normalised
    text: str


@lru_cache(maxsize=8)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _random_text(rng: np.random.Generator, photographed: bool) -> str:
    roll = rng.random()
    if photographed and roll < 0.08:
        length = int(rng.integers(5, 19))
        return "".join(rng.choice(list(_SMALL_CONFUSABLE), size=length))
    if roll < (0.2 if photographed else 0.15):
        length = int(rng.integers(5, 19))
        return "".join(rng.choice(list(_CONFUSABLE), size=length))
    if roll < 0.6:
        line = random_mrz(rng, str(rng.choice(["TD1", "TD2", "TD3"])))[int(rng.integers(0, 2))]
        # Pieces, not whole lines: the model is convolutional (what it learns on a piece holds
        # along a whole line) and short samples keep padding and training time low.
        length = int(rng.integers(5, 19))
        start = int(rng.integers(0, max(1, len(line) - length + 1)))
        return line[start : start + length]
    # Uniform strings with filler runs so that no position prior (e.g. '<' after letters) is learnt.
    length = int(rng.integers(5, 19))
    chars: list[str] = []
    while len(chars) < length:
        if rng.random() < 0.15:
            chars.extend("<" * int(rng.integers(2, 8)))
        else:
            chars.append(str(rng.choice(list(MRZ_ALPHABET))))
    return "".join(chars[:length])


def _font_choice(rng: np.random.Generator) -> tuple[str, float]:
    """A font path and the ratio of cap height to font size."""
    if rng.random() < 0.15:
        path, ratio = _OTHER_FONTS[int(rng.integers(0, len(_OTHER_FONTS)))]
        return str(path), ratio
    return str(ocrb_font_path()), 0.72


def _draw_row(
    draw: ImageDraw.ImageDraw,
    text: str,
    x: float,
    y_cap_top: float,
    pitch: float,
    font: ImageFont.FreeTypeFont,
    ink: int,
) -> None:
    top_offset = font.getbbox("H")[1]
    for i, char in enumerate(text):
        draw.text((x + i * pitch, y_cap_top - top_offset), char, font=font, fill=ink)


def _background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    level = rng.uniform(110, 250)
    bg = np.full((height, width), level, np.float32)
    # Uneven light: a smooth ramp across the crop.
    bg += rng.uniform(-40, 40) * (xs / width - 0.5) + rng.uniform(-25, 25) * (ys / height - 0.5)
    if rng.random() < 0.6:  # guilloche / security print waves
        period = rng.uniform(6, 30)
        bg += rng.uniform(3, 28) * np.sin(
            xs / period * np.cos(rng.uniform(0, np.pi))
            + ys / period * rng.uniform(-1, 1)
            + rng.uniform(1, 5) * np.sin(ys / rng.uniform(10, 40))
        )
    if rng.random() < 0.3:  # fine paper grain
        grain = rng.normal(0, rng.uniform(2, 10), (height // 3 + 1, width // 3 + 1)).astype(
            np.float32
        )
        bg += cv2.resize(grain, (width, height), interpolation=cv2.INTER_LINEAR)
    return bg


def _surroundings(
    rng: np.random.Generator,
    draw: ImageDraw.ImageDraw,
    text: str,
    margin_l: float,
    y_line: float,
    pitch: float,
    cap: float,
    width: int,
    height: int,
) -> None:
    """What photographed and scanned documents put around an MRZ line: the frame some cards
    print around the MRZ, text of a printed page the card lies on, a card edge or a stray
    glyph just before the line's first character."""
    if rng.random() < 0.12:  # boxed MRZ: rules above and below, sometimes the box's ends
        for direction in (-1, 1):
            if rng.random() < 0.7:
                y = y_line + cap / 2 + direction * cap * rng.uniform(0.8, 1.6)
                draw.line([(0, y), (width, y)], fill=255, width=int(rng.integers(1, 3)))
        if rng.random() < 0.5:
            x = margin_l - pitch * rng.uniform(0.3, 0.9)
            draw.line([(x, 0), (x, height)], fill=255, width=int(rng.integers(1, 3)))
    if rng.random() < 0.1:  # the printed page under a card: smaller text in another face
        page_font = _font(
            str(_OTHER_FONTS[int(rng.integers(0, len(_OTHER_FONTS)))][0]),
            max(8, round(cap * rng.uniform(0.5, 0.9))),
        )
        words = "".join(rng.choice(list("abcdefghijklmnoprstuvwy ,."), size=len(text) * 2))
        y = y_line + (-1 if rng.random() < 0.5 else 1) * cap * rng.uniform(1.1, 1.8)
        draw.text((rng.uniform(-pitch, pitch), y), words, font=page_font, fill=255)
    if rng.random() < 0.08:  # a stray glyph or a card edge just before the line
        x = margin_l - pitch * rng.uniform(0.5, 1.2)
        if rng.random() < 0.5:
            draw.line([(x, y_line - cap), (x, y_line + 2 * cap)], fill=255, width=2)
        else:
            stray = _font(str(ocrb_font_path()), round(cap / 0.72))
            draw.text(
                (x - pitch, y_line - stray.getbbox("H")[1]),
                str(rng.choice(list("|.,'-"))),
                font=stray,
                fill=255,
            )


def make_line_sample(rng: np.random.Generator, photographed: bool = False) -> LineSample:
    """One sample. `photographed` adds what photographs and scans of documents bring (boxes,
    page text, stray glyphs, tinted bands, out-of-plane foreshortening, screenshots, lines
    dense in H/N, L/I, F/E); without it the draws are exactly those the committed model
    (seed 20261128) was trained on."""
    text = _random_text(rng, photographed)
    font_path, cap_ratio = _font_choice(rng)
    cap = _RENDER_CAP
    font = _font(font_path, round(cap / cap_ratio))
    pitch = cap * rng.uniform(0.95, 1.25)
    gap = cap * rng.uniform(1.45, 2.2)  # baseline-to-baseline distance between MRZ lines
    margin_l = pitch * rng.uniform(0.4, 2.5)
    margin_r = pitch * rng.uniform(0.4, 2.5)
    width = int(margin_l + pitch * len(text) + margin_r)
    height = int(gap * 2 + cap * 3)
    y_line = (height - cap) / 2

    paper = _background(rng, height, width)
    ink_mask_img = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(ink_mask_img)
    _draw_row(draw, text, margin_l, y_line, pitch, font, 255)
    for direction in (-1, 1):  # neighbouring MRZ lines, sometimes absent (first/last line)
        if rng.random() < 0.7:
            neighbour = "".join(rng.choice(list(MRZ_ALPHABET), size=len(text) + 4))
            _draw_row(
                draw, neighbour, margin_l - 2 * pitch, y_line + direction * gap, pitch, font, 255
            )
    if photographed:
        _surroundings(rng, draw, text, margin_l, y_line, pitch, cap, width, height)
    mask = np.asarray(ink_mask_img, np.float32) / 255.0
    if rng.random() < 0.3:  # ink bleed or thin print
        kernel = np.ones((3, 3), np.uint8)
        op = cv2.dilate if rng.random() < 0.5 else cv2.erode
        mask = np.asarray(op(mask, kernel, iterations=int(rng.integers(1, 3))), np.float32)
    if rng.random() < 0.4:  # print texture: ink that did not take everywhere
        holes = rng.uniform(0.6, 1.0, (height // 4 + 1, width // 4 + 1)).astype(np.float32)
        mask *= cv2.resize(holes, (width, height), interpolation=cv2.INTER_NEAREST)
    if photographed and rng.random() < 0.15:
        # A tinted MRZ band or coloured security print: in the brightest channel the reader
        # uses it is a darker, lower-contrast background.
        paper = paper * rng.uniform(0.55, 0.85) + rng.uniform(-10, 10)
    paper_level = float(np.median(paper))
    ink = rng.uniform(0, max(5.0, paper_level - (60 if photographed else 70)))
    image = paper * (1 - mask) + ink * mask

    # Perspective and skew: move the corners a little.
    src = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    jitter = rng.normal(0, 0.02, (4, 2)) * np.array([width, height], np.float32)
    jitter[:, 0] *= 0.3
    # Residual skew after the reader's deskewing is small.
    skew = 1.5 if photographed else 1.0
    jitter[1:3, 1] += np.tan(np.radians(rng.uniform(-skew, skew))) * width
    if photographed and rng.random() < 0.25:
        # A document photographed out of plane: one end of the line higher than the other.
        squeeze = rng.uniform(-0.22, 0.22) * height / 2
        end = int(rng.integers(0, 2))
        (top, bottom) = (1, 2) if end else (0, 3)
        jitter[top, 1] += squeeze
        jitter[bottom, 1] -= squeeze
    dst = (src + jitter).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    image = cv2.warpPerspective(image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)
    mid = cv2.perspectiveTransform(np.array([[[width / 2, height / 2]]], np.float32), matrix)[0, 0]

    # Crop as the reader does: glyph height 45-75 % of the crop height, centre jittered.
    crop_h = cap / rng.uniform(0.45, 0.75)
    centre = float(mid[1]) + rng.uniform(-0.12, 0.12) * crop_h
    y0 = int(max(0, centre - crop_h / 2))
    y1 = int(min(height, centre + crop_h / 2))
    image = image[y0:y1]

    if rng.random() < 0.3:  # glare: a bright washed-out spot
        gh, gw = image.shape
        cy, cx = rng.uniform(0, gh), rng.uniform(0, gw)
        ys, xs = np.mgrid[0:gh, 0:gw].astype(np.float32)
        radius = rng.uniform(0.3, 1.5) * gh
        spot = np.exp(-((ys - cy) ** 2 + (xs - cx) ** 2) / (2 * radius**2))
        strength = rng.uniform(0.3, 0.85)
        image = image * (1 - strength * spot) + 255 * strength * spot

    # Low resolution: glyphs between 5 and 30 px high in the camera image; small glyphs (a
    # whole passport page in a few hundred pixels) are where the look-alikes blur together.
    roll = rng.random()
    target_cap = (
        rng.uniform(5, 11)
        if roll < 0.3
        else rng.uniform(9, 18)
        if roll < 0.55
        else rng.uniform(5, 30)
    )
    factor = target_cap / cap
    small_size = (max(8, round(image.shape[1] * factor)), max(4, round(image.shape[0] * factor)))
    if photographed and rng.random() < 0.06:
        # A screenshot: resampled without blur or noise, then scaled again by the viewer.
        image = cv2.resize(image, small_size, interpolation=cv2.INTER_NEAREST)
        again = rng.uniform(0.8, 1.6)
        image = cv2.resize(
            image,
            (max(8, round(small_size[0] * again)), max(4, round(small_size[1] * again))),
            interpolation=cv2.INTER_LINEAR,
        )
        return LineSample(normalise_line(np.clip(image, 0, 255).astype(np.uint8)), text)
    sigma = rng.uniform(0.0, 1.6) * (cap / target_cap) * 0.6
    if sigma > 0.3:
        image = cv2.GaussianBlur(image, (0, 0), sigma)
    image = cv2.resize(image, small_size, interpolation=cv2.INTER_AREA)
    if rng.random() < 0.15:  # motion blur
        k = int(rng.integers(2, 4))
        image = cv2.blur(image, (k, 1))
    image = image + rng.normal(0, rng.uniform(0, 14), image.shape)
    image_u8 = np.clip(image, 0, 255).astype(np.uint8)
    if rng.random() < 0.6:
        quality = int(rng.integers(15, 90))
        ok, buf = cv2.imencode(".jpg", image_u8, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok:
            image_u8 = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    return LineSample(normalise_line(image_u8), text)


def held_out_set(seed: int, count: int, photographed: bool = False) -> list[LineSample]:
    rng = np.random.default_rng(seed)
    return [make_line_sample(rng, photographed) for _ in range(count)]


__all__ = ["HELD_OUT_SEED", "LINE_HEIGHT", "LineSample", "held_out_set", "make_line_sample"]
