"""Draws why: landmarks, the regions each failing or borderline rule looked at, and the card crop
outline, so an uploader or a reviewer sees the problem on the photo."""

from __future__ import annotations

import cv2
import numpy as np

from verifier.photo.check import PhotoCheck, check_photo_detailed
from verifier.photo.verdict import PhotoVerdict
from verifier.policy import Policy, default_policy
from verifier.verdict import Region, Status

_COLOURS = {Status.FAIL: (220, 40, 40), Status.REVIEW: (245, 165, 0), Status.PASS: (40, 170, 80)}
_LANDMARK_COLOUR = (90, 200, 255)


def _draw_region(
    canvas: np.ndarray, region: Region, colour: tuple[int, int, int], thickness: int
) -> None:
    pts = np.round(np.array(region.points, dtype=np.float64)).astype(np.int32)
    if len(pts) == 0:
        return
    if region.kind == "box" and len(pts) >= 2:
        cv2.rectangle(canvas, tuple(pts[0]), tuple(pts[1]), colour, thickness, cv2.LINE_AA)
    elif region.kind == "polygon":
        cv2.polylines(canvas, [pts], True, colour, thickness, cv2.LINE_AA)
    elif region.kind == "line":
        cv2.polylines(canvas, [pts], False, colour, thickness, cv2.LINE_AA)
    else:
        for p in pts:
            cv2.circle(canvas, tuple(p), max(2, thickness + 1), colour, -1, cv2.LINE_AA)
    if region.label:
        x, y = int(pts[:, 0].min()), max(int(pts[:, 1].min()) - 6, 14)
        scale = max(0.45, thickness * 0.25)
        weight = max(1, thickness // 2)
        # A white halo keeps the label legible on any background.
        for ink, width in (((255, 255, 255), weight + 3), (colour, weight)):
            cv2.putText(
                canvas,
                region.label,
                (x, y),
                cv2.FONT_HERSHEY_SIMPLEX,
                scale,
                ink,
                width,
                cv2.LINE_AA,
            )


def draw(check: PhotoCheck, *, show_passing: bool = False) -> np.ndarray | None:
    """The working image with the analysis drawn on it (None when the upload was unreadable)."""
    if check.analysis is None:
        return None
    canvas = check.analysis.rgb.copy()
    thickness = max(1, round(max(canvas.shape[:2]) / 400))
    face = check.analysis.main
    if face is not None:
        for x, y in face.points[:468:3, :2]:
            cv2.circle(canvas, (int(x), int(y)), max(1, thickness // 2), _LANDMARK_COLOUR, -1)
    if check.card_crop is not None:
        corners = np.round(np.array(check.card_crop.corners)).astype(np.int32)
        cv2.polylines(canvas, [corners], True, (255, 255, 255), thickness, cv2.LINE_AA)
    for result in check.verdict.results:
        if result.status is Status.PASS and not show_passing:
            continue
        # One label per rule, on its first region: more text than that hides the face.
        for index, region in enumerate(result.regions):
            label = result.rule if index == 0 else ""
            _draw_region(
                canvas,
                Region(region.kind, region.points, label),
                _COLOURS[result.status],
                thickness,
            )
    return canvas


def encode_jpeg(rgb: np.ndarray, quality: int = 88) -> bytes:
    ok, encoded = cv2.imencode(
        ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    if not ok:  # pragma: no cover - encoding an RGB uint8 array does not fail
        raise RuntimeError("JPEG encoding failed")
    return encoded.tobytes()


def annotated_jpeg(
    data: bytes, verdict: PhotoVerdict | None = None, *, policy: Policy | None = None
) -> bytes | None:
    """The upload with the verdict's problems drawn on it; None when it cannot be decoded.

    Re-analyses the image: the stored verdict keeps numbers and regions, not pixels.
    The regions drawn are those of `verdict` when given (e.g. a stored one), else a fresh check's.
    """
    check = check_photo_detailed(data, policy=policy or default_policy())
    if check.analysis is None:
        return None
    if verdict is not None:
        check = PhotoCheck(verdict, check.analysis, check.card_crop)
    canvas = draw(check)
    return encode_jpeg(canvas) if canvas is not None else None
