"""The plain-data result types every check returns (photo rules and identity documents alike)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal


class Status(StrEnum):
    PASS = "pass"
    REVIEW = "review"
    FAIL = "fail"


_SEVERITY = {Status.PASS: 0, Status.REVIEW: 1, Status.FAIL: 2}


def severity(status: Status) -> int:
    return _SEVERITY[status]


def combine(statuses: Iterable[Status]) -> Status:
    """`fail` if any fails, else `review` if any is borderline, else `pass`."""
    worst = Status.PASS
    for status in statuses:
        if _SEVERITY[status] > _SEVERITY[worst]:
            worst = status
    return worst


RegionKind = Literal["polygon", "box", "points", "line"]


@dataclass(frozen=True)
class Region:
    """An area of the image a rule looked at, in source-image pixels, for drawing."""

    kind: RegionKind
    points: tuple[tuple[float, float], ...]
    label: str = ""

    def scaled(self, factor: float) -> Region:
        return Region(
            self.kind, tuple((x * factor, y * factor) for x, y in self.points), self.label
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "points": [[round(x, 1), round(y, 1)] for x, y in self.points],
            "label": self.label,
        }


@dataclass(frozen=True)
class RuleResult:
    """One rule's outcome: the measured value, the threshold it met or missed, and what to do."""

    rule: str
    status: Status
    value: float | str | None
    threshold: str
    message_nb: str
    message_en: str
    regions: tuple[Region, ...] = field(default=())
    details: dict[str, float | str] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        return self.message_nb if lang == "nb" else self.message_en

    def to_dict(self) -> dict[str, Any]:
        value = round(self.value, 4) if isinstance(self.value, float) else self.value
        return {
            "rule": self.rule,
            "status": str(self.status),
            "value": value,
            "threshold": self.threshold,
            "message_nb": self.message_nb,
            "message_en": self.message_en,
            "regions": [r.to_dict() for r in self.regions],
            "details": {
                k: round(v, 4) if isinstance(v, float) else v for k, v in self.details.items()
            },
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> RuleResult:
        return RuleResult(
            rule=data["rule"],
            status=Status(data["status"]),
            value=data.get("value"),
            threshold=data.get("threshold", ""),
            message_nb=data.get("message_nb", ""),
            message_en=data.get("message_en", ""),
            regions=tuple(
                Region(r["kind"], tuple((p[0], p[1]) for p in r["points"]), r.get("label", ""))
                for r in data.get("regions", [])
            ),
            details=dict(data.get("details", {})),
        )


def stored_results(verdict: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A verdict dict's per-rule results, as `PhotoVerdict`/`IdVerdict.to_dict()` list them.

    Every verdict lists them under `results`. Identity-document verdicts stored by hmsverify 0.1
    named the list `checks`; those database rows still read.
    """
    found = verdict.get("results")
    if found is None:
        found = verdict.get("checks")
    return [dict(r) for r in found] if isinstance(found, list) else []
