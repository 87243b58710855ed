"""The reviewer's image overlay: the failing and borderline rules' regions as shapes over the
uploaded image, each rule with one numbered marker and its plain-word label in a legend beside
the image. Labels never sit on the image, so they cannot overlap each other or the face; the
markers are nudged apart where rules share a corner.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.rule_labels import rule_label


@dataclass(frozen=True)
class Shape:
    kind: str  # rect | polygon | polyline | points
    points: list[tuple[float, float]]

    @property
    def svg_points(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)

    @property
    def rect(self) -> tuple[float, float, float, float]:
        (x0, y0), (x1, y1) = self.points[0], self.points[-1]
        return min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0)


@dataclass(frozen=True)
class Mark:
    number: int
    rule: str
    status: str
    label: str
    shapes: list[Shape]
    badge: tuple[float, float]


@dataclass(frozen=True)
class Overlay:
    width: int
    height: int
    marks: list[Mark]

    @property
    def badge_radius(self) -> float:
        return max(self.width, self.height) / 45

    @property
    def stroke(self) -> float:
        return max(self.width, self.height) / 300


_KIND = {"box": "rect", "polygon": "polygon", "line": "polyline", "points": "points"}


def _anchor(shapes: list[Shape]) -> tuple[float, float]:
    xs = [x for s in shapes for x, _ in s.points]
    ys = [y for s in shapes for _, y in s.points]
    return min(xs), min(ys)


def overlay(
    verdict: dict[str, object] | None, results: list[dict[str, object]], lang: str
) -> Overlay | None:
    """The marks of the non-passing rules with regions, or None without a known image size."""
    size = (verdict or {}).get("source_size")
    if not isinstance(size, list | tuple) or len(size) != 2:
        return None
    width, height = int(size[0]), int(size[1])
    radius = max(width, height) / 45
    placed: list[tuple[float, float]] = []
    marks: list[Mark] = []
    for result in results:
        status = str(result.get("status"))
        regions = result.get("regions")
        if status == "pass" or not isinstance(regions, list) or not regions:
            continue
        shapes = [
            Shape(
                _KIND.get(str(r.get("kind")), "polygon"),
                [(float(x), float(y)) for x, y in r.get("points", [])],
            )
            for r in regions
            if isinstance(r, dict) and r.get("points")
        ]
        if not shapes:
            continue
        x, y = _anchor(shapes)
        x, y = min(max(x, radius), width - radius), min(max(y, radius), height - radius)
        # Nudge down the image until no earlier marker is within two radii.
        while any((x - px) ** 2 + (y - py) ** 2 < (2.2 * radius) ** 2 for px, py in placed):
            y += 2.2 * radius
            if y > height - radius:
                y, x = radius, min(x + 2.2 * radius, width - radius)
        placed.append((x, y))
        marks.append(
            Mark(
                number=len(marks) + 1,
                rule=str(result.get("rule")),
                status=status,
                label=rule_label(str(result.get("rule")), lang),
                shapes=shapes,
                badge=(x, y),
            )
        )
    return Overlay(width, height, marks)


def document_face_box(upload: object) -> tuple[float, float, float, float] | None:
    """The face-match region on an ID-document upload (x, y, width, height in source pixels)."""
    for result in getattr(upload, "rule_results", []):
        if result.get("rule") != "face_match":
            continue
        for region in result.get("regions") or []:
            points = region.get("points") if isinstance(region, dict) else None
            if points and len(points) >= 2:
                (x0, y0), (x1, y1) = points[0], points[-1]
                return min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0)
    return None


def face_crop_jpeg(image: bytes, box: tuple[float, float, float, float]) -> bytes:
    """The document's portrait: the face box with room for hair and chin, as a JPEG."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(image)) as source:
        x, y, w, h = box
        left, top = max(0.0, x - 0.45 * w), max(0.0, y - 0.6 * h)
        right, bottom = (
            min(float(source.width), x + 1.45 * w),
            min(float(source.height), y + 1.5 * h),
        )
        crop = source.convert("RGB").crop((int(left), int(top), int(right), int(bottom)))
        out = io.BytesIO()
        crop.save(out, "JPEG", quality=90)
        return out.getvalue()
