"""PhotoVerdict: what the portrait check hands to the CLI, the queue and the portal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from verifier.verdict import RuleResult, Status, combine, stored_results


@dataclass
class PhotoVerdict:
    status: Status
    results: list[RuleResult]
    policy_version: str
    source_size: tuple[int, int] | None = None
    source_format: str | None = None
    was_grayscale: bool = False
    unreadable_code: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    # The card portrait (RGB, 7:9); not part of to_dict(): store it with card_crop_jpeg().
    card_crop: np.ndarray | None = field(default=None, repr=False)

    @staticmethod
    def from_results(results: list[RuleResult], policy_version: str, **kwargs: Any) -> PhotoVerdict:
        return PhotoVerdict(combine(r.status for r in results), results, policy_version, **kwargs)

    @property
    def failed(self) -> list[RuleResult]:
        return [r for r in self.results if r.status is Status.FAIL]

    @property
    def borderline(self) -> list[RuleResult]:
        return [r for r in self.results if r.status is Status.REVIEW]

    def result(self, rule: str) -> RuleResult | None:
        return next((r for r in self.results if r.rule == rule), None)

    def card_crop_jpeg(self, quality: int = 92) -> bytes | None:
        if self.card_crop is None:
            return None
        ok, encoded = cv2.imencode(
            ".jpg",
            cv2.cvtColor(self.card_crop, cv2.COLOR_RGB2BGR),
            [cv2.IMWRITE_JPEG_QUALITY, quality],
        )
        return encoded.tobytes() if ok else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "photo",
            "status": str(self.status),
            "policy_version": self.policy_version,
            "source_size": list(self.source_size) if self.source_size else None,
            "source_format": self.source_format,
            "was_grayscale": self.was_grayscale,
            "unreadable_code": self.unreadable_code,
            "has_card_crop": self.card_crop is not None,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "results": [r.to_dict() for r in self.results],
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> PhotoVerdict:
        size = data.get("source_size")
        return PhotoVerdict(
            status=Status(data["status"]),
            results=[RuleResult.from_dict(r) for r in stored_results(data)],
            policy_version=data["policy_version"],
            source_size=(int(size[0]), int(size[1])) if size else None,
            source_format=data.get("source_format"),
            was_grayscale=bool(data.get("was_grayscale", False)),
            unreadable_code=data.get("unreadable_code"),
            timings_ms=dict(data.get("timings_ms", {})),
        )
