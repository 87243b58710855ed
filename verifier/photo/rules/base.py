"""The interface every portrait rule shares, in OFIQ's shape: a raw measurement from the shared
analysis, and a separate mapping of that measurement onto pass / review / fail under the policy.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

from verifier.photo.analysis import DetectedFace, FaceAnalysis
from verifier.policy import Policy
from verifier.verdict import Region, RuleResult, Status


@dataclass(frozen=True)
class CheckContext:
    """What the uploader declared alongside the image."""

    religious_headgear_declared: bool = False


@dataclass(frozen=True)
class Measurement:
    """A rule's raw numbers (never thresholds), and the image regions they came from."""

    value: float
    details: dict[str, float] = field(default_factory=dict)
    regions: tuple[Region, ...] = ()


def grade_high_is_bad(value: float, pass_max: float, fail_above: float) -> Status:
    """pass at or below `pass_max`, fail above `fail_above`, review between."""
    if value <= pass_max:
        return Status.PASS
    return Status.FAIL if value > fail_above else Status.REVIEW


def grade_low_is_bad(value: float, fail_below: float, pass_min: float) -> Status:
    """fail below `fail_below`, pass at or above `pass_min`, review between."""
    if value >= pass_min:
        return Status.PASS
    return Status.FAIL if value < fail_below else Status.REVIEW


@dataclass(frozen=True)
class Messages:
    """Bokmål and English text for each outcome of one rule."""

    pass_nb: str
    pass_en: str
    fix_nb: str
    fix_en: str


class PhotoRule(ABC):
    name: ClassVar[str]
    messages: ClassVar[Messages]
    needs_face: ClassVar[bool] = True

    def evaluate(self, analysis: FaceAnalysis, policy: Policy, context: CheckContext) -> RuleResult:
        measurement = self.measure(analysis, policy)
        return self.judge(measurement, policy, context)

    def measure(self, analysis: FaceAnalysis, policy: Policy) -> Measurement:
        """The raw numbers. `policy` holds how to measure (e.g. which colours count as hair),
        never where pass ends: that is `judge`'s."""
        face = analysis.main
        if face is None:  # the checker runs face rules only when a face was found
            raise ValueError(f"rule {self.name} needs a face")
        return self.measure_face(analysis, face, policy)

    def measure_face(
        self, analysis: FaceAnalysis, face: DetectedFace, policy: Policy
    ) -> Measurement:
        raise NotImplementedError

    @abstractmethod
    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult: ...

    def result(
        self,
        status: Status,
        m: Measurement,
        threshold: str,
        *,
        fix_nb: str | None = None,
        fix_en: str | None = None,
    ) -> RuleResult:
        """A RuleResult with this rule's messages: the fix when not passing, else the pass text."""
        passing = status is Status.PASS
        return RuleResult(
            rule=self.name,
            status=status,
            value=m.value,
            threshold=threshold,
            message_nb=self.messages.pass_nb if passing else (fix_nb or self.messages.fix_nb),
            message_en=self.messages.pass_en if passing else (fix_en or self.messages.fix_en),
            regions=m.regions,
            details=dict(m.details),
        )
