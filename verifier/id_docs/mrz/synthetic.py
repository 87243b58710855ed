"""Synthetic identity documents with an OCR-B MRZ, from random but valid data (seeded).

Used by the tests (a TD1 card and a TD3 passport page with a portrait, printed fields and an MRZ
whose check digits are all valid) and by the recogniser's training script (the MRZ texts and the
OCR-B line rendering). Nothing here is meant to look like a real state's document.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from verifier.id_docs.mrz.check_digit import compute_check_digit

OCRB_FONT_PATHS = (
    Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf"),  # Debian fonts-ocr-b
    Path("/usr/share/fonts/truetype/ocr-b/OCRB.ttf"),
)
MRZ_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"

# Codes seen on real documents; the issuing state and nationality are drawn from these.
_STATES = (
    "NOR",
    "SWE",
    "DNK",
    "FIN",
    "ISL",
    "DEU",
    "POL",
    "LTU",
    "LVA",
    "EST",
    "ROU",
    "BGR",
    "UKR",
    "GBR",
    "IRL",
    "FRA",
    "ESP",
    "PRT",
    "ITA",
    "NLD",
    "BEL",
    "CZE",
    "SVK",
    "HUN",
    "HRV",
    "SRB",
    "BIH",
    "USA",
    "CAN",
    "AUS",
    "CHN",
    "IND",
    "PHL",
    "VNM",
    "THA",
    "TUR",
    "SYR",
    "ERI",
    "SOM",
    "UTO",
    "D<<",
    "GBD",
    "XXA",
    "UNK",
)
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"


class FontMissingError(RuntimeError):
    """The OCR-B font (Debian package fonts-ocr-b) is not installed."""


def ocrb_font_path() -> Path:
    for path in OCRB_FONT_PATHS:
        if path.is_file():
            return path
    raise FontMissingError("OCR-B font not found: apt-get install fonts-ocr-b (scripts/setup.sh)")


@lru_cache(maxsize=64)
def ocrb_font(size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(ocrb_font_path()), size_px)


@dataclass(frozen=True)
class Identity:
    surname: str
    given_names: str
    document_number: str
    issuing_state: str
    nationality: str
    birth: dt.date
    sex: str
    expiry: dt.date
    optional: str


def _name(rng: np.random.Generator, parts: int) -> str:
    words = []
    for _ in range(parts):
        length = int(rng.integers(2, 12))
        words.append("".join(rng.choice(list(_LETTERS), size=length)))
    return "<".join(words)


def random_identity(rng: np.random.Generator) -> Identity:
    """Random but valid holder data; names are sometimes long enough to be truncated."""
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 66)))
    expiry = dt.date(2020, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 15)))
    number_length = int(rng.integers(6, 10))
    number_chars = _DIGITS if rng.random() < 0.5 else _DIGITS + _LETTERS
    document_number = "".join(rng.choice(list(number_chars), size=number_length))
    if rng.random() < 0.5:
        document_number = str(rng.choice(list(_LETTERS))) + document_number[1:]
    optional_length = int(rng.integers(0, 12))
    optional = "".join(rng.choice(list(_DIGITS + "<"), size=optional_length))
    return Identity(
        surname=_name(rng, int(rng.integers(1, 3))),
        given_names=_name(rng, int(rng.integers(1, 4))),
        document_number=document_number,
        issuing_state=str(rng.choice(_STATES)),
        nationality=str(rng.choice(_STATES)),
        birth=birth,
        sex=str(rng.choice(["M", "F", "<"])),
        expiry=expiry,
        optional=optional,
    )


def _field(value: str, length: int) -> str:
    return (value + "<" * length)[:length]


def _yymmdd(date: dt.date) -> str:
    return date.strftime("%y%m%d")


def td3_lines(person: Identity, doc_type: str = "P<") -> list[str]:
    """The two 44-character lines of a passport (ICAO 9303 Part 4)."""
    name = _field(f"{person.surname}<<{person.given_names}", 39)
    line1 = _field(doc_type, 2) + _field(person.issuing_state, 3) + name
    number = _field(person.document_number, 9)
    birth = _yymmdd(person.birth)
    expiry = _yymmdd(person.expiry)
    optional = _field(person.optional, 14)
    optional_check = "<" if optional == "<" * 14 else compute_check_digit(optional)
    body = (
        number
        + compute_check_digit(number)
        + _field(person.nationality, 3)
        + birth
        + compute_check_digit(birth)
        + person.sex
        + expiry
        + compute_check_digit(expiry)
        + optional
        + optional_check
    )
    composite = body[0:10] + body[13:20] + body[21:43]
    return [line1, body + compute_check_digit(composite)]


def td2_lines(person: Identity, doc_type: str = "I<") -> list[str]:
    """The two 36-character lines of a TD2 document (ICAO 9303 Part 6)."""
    name = _field(f"{person.surname}<<{person.given_names}", 31)
    line1 = _field(doc_type, 2) + _field(person.issuing_state, 3) + name
    number = _field(person.document_number, 9)
    birth = _yymmdd(person.birth)
    expiry = _yymmdd(person.expiry)
    body = (
        number
        + compute_check_digit(number)
        + _field(person.nationality, 3)
        + birth
        + compute_check_digit(birth)
        + person.sex
        + expiry
        + compute_check_digit(expiry)
        + _field(person.optional, 7)
    )
    composite = body[0:10] + body[13:20] + body[21:35]
    return [line1, body + compute_check_digit(composite)]


def td1_lines(person: Identity, doc_type: str = "I<") -> list[str]:
    """The three 30-character lines of an ID card (ICAO 9303 Part 5)."""
    number = _field(person.document_number, 9)
    line1 = (
        _field(doc_type, 2)
        + _field(person.issuing_state, 3)
        + number
        + compute_check_digit(number)
        + _field(person.optional, 15)
    )
    birth = _yymmdd(person.birth)
    expiry = _yymmdd(person.expiry)
    line2 = (
        birth
        + compute_check_digit(birth)
        + person.sex
        + expiry
        + compute_check_digit(expiry)
        + _field(person.nationality, 3)
        + "<" * 11
    )
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    line2 += compute_check_digit(composite)
    line3 = _field(f"{person.surname}<<{person.given_names}", 30)
    return [line1, line2, line3]


def french_card_lines(
    person: Identity, issued: dt.date, department: str = "923", office: str = "932013"
) -> list[str]:
    """The two 36-character lines of the French identity card of 1988-2021 (not TD2): surname
    and issuing office on line 1; card number (issue YYMM, department, 5-digit sequence), given
    names, birth date, sex and a composite over both lines on line 2."""
    line1 = "IDFRA" + _field(person.surname, 25) + _field(office, 6)
    number = (
        issued.strftime("%y%m") + _field(department, 3) + person.document_number[-5:].rjust(5, "0")
    )
    birth = _yymmdd(person.birth)
    body = (
        number
        + compute_check_digit(number)
        + _field(person.given_names.replace("<", "<<"), 14)
        + birth
        + compute_check_digit(birth)
        + person.sex
    )
    return [line1, body + compute_check_digit(line1 + body)]


def random_mrz(rng: np.random.Generator, doc_format: str) -> list[str]:
    person = random_identity(rng)
    if doc_format == "TD1":
        return td1_lines(person, str(rng.choice(["I<", "ID", "IR", "AR", "C<"])))
    if doc_format == "TD2":
        return td2_lines(person, str(rng.choice(["I<", "ID", "IR", "P<", "V<"])))
    return td3_lines(person, str(rng.choice(["P<", "PP", "PD", "PO", "V<"])))


def render_text_line(text: str, cap_height_px: int, ink: int = 20, paper: int = 235) -> np.ndarray:
    """One OCR-B line on plain paper as a grey uint8 image, tight around the glyph row."""
    # OCR-B's capitals are about 0.72 em tall; the advance is about 0.72 em too.
    size = max(4, round(cap_height_px / 0.72))
    font = ocrb_font(size)
    width = int(np.ceil(font.getlength(text))) + 2
    ascent, descent = font.getmetrics()
    image = Image.new("L", (width, ascent + descent), paper)
    ImageDraw.Draw(image).text((1, 0), text, font=font, fill=ink)
    return np.asarray(image)


@dataclass(frozen=True)
class SyntheticDocument:
    rgb: np.ndarray
    doc_format: str
    lines: list[str]
    # The MRZ's bounding box in the image (x0, y0, x1, y1), for tests and drawing.
    mrz_box: tuple[int, int, int, int]


def _portrait(size: tuple[int, int]) -> Image.Image:
    from skimage import data  # skimage ships this photo; only the generator needs it

    face = Image.fromarray(data.astronaut()).crop((140, 20, 340, 260))
    return face.resize(size, Image.Resampling.LANCZOS)


def _paper(rng: np.random.Generator, width: int, height: int) -> Image.Image:
    """A light tinted background with faint guilloche-like waves, as security print has."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    tint = rng.uniform(215, 245, size=3)
    waves = np.sin(xs / rng.uniform(9, 20) + 6 * np.sin(ys / rng.uniform(30, 70)))
    base = tint[None, None, :] + 7 * waves[..., None]
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")


def _draw_fields(draw: ImageDraw.ImageDraw, x: int, y: int, person: Identity, step: int) -> None:
    label_font = ImageFont.load_default(size=max(8, step // 3))
    value_font = ImageFont.load_default(size=max(10, step // 2))
    rows = (
        ("Surname", person.surname.replace("<", " ")),
        ("Given names", person.given_names.replace("<", " ")),
        ("Nationality", person.nationality.replace("<", "")),
        ("Date of birth", person.birth.strftime("%d %b %Y").upper()),
        ("Sex", person.sex.replace("<", "X")),
        ("Date of expiry", person.expiry.strftime("%d %b %Y").upper()),
        ("Document no.", person.document_number),
    )
    for i, (label, value) in enumerate(rows):
        draw.text((x, y + i * step), label, font=label_font, fill=(90, 90, 110))
        draw.text((x, y + i * step + step // 3 + 1), value, font=value_font, fill=(20, 20, 30))


def _document(
    seed: int, doc_format: str, width: int, height: int, lines: list[str] | None = None
) -> SyntheticDocument:
    rng = np.random.default_rng(seed)
    person = random_identity(rng)
    if lines is None:
        lines = td1_lines(person) if doc_format == "TD1" else td3_lines(person)
    page = _paper(rng, width, height)
    draw = ImageDraw.Draw(page)
    # ICAO 9303: a 2.54 mm character pitch (the MRZ spans most of the width), glyphs ~2.3 mm.
    margin_x = round(width * 0.05)
    pitch = (width - 2 * margin_x) // len(lines[0])
    cap = round(pitch * 0.9)
    line_gap = round(cap * 1.75)
    mrz_height = line_gap * (len(lines) - 1) + cap
    mrz_y = height - round(height * 0.05) - mrz_height
    title_font = ImageFont.load_default(size=max(12, height // 18))
    title = "PASSPORT" if doc_format == "TD3" else "IDENTITY CARD"
    draw.text((margin_x, round(height * 0.04)), title, font=title_font, fill=(40, 40, 90))
    portrait_h = round((mrz_y - height * 0.2) * 0.95)
    portrait_w = round(portrait_h * 0.78)
    page.paste(_portrait((portrait_w, portrait_h)), (margin_x, round(height * 0.15)))
    _draw_fields(
        draw,
        margin_x * 2 + portrait_w,
        round(height * 0.16),
        person,
        max(12, (mrz_y - height // 5) // 8),
    )
    font = ocrb_font(max(4, round(cap / 0.72)))
    x0, y_top = margin_x, mrz_y
    glyph_top = font.getbbox("A")[1]
    for i, line in enumerate(lines):
        y = y_top + i * line_gap - glyph_top
        for j, char in enumerate(line):
            draw.text((x0 + j * pitch, y), char, font=font, fill=(25, 25, 30))
    x1 = x0 + pitch * len(lines[0])
    return SyntheticDocument(
        rgb=np.asarray(page, dtype=np.uint8).copy(),
        doc_format=doc_format,
        lines=lines,
        mrz_box=(x0, y_top, x1, y_top + mrz_height),
    )


def make_td1_card(seed: int, width: int = 1012) -> SyntheticDocument:
    """An ID card (85.6 x 54 mm) with portrait, printed fields and a 3x30 MRZ."""
    return _document(seed, "TD1", width, round(width * 54 / 85.6))


def make_td3_page(seed: int, width: int = 1250) -> SyntheticDocument:
    """A passport data page (125 x 88 mm) with portrait, printed fields and a 2x44 MRZ."""
    return _document(seed, "TD3", width, round(width * 88 / 125))


def make_document(lines: list[str], seed: int = 1, width: int | None = None) -> SyntheticDocument:
    """A document printing exactly these MRZ lines (right or wrong check digits alike): a
    passport page for 2x44, an ID card for 3x30 and 2x36."""
    doc_format = {(2, 44): "TD3", (3, 30): "TD1", (2, 36): "TD2"}[(len(lines), len(lines[0]))]
    if doc_format == "TD3":
        width = width or 1250
        return _document(seed, doc_format, width, round(width * 88 / 125), lines)
    width = width or 1012
    return _document(seed, doc_format, width, round(width * 54 / 85.6), lines)


def make_french_card(seed: int, width: int = 1012) -> SyntheticDocument:
    """A French identity card of the 1988-2021 model: a 2x36 MRZ in its own layout."""
    rng = np.random.default_rng(seed + 7919)
    person = random_identity(rng)
    issued = dt.date(1995, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 25)))
    lines = french_card_lines(person, issued)
    doc = _document(seed, "FRA_ID", width, round(width * 54 / 85.6), lines)
    return SyntheticDocument(doc.rgb, "FRA_ID", lines, doc.mrz_box)


def front_and_back_scan(front: np.ndarray, back: np.ndarray, dpi_scale: float = 1.0) -> np.ndarray:
    """One scanned page holding both sides of a card, one above the other on white paper."""
    h = max(front.shape[0], back.shape[0])
    w = max(front.shape[1], back.shape[1])
    pad = round(0.15 * w)
    page = np.full((2 * h + 3 * pad, w + 2 * pad, 3), 250, np.uint8)
    page[pad : pad + front.shape[0], pad : pad + front.shape[1]] = front
    top = 2 * pad + h
    page[top : top + back.shape[0], pad : pad + back.shape[1]] = back
    if dpi_scale != 1.0:
        size = (round(page.shape[1] * dpi_scale), round(page.shape[0] * dpi_scale))
        page = cv2.resize(page, size, interpolation=cv2.INTER_AREA)
    return page


def in_perspective(
    rgb: np.ndarray, degrees: float, about_vertical: bool, background: int = 255
) -> np.ndarray:
    """The image as a pinhole camera (focal length 1.2 x the long side) sees it when the page is
    turned `degrees` out of plane about its vertical or horizontal centre line, on a canvas of
    the background grey level holding every corner."""
    h, w = rgb.shape[:2]
    focal = 1.2 * max(h, w)
    theta = np.radians(degrees)
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64) - (w / 2, h / 2)
    projected = []
    for x, y in corners:
        if about_vertical:
            px, pz, py = x * np.cos(theta), x * np.sin(theta), y
        else:
            py, pz, px = y * np.cos(theta), y * np.sin(theta), x
        depth = focal + pz
        projected.append((focal * px / depth, focal * py / depth))
    dst = np.array(projected, np.float64)
    dst -= dst.min(axis=0)
    size = np.ceil(dst.max(axis=0)).astype(int) + 1
    matrix = cv2.getPerspectiveTransform(
        np.add(corners, (w / 2, h / 2)).astype(np.float32), dst.astype(np.float32)
    )
    return cv2.warpPerspective(
        rgb, matrix, (int(size[0]), int(size[1])), borderValue=(background,) * 3
    )
