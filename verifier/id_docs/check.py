"""Checks one identity-document upload: decode, read the MRZ, validate it, match the holder.

`check_id_document(bytes, ...)` is the entry point for the CLI, the queue and the portal.
`check_mrz_lines(lines, ...)` runs everything after the reading, for MRZ text from elsewhere.
Neither raises on bad input: an unreadable file becomes a `fail` verdict with the decoder's code,
a document without an MRZ becomes `review`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Protocol

import numpy as np

from verifier.decode import DecodedImage, DecodeError, decode_image
from verifier.id_docs.document_rules import document_checks, no_mrz_rule
from verifier.id_docs.match.face import face_match_rule
from verifier.id_docs.match.holder import Employee, holder_checks
from verifier.id_docs.mrz.correct import Correction
from verifier.id_docs.mrz.parse import MrzParse, parse_mrz
from verifier.id_docs.verdict import IdVerdict
from verifier.policy import Policy, default_policy
from verifier.verdict import RuleResult, Status


class MrzReadResult(Protocol):
    """What the MRZ reader returns (verifier.id_docs.mrz.reader.MrzRead, a frozen dataclass)."""

    @property
    def lines(self) -> list[str] | None: ...
    @property
    def doc_format(self) -> str | None: ...
    @property
    def rotation_degrees(self) -> int: ...
    @property
    def method(self) -> str: ...
    @property
    def elapsed_ms(self) -> float: ...
    @property
    def corrections(self) -> tuple[Correction, ...]: ...


# A reader given by the caller brings its own settings; the project's reader gets the policy's.
MrzReader = Callable[[np.ndarray], MrzReadResult]


def _default_reader(policy: Policy) -> MrzReader:
    # Imported on first use: the reader loads its models lazily and the rest of this module
    # (parsing, holder match) must not depend on it.
    from verifier.id_docs.mrz.reader import read_mrz

    return functools.partial(read_mrz, policy=policy.mrz_reader)


def _mrz_rules(
    parse: MrzParse, employee: Employee | None, policy: Policy, today: date
) -> list[RuleResult]:
    results = document_checks(parse, policy.id_documents, today)
    if employee is not None and parse.data is not None:
        results += holder_checks(parse.data, employee)
    return results


def check_mrz_lines(
    lines: list[str] | None,
    *,
    employee: Employee | None = None,
    policy: Policy | None = None,
    today: date | None = None,
) -> IdVerdict:
    """The verdict for MRZ lines already read (None or [] when the document has no MRZ)."""
    policy = policy or default_policy()
    today = today or date.today()
    if not lines:
        return IdVerdict.from_results([no_mrz_rule()], policy.version)
    parse = parse_mrz(lines)
    return IdVerdict.from_results(
        _mrz_rules(parse, employee, policy, today),
        policy.version,
        fields=parse.data,
        mrz_lines=list(lines),
        doc_format=str(parse.doc_format) if parse.doc_format else None,
    )


def _unreadable(error: DecodeError, rule: str, *, what: tuple[str, str] = ("", "")) -> RuleResult:
    prefix_nb, prefix_en = what
    return RuleResult(
        rule,
        Status.FAIL,
        str(error.code),
        "a readable JPEG, PNG, WebP or HEIC image",
        prefix_nb + error.message_nb,
        prefix_en + error.message_en,
    )


def _portrait_rule(document: DecodedImage, portrait: bytes, policy: Policy) -> RuleResult:
    try:
        decoded = decode_image(portrait, policy.decode)
    except DecodeError as exc:
        return _unreadable(exc, "face_match", what=("Portrettet: ", "Portrait: "))
    result = face_match_rule(document.rgb, decoded.rgb, policy.id_documents)
    # Regions are drawn on the original upload: back from working to source pixels.
    return replace(result, regions=tuple(r.scaled(1 / document.scale) for r in result.regions))


def without_mrz(match: RuleResult) -> RuleResult:
    """Without an MRZ the image is not known to be an identity document at all, so a face that
    does not match cannot reject it: a reviewer decides what the image is."""
    return replace(
        match,
        status=Status.REVIEW,
        message_nb="Fant ingen MRZ, så det er uklart om bildet er et ID-dokument; en "
        "saksbehandler sammenligner ansiktene.",
        message_en="No MRZ found, so it is unclear whether the image is an identity document; "
        "a reviewer compares the faces.",
    )


def check_id_document(
    data: bytes,
    *,
    employee: Employee | None = None,
    portrait: bytes | None = None,
    policy: Policy | None = None,
    today: date | None = None,
    reader: MrzReader | None = None,
) -> IdVerdict:
    """Decodes, reads and checks one document image; never raises on a bad upload."""
    policy = policy or default_policy()
    today = today or date.today()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    try:
        decoded = decode_image(data, policy.decode, long_side=policy.id_documents.mrz_long_side)
    except DecodeError as exc:
        return IdVerdict.from_results(
            [_unreadable(exc, "document_readable")],
            policy.version,
            unreadable_code=str(exc.code),
            timings_ms={"decode": (time.perf_counter() - started) * 1000},
        )
    timings["decode"] = (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    read = (reader or _default_reader(policy))(decoded.rgb)
    timings["mrz"] = (time.perf_counter() - started) * 1000
    if read.lines:
        parse = parse_mrz(read.lines)
        results = _mrz_rules(parse, employee, policy, today)
        fields = parse.data
        doc_format = str(parse.doc_format) if parse.doc_format else read.doc_format
    else:
        results, fields, doc_format = [no_mrz_rule()], None, None

    if portrait is not None:
        started = time.perf_counter()
        match = _portrait_rule(decoded, portrait, policy)
        if not read.lines and match.status is Status.FAIL:
            match = without_mrz(match)
        results.append(match)
        timings["face_match"] = (time.perf_counter() - started) * 1000

    return IdVerdict.from_results(
        results,
        policy.version,
        fields=fields,
        mrz_lines=list(read.lines) if read.lines else None,
        mrz_corrections=list(read.corrections) if read.lines else [],
        doc_format=doc_format,
        read_method=read.method,
        rotation_degrees=read.rotation_degrees,
        source_size=decoded.source_size,
        source_format=decoded.source_format,
        timings_ms=timings,
    )
