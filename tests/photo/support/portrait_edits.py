"""Controlled edits of a real photograph for the appearance rules' tests (glasses, headgear,
ears, lighting, background) and the regression tests of fixed false alarms.

The base is scikit-image's `astronaut` (public domain, NASA): the head and shoulders, enlarged
so the inter-eye distance is ~100 px, with the busy background replaced by a plain light grey
(the person is separated with OpenCV's GrabCut, seeded by a box around the head and shoulders).
She wears no glasses and no hat and her lighting is even, so each edit below breaks one rule.
Edits are placed at the landmark positions found on the base by the real face analysis.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from PIL import Image

from verifier.decode import decode_image
from verifier.photo import landmarks as lm
from verifier.photo.analysis import analyse
from verifier.policy import default_policy

LIGHT_GREY = (212, 212, 210)
CROP = (110, 0, 400, 300)  # x0, y0, x1, y1 in the 512 px astronaut: head, neck ring, shoulders
ENLARGE = 2.5


@dataclass(frozen=True)
class Base:
    rgb: np.ndarray  # the edited-from portrait
    person: np.ndarray  # bool mask of the person (GrabCut)
    points: np.ndarray  # (478, 2) landmarks in pixels


def encode(rgb: np.ndarray, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, fmt)
    return buffer.getvalue()


def landmarks_of(rgb: np.ndarray) -> np.ndarray:
    analysis = analyse(decode_image(encode(rgb), default_policy().decode))
    assert analysis.main is not None, "the test base must show a face"
    scale = rgb.shape[1] / analysis.image.width
    return analysis.main.points[:, :2] * scale


def _person_mask(rgb: np.ndarray) -> np.ndarray:
    """GrabCut at half size, seeded with the face and the suit's shoulders as sure foreground."""
    small = cv2.resize(rgb, (rgb.shape[1] // 2, rgb.shape[0] // 2), interpolation=cv2.INTER_AREA)
    h, w = small.shape[:2]
    seed = np.full((h, w), cv2.GC_PR_BGD, dtype=np.uint8)
    cv2.rectangle(seed, (int(w * 0.05), 0), (int(w * 0.95), h), cv2.GC_PR_FGD, -1)
    seed[:, : int(w * 0.03)] = cv2.GC_BGD
    seed[:2, :] = cv2.GC_BGD
    seed[: int(h * 0.8), int(w * 0.8) :] = cv2.GC_BGD  # the shuttle
    cv2.ellipse(
        seed,
        (int(w * 0.47), int(h * 0.33)),
        (int(w * 0.17), int(h * 0.2)),
        0,
        0,
        360,
        cv2.GC_FGD,
        -1,
    )
    cv2.rectangle(seed, (int(w * 0.15), int(h * 0.85)), (int(w * 0.75), h), cv2.GC_FGD, -1)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    bgr = np.ascontiguousarray(small[..., ::-1])
    cv2.grabCut(bgr, seed, None, bgd, fgd, 3, cv2.GC_INIT_WITH_MASK)  # type: ignore[call-overload]
    person: np.ndarray = np.isin(seed, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
    # Keep the largest blob and close small holes: GrabCut leaves specks on the busy backdrop.
    count, labels, stats, _ = cv2.connectedComponentsWithStats(person)
    if count > 1:
        person = (labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))).astype(np.uint8)
    person = cv2.morphologyEx(person, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    # Above the neck ring only the head belongs to the person.
    head = np.zeros((h, w), dtype=np.uint8)
    cv2.ellipse(
        head, (int(w * 0.47), int(h * 0.3)), (int(w * 0.27), int(h * 0.32)), 0, 0, 360, 1, -1
    )
    outside_head_above_neck = np.zeros((h, w), dtype=bool)
    outside_head_above_neck[: int(h * 0.45)] = True
    outside_head_above_neck &= head == 0
    person = np.where(outside_head_above_neck, 0, person).astype(np.uint8)
    return np.asarray(
        cv2.resize(person, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_NEAREST) > 0
    )


@cache
def base() -> Base:
    from skimage import data

    x0, y0, x1, y1 = CROP
    crop = np.asarray(data.astronaut())[y0:y1, x0:x1]
    big = cv2.resize(crop, None, fx=ENLARGE, fy=ENLARGE, interpolation=cv2.INTER_CUBIC)
    person = _person_mask(big)
    plain = replace_background(big, person, np.full_like(big, LIGHT_GREY))
    return Base(plain, person, landmarks_of(plain))


@cache
def darker_base() -> Base:
    """The same person with darker skin: the light and the edits then act on darker skin."""
    b = base()
    return Base(darker_skin(b.rgb, b.points), b.person, b.points)


def replace_background(rgb: np.ndarray, person: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    alpha = cv2.GaussianBlur(person.astype(np.float32), (0, 0), 1.5)[..., None]
    return (rgb * alpha + backdrop * (1 - alpha)).astype(np.uint8)


def _pt(points: np.ndarray, index: int) -> tuple[int, int]:
    x, y = points[index]
    return round(float(x)), round(float(y))


def _ied(points: np.ndarray) -> float:
    right = (points[lm.RIGHT_EYE_OUTER] + points[lm.RIGHT_EYE_INNER]) / 2
    left = (points[lm.LEFT_EYE_OUTER] + points[lm.LEFT_EYE_INNER]) / 2
    return float(np.linalg.norm(left - right))


def _eye_centres(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    right = (points[lm.RIGHT_EYE_OUTER] + points[lm.RIGHT_EYE_INNER]) / 2
    left = (points[lm.LEFT_EYE_OUTER] + points[lm.LEFT_EYE_INNER]) / 2
    return right, left


def glasses(
    b: Base, *, dark_lenses: bool = False, colour: tuple[int, int, int] = (25, 20, 20)
) -> np.ndarray:
    """Spectacle frames (two rims, a bridge and temple arms) drawn at the eyes."""
    out = b.rgb.copy()
    ied = _ied(b.points)
    thickness = max(2, round(ied * 0.06))
    axes = (round(ied * 0.36), round(ied * 0.26))
    for centre in _eye_centres(b.points):
        c = (round(float(centre[0])), round(float(centre[1])))
        if dark_lenses:
            lens = out.copy()
            cv2.ellipse(lens, c, axes, 0, 0, 360, (15, 15, 18), -1, cv2.LINE_AA)
            out = cv2.addWeighted(lens, 0.9, out, 0.1, 0)
        cv2.ellipse(out, c, axes, 0, 0, 360, colour, thickness, cv2.LINE_AA)
    right, left = _eye_centres(b.points)
    y = round(float((right[1] + left[1]) / 2 - ied * 0.05))
    cv2.line(
        out,
        (round(float(right[0]) + axes[0]), y),
        (round(float(left[0]) - axes[0]), y),
        colour,
        thickness,
        cv2.LINE_AA,
    )
    for centre, edge, sign in ((right, lm.RIGHT_FACE_EDGE, -1), (left, lm.LEFT_FACE_EDGE, 1)):
        start = (round(float(centre[0]) + sign * axes[0]), round(float(centre[1]) - ied * 0.05))
        end = (round(float(b.points[edge][0])), round(float(centre[1])))
        cv2.line(out, start, end, colour, thickness, cv2.LINE_AA)
    return out


def cap(b: Base, colour: tuple[int, int, int] = (30, 60, 160)) -> np.ndarray:
    """A baseball cap: a crown dome over the top of the head and a brim over the upper forehead."""
    out = b.rgb.copy()
    ied = _ied(b.points)
    top = b.points[lm.FOREHEAD_TOP]
    cx, cy = float(top[0]), float(top[1])
    dome_centre = (round(cx), round(cy - ied * 0.1))
    cv2.ellipse(
        out,
        dome_centre,
        (round(ied * 1.35), round(ied * 1.3)),
        0,
        180,
        360,
        colour,
        -1,
        cv2.LINE_AA,
    )
    brim = np.array(
        [
            [cx - ied * 1.3, cy - ied * 0.15],
            [cx + ied * 1.3, cy - ied * 0.15],
            [cx + ied * 1.1, cy + ied * 0.2],
            [cx - ied * 1.1, cy + ied * 0.2],
        ]
    )
    cv2.fillPoly(
        out, [np.round(brim).astype(np.int32)], tuple(int(v * 0.8) for v in colour), cv2.LINE_AA
    )
    return out


def scarf(b: Base, colour: tuple[int, int, int] = (235, 228, 214)) -> np.ndarray:
    """A headscarf: light fabric over the head and down both sides, the face oval left free."""
    out = b.rgb.copy()
    ied = _ied(b.points)
    chin = b.points[lm.CHIN]
    top = b.points[lm.FOREHEAD_TOP]
    centre = (round(float(top[0])), round(float((top[1] + chin[1]) / 2)))
    cloth = np.zeros(out.shape[:2], dtype=np.uint8)
    cv2.ellipse(cloth, centre, (round(ied * 1.7), round(ied * 2.6)), 0, 0, 360, 255, -1)
    face: np.ndarray = np.zeros_like(cloth)
    oval = np.round(b.points[list(lm.FACE_OVAL)]).astype(np.int32)
    cv2.fillPoly(face, [oval], 255)
    face = cv2.dilate(face, np.ones((3, 3), np.uint8))
    # Keep the upper forehead covered, as a scarf does.
    cv2.rectangle(face, (0, 0), (out.shape[1], round(float(top[1]) + ied * 0.25)), 0, -1)
    cover = (cloth > 0) & (face == 0)
    out[cover] = colour
    return out


def hair_over_ears(b: Base, colour: tuple[int, int, int] = (70, 45, 25)) -> np.ndarray:
    """Hair-coloured locks over both ears, from above the eyes to below the nose."""
    out = b.rgb.copy()
    ied = _ied(b.points)
    for edge, sign in ((lm.RIGHT_FACE_EDGE, -1), (lm.LEFT_FACE_EDGE, 1)):
        x, y = b.points[edge]
        x0, x1 = sorted((x - sign * ied * 0.08, x + sign * ied * 0.45))
        cv2.rectangle(
            out,
            (round(float(x0)), round(float(y - ied * 0.8))),
            (round(float(x1)), round(float(y + ied * 0.9))),
            colour,
            -1,
        )
    return out


def half_face_shadow(b: Base, factor: float = 0.18) -> np.ndarray:
    """Light from one side: the image-left half of the face (soft edge at the nose) darkened."""
    w = b.rgb.shape[1]
    nose_x = float(b.points[lm.NOSE_TIP][0])
    ied = _ied(b.points)
    xs = np.arange(w, dtype=np.float32)
    ramp = np.clip((xs - (nose_x - ied * 0.15)) / (ied * 0.3), 0, 1)  # 0 left of the nose, 1 right
    gain = factor + (1 - factor) * ramp
    return np.clip(b.rgb.astype(np.float32) * gain[None, :, None], 0, 255).astype(np.uint8)


def flash_hot_spot(b: Base) -> np.ndarray:
    """Flash glare: a clipped white patch on the forehead and nose bridge."""
    ied = _ied(b.points)
    centre = (b.points[lm.NOSE_BRIDGE] + b.points[lm.FOREHEAD_TOP]) / 2
    h, w = b.rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    blob = np.exp(-(((xx - centre[0]) ** 2) + ((yy - centre[1]) ** 2)) / (2 * (ied * 0.3) ** 2))
    return np.clip(b.rgb.astype(np.float32) + 400 * blob[..., None], 0, 255).astype(np.uint8)


def darker_skin(rgb: np.ndarray, points: np.ndarray, factor: float = 0.35) -> np.ndarray:
    """The same photo with the person's visible skin (face, ears, neck) darkened, soft-edged.

    Skin is found by colour (the cheeks' hue, within a generous box around the head), so the
    ears and neck darken with the face as they would on a darker-skinned person.
    """
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab).astype(np.float32)
    ied = _ied(points)
    cheek = points[lm.RIGHT_CHEEK]
    ref = lab[round(float(cheek[1])), round(float(cheek[0]))]
    distance = np.hypot(lab[..., 1] - ref[1], lab[..., 2] - ref[2])
    region = np.zeros(rgb.shape[:2], dtype=np.uint8)
    chin, top = points[lm.CHIN], points[lm.FOREHEAD_TOP]
    x0 = round(float(points[lm.RIGHT_FACE_EDGE][0] - ied * 0.5))
    x1 = round(float(points[lm.LEFT_FACE_EDGE][0] + ied * 0.5))
    cv2.rectangle(
        region, (x0, round(float(top[1]))), (x1, round(float(chin[1] + ied * 0.6))), 255, -1
    )
    skin = ((distance < 9) & (region > 0)).astype(np.float32)
    soft = cv2.GaussianBlur(skin, (0, 0), 2)[..., None]
    gain = 1 - (1 - factor) * soft
    return np.clip(rgb.astype(np.float32) * gain, 0, 255).astype(np.uint8)


def busy_background(b: Base) -> np.ndarray:
    """A real busy scene behind the person: scikit-image's `coffee` photo (café, cup, table)."""
    from skimage import data

    h, w = b.rgb.shape[:2]
    scene = cv2.resize(np.asarray(data.coffee()), (w, h), interpolation=cv2.INTER_AREA)
    return replace_background(b.rgb, b.person, scene)


def coloured_background(b: Base, colour: tuple[int, int, int]) -> np.ndarray:
    return replace_background(b.rgb, b.person, np.full_like(b.rgb, colour))


def shadow_beside_head(b: Base, offset_ied: float = 0.45, depth: float = 0.55) -> np.ndarray:
    """Light background with the person's own shadow cast on it, offset to the image-right."""
    ied = _ied(b.points)
    shift = np.array([[1, 0, ied * offset_ied], [0, 1, ied * 0.1]], dtype=np.float32)
    h, w = b.rgb.shape[:2]
    shadow = cv2.warpAffine(b.person.astype(np.float32), shift, (w, h))
    shadow = cv2.GaussianBlur(shadow, (0, 0), ied * 0.06)
    wall = np.full_like(b.rgb, LIGHT_GREY).astype(np.float32) * (1 - depth * shadow[..., None])
    return replace_background(b.rgb, b.person, wall.astype(np.uint8))


def recolour_hair(b: Base, colour: tuple[int, int, int]) -> np.ndarray:
    """The hair above the face given another colour, its light and shade kept.

    Hair is the person (GrabCut) above the eyebrows and outside the face oval. Each pixel takes
    `colour` scaled by its own brightness relative to the hair's mean, so strands stay visible.
    """
    out = b.rgb.copy()
    ied = _ied(b.points)
    face: np.ndarray = np.zeros(out.shape[:2], dtype=np.uint8)
    cv2.fillPoly(face, [np.round(b.points[list(lm.FACE_OVAL)]).astype(np.int32)], 255)
    face = cv2.dilate(face, np.ones((5, 5), np.uint8))
    right, left = _eye_centres(b.points)
    brow_line = float(min(right[1], left[1]) - ied * 0.4)
    rows = np.arange(out.shape[0])[:, None]
    hair = b.person & (face == 0) & (rows < brow_line)
    grey = out.astype(np.float32).mean(axis=2)
    gain = grey[hair] / max(float(grey[hair].mean()), 1.0)
    out[hair] = np.clip(np.array(colour, dtype=np.float32)[None, :] * gain[:, None], 0, 255).astype(
        np.uint8
    )
    return out


WHITE_WALL = (246, 246, 244)


def big_dark_hair(b: Base, colour: tuple[int, int, int] = (28, 20, 16)) -> np.ndarray:
    """Voluminous dark curly hair (an afro-like volume, about twice the face's width and reaching
    well above the crown and down to the jaw) in front of a white wall: the case the landmark-placed
    head ellipse read as a dark background. The hair has strand-scale texture and a ragged rim,
    the face oval stays free."""
    ied = _ied(b.points)
    h, w = b.rgb.shape[:2]
    chin, top = b.points[lm.CHIN], b.points[lm.FOREHEAD_TOP]
    centre = (round(float(top[0])), round(float(top[1] + (chin[1] - top[1]) * 0.05)))
    volume = np.zeros((h, w), dtype=np.uint8)
    cv2.ellipse(volume, centre, (round(ied * 2.0), round(ied * 2.1)), 0, 0, 360, 255, -1)
    rng = np.random.default_rng(17)
    # A ragged rim: small tufts along the outline.
    for angle in np.linspace(0, 2 * np.pi, 90, endpoint=False):
        x = centre[0] + np.cos(angle) * ied * 2.0
        y = centre[1] + np.sin(angle) * ied * 2.1
        cv2.circle(volume, (round(x), round(y)), round(ied * rng.uniform(0.08, 0.2)), 255, -1)
    volume[round(float(chin[1] - ied * 0.3)) :, :] = 0  # above the jaw line only
    face: np.ndarray = np.zeros_like(volume)
    cv2.fillPoly(face, [np.round(b.points[list(lm.FACE_OVAL)]).astype(np.int32)], 255)
    cv2.rectangle(face, (0, 0), (w, round(float(top[1]) + ied * 0.15)), 0, -1)  # hairline
    hair = (volume > 0) & (face == 0)
    coarse = rng.normal(0, 1, (h // 3 + 1, w // 3 + 1)).astype(np.float32)
    curls = np.asarray(cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR))[..., None]
    strands = np.clip(np.array(colour, dtype=np.float32) * (1 + 0.45 * curls), 0, 255)
    wall = np.full_like(b.rgb, WHITE_WALL).astype(np.float32)
    out = replace_background(b.rgb, b.person | hair, wall.astype(np.uint8)).astype(np.float32)
    alpha = cv2.GaussianBlur(hair.astype(np.float32), (0, 0), 1.0)[..., None]
    return np.asarray(out * (1 - alpha) + strands * alpha, dtype=np.float32).astype(np.uint8)


def heavy_brows(b: Base, colour: tuple[int, int, int] = (26, 19, 15)) -> np.ndarray:
    """Heavy, dark brows that meet above the nose (a unibrow): each brow filled between its upper
    and lower landmark edges and thickened, and a band of brow hair joining their inner ends. The
    case `no_glasses` read as a frame's bridge and arms."""
    out = b.rgb.copy()
    ied = _ied(b.points)
    mask = np.zeros(out.shape[:2], dtype=np.uint8)
    thick = max(2, round(ied * 0.06))
    for upper, lower in ((lm.RIGHT_BROW, lm.RIGHT_BROW_LOWER), (lm.LEFT_BROW, lm.LEFT_BROW_LOWER)):
        outline = np.vstack([b.points[list(upper)], b.points[list(lower)][::-1]])
        cv2.fillPoly(mask, [np.round(outline).astype(np.int32)], 255)
        cv2.polylines(mask, [np.round(outline).astype(np.int32)], True, 255, thickness=thick)
    inner = np.array(
        [
            b.points[lm.RIGHT_BROW[-1]],
            b.points[lm.LEFT_BROW[-1]],
            b.points[lm.LEFT_BROW_LOWER[-1]],
            b.points[lm.RIGHT_BROW_LOWER[-1]],
        ]
    )
    cv2.fillPoly(mask, [np.round(inner).astype(np.int32)], 255)
    alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), ied * 0.02)[..., None]
    rng = np.random.default_rng(5)
    hairs = rng.normal(0, 1, out.shape[:2]).astype(np.float32)[..., None]
    brow = np.clip(np.array(colour, dtype=np.float32) * (1 + 0.3 * hairs), 0, 255)
    return np.asarray(out * (1 - alpha) + brow * alpha).astype(np.uint8)
