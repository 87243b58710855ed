"""IdVerdict: what the identity-document check hands to the CLI, the queue and the portal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from verifier.id_docs.mrz.correct import Correction
from verifier.id_docs.mrz.parse import MrzData
from verifier.verdict import RuleResult, Status, combine, stored_results


@dataclass
class IdVerdict:
    status: Status
    results: list[RuleResult]
    policy_version: str
    fields: MrzData | None = None  # the parsed MRZ (None when no MRZ was found or readable)
    mrz_lines: list[str] | None = None
    # Characters the reader changed from the recogniser's first choice (check digits, country
    # codes, letter/digit by field type): what a reviewer should look at on the image.
    mrz_corrections: list[Correction] = field(default_factory=list)
    doc_format: str | None = None
    read_method: str | None = None  # which reader produced the lines
    rotation_degrees: int | None = None
    source_size: tuple[int, int] | None = None
    source_format: str | None = None
    unreadable_code: str | None = None  # the decoder's code when the upload is unusable
    timings_ms: dict[str, float] = field(default_factory=dict)

    @staticmethod
    def from_results(results: list[RuleResult], policy_version: str, **kwargs: Any) -> IdVerdict:
        return IdVerdict(combine(r.status for r in results), results, policy_version, **kwargs)

    @property
    def failed(self) -> list[RuleResult]:
        return [r for r in self.results if r.status is Status.FAIL]

    @property
    def borderline(self) -> list[RuleResult]:
        return [r for r in self.results if r.status is Status.REVIEW]

    def result(self, rule: str) -> RuleResult | None:
        return next((r for r in self.results if r.rule == rule), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "id_document",
            "status": str(self.status),
            "policy_version": self.policy_version,
            "fields": self.fields.to_dict() if self.fields else None,
            "mrz_lines": list(self.mrz_lines) if self.mrz_lines is not None else None,
            "mrz_corrections": [c.to_dict() for c in self.mrz_corrections],
            "doc_format": self.doc_format,
            "read_method": self.read_method,
            "rotation_degrees": self.rotation_degrees,
            "source_size": list(self.source_size) if self.source_size else None,
            "source_format": self.source_format,
            "unreadable_code": self.unreadable_code,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "results": [r.to_dict() for r in self.results],
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> IdVerdict:
        size = data.get("source_size")
        lines = data.get("mrz_lines")
        rotation = data.get("rotation_degrees")
        return IdVerdict(
            status=Status(data["status"]),
            results=[RuleResult.from_dict(r) for r in stored_results(data)],
            policy_version=data["policy_version"],
            fields=MrzData.from_dict(data["fields"]) if data.get("fields") else None,
            mrz_lines=[str(line) for line in lines] if lines is not None else None,
            mrz_corrections=[Correction.from_dict(c) for c in data.get("mrz_corrections", [])],
            doc_format=data.get("doc_format"),
            read_method=data.get("read_method"),
            rotation_degrees=int(rotation) if rotation is not None else None,
            source_size=(int(size[0]), int(size[1])) if size else None,
            source_format=data.get("source_format"),
            unreadable_code=data.get("unreadable_code"),
            timings_ms=dict(data.get("timings_ms", {})),
        )
