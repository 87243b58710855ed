"""`hmsverify id DOC_IMAGE [--portrait PHOTO] [--employee JSON] [--json] [--lang nb|en]`.

Prints the parsed MRZ fields, each check's status and the verdict. Exit status: 0 pass,
1 fail or review, 2 unusable input (missing or unreadable file, bad employee record).
Runnable on its own as `python -m verifier.id_docs.cli DOC_IMAGE ...`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from verifier.id_docs.match.holder import Employee
from verifier.id_docs.verdict import IdVerdict
from verifier.verdict import Status

EXIT_PASS = 0
EXIT_NOT_PASSED = 1
EXIT_UNUSABLE = 2

_FIELD_LABELS: dict[str, tuple[str, str]] = {
    "doc_format": ("Format", "Format"),
    "document_code": ("Dokumentkode", "Document code"),
    "issuing_state": ("Utstedt av", "Issuing state"),
    "primary_identifier": ("Etternavn", "Surname"),
    "secondary_identifier": ("Fornavn", "Given names"),
    "document_number": ("Dokumentnummer", "Document number"),
    "nationality": ("Nasjonalitet", "Nationality"),
    "birth_date": ("Fødselsdato", "Date of birth"),
    "sex": ("Kjønn", "Sex"),
    "expiry_date": ("Utløpsdato", "Date of expiry"),
    "optional_data": ("Valgfrie data", "Optional data"),
    "optional_data_2": ("Valgfrie data 2", "Optional data 2"),
}

_STATUS_LABELS = {
    Status.PASS: ("GODKJENT", "PASS"),
    Status.REVIEW: ("MANUELL KONTROLL", "REVIEW"),
    Status.FAIL: ("AVVIST", "FAIL"),
}


class _UsageError(Exception):
    """Input the command cannot use; the message goes to stderr and the exit status is 2."""


def _load_employee(value: str | None) -> Employee | None:
    """The employee as inline JSON (`{"national_id": ...}`) or the path of a JSON file."""
    if value is None:
        return None
    try:
        text = value if value.lstrip().startswith("{") else Path(value).read_text("utf-8")
        raw: Any = json.loads(text)
    except (OSError, json.JSONDecodeError) as exc:
        raise _UsageError(f"cannot read the employee record: {exc}") from exc
    if not isinstance(raw, dict):
        raise _UsageError("the employee record must be a JSON object")
    try:
        return Employee.from_dict(raw)
    except ValueError as exc:
        raise _UsageError(str(exc)) from exc


def _read_bytes(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise _UsageError(f"cannot read the {what} {path}: {exc.strerror or exc}") from exc


def format_verdict(verdict: IdVerdict, lang: str) -> str:
    nb = lang == "nb"
    out: list[str] = []
    if verdict.fields is not None:
        fields = verdict.fields.to_dict()
        for key, (label_nb, label_en) in _FIELD_LABELS.items():
            value = fields.get(key)
            if value:
                out.append(f"{label_nb if nb else label_en:16} {value}")
    if verdict.mrz_lines:
        out.append("MRZ:")
        out.extend(f"  {line}" for line in verdict.mrz_lines)
    if verdict.mrz_corrections:
        changes = ", ".join(
            f"{c.read}→{c.corrected} (" + ("linje" if nb else "line") + f" {c.line + 1}, "
            f"{'posisjon' if nb else 'position'} {c.index + 1})"
            for c in verdict.mrz_corrections
        )
        out.append(("Rettet ved lesing: " if nb else "Corrected while reading: ") + changes)
    if verdict.rotation_degrees:
        out.append(("Rotert" if nb else "Rotated") + f" {verdict.rotation_degrees}°")
    out.append("")
    for result in verdict.results:
        label = _STATUS_LABELS[result.status][0 if nb else 1]
        measured = f" ({result.value:.3f})" if isinstance(result.value, float) else ""
        out.append(f"[{label}] {result.rule}{measured}: {result.message(lang)}")
    out.append("")
    out.append(
        ("Resultat: " if nb else "Verdict: ") + _STATUS_LABELS[verdict.status][0 if nb else 1]
    )
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    # Imported here so `hmsverify --help` stays fast (the check loads numpy, cv2, onnxruntime).
    from verifier.id_docs.check import check_id_document

    try:
        document = _read_bytes(args.document, "document image")
        portrait = _read_bytes(args.portrait, "portrait") if args.portrait else None
        employee = _load_employee(args.employee)
    except _UsageError as exc:
        print(f"hmsverify id: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    verdict = check_id_document(document, employee=employee, portrait=portrait)
    if args.json:
        print(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_verdict(verdict, args.lang))
    if verdict.unreadable_code is not None:
        return EXIT_UNUSABLE
    return EXIT_PASS if verdict.status is Status.PASS else EXIT_NOT_PASSED


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("document", metavar="DOC_IMAGE", help="photo or scan of the document")
    parser.add_argument("--portrait", metavar="PHOTO", help="portrait to compare with the document")
    parser.add_argument(
        "--employee",
        metavar="JSON",
        help='employee record: a JSON file or inline JSON with "national_id", "surname", '
        '"given_names"',
    )
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")
    parser.add_argument("--lang", choices=("nb", "en"), default="nb", help="message language")
    parser.set_defaults(func=run)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds the `id` subcommand to the main `hmsverify` parser."""
    parser = subparsers.add_parser(
        "id",
        help="check an identity document (MRZ, holder, face)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hmsverify id", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
