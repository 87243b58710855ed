"""Rules on the document itself: an MRZ was found, it validates, it is an identity document, it
is not a specimen, and it has not expired (nor expires within the review window)."""

from __future__ import annotations

from datetime import date

from verifier.id_docs.mrz.parse import MrzData, MrzParse, ProblemKind, check_name
from verifier.policy import IdDocumentsPolicy
from verifier.verdict import RuleResult, Status


def no_mrz_rule() -> RuleResult:
    """Driving licences and other documents without an MRZ go to a person, never to `fail`."""
    return RuleResult(
        "mrz_present",
        Status.REVIEW,
        None,
        "an ICAO 9303 MRZ (TD1, TD2, TD3)",
        "Fant ingen maskinlesbar sone (MRZ). Er dette et førerkort eller et annet dokument uten "
        "MRZ, kontrollerer en saksbehandler det manuelt.",
        "No machine readable zone (MRZ) found. If this is a driving licence or another document "
        "without an MRZ, a reviewer checks it manually.",
    )


def mrz_valid_rule(parse: MrzParse) -> RuleResult:
    """All check digits, country codes, dates and fields valid; else review with the reasons."""
    threshold = "every check digit, country code and date valid"
    if parse.valid:
        return RuleResult(
            "mrz_valid",
            Status.PASS,
            str(parse.doc_format),
            threshold,
            "Den maskinlesbare sonen er gyldig (alle kontrollsifre stemmer).",
            "The machine readable zone is valid (all check digits match).",
        )
    failed = parse.failed_check_digits
    value = ",".join(failed) if failed else ",".join(sorted({str(p.kind) for p in parse.problems}))
    details: dict[str, float | str] = {
        f"problem_{i + 1}": f"{p.kind}:{p.field}" for i, p in enumerate(parse.problems)
    }
    others = [p for p in parse.problems if p.kind is not ProblemKind.CHECK_DIGIT]
    if failed:
        # The reader has already tried its alternatives: what is left is a damaged or
        # badly photographed document, a misprint, or an alteration. A person's call.
        details["reason"] = "check digits do not match"
        names_en = ", ".join(check_name(name)[0] for name in failed)
        names_nb = ", ".join(check_name(name)[1] for name in failed)
        message_nb = (
            f"Kontrollsifrene i MRZ stemmer ikke ({names_nb}): skadet, feillest eller endret "
            "dokument."
        )
        message_en = (
            f"The MRZ check digits do not match ({names_en}): damaged, misread or altered document."
        )
        if others:
            message_nb += " Dessuten: " + "; ".join(p.message_nb for p in others) + "."
            message_en += " Also: " + "; ".join(p.message_en for p in others) + "."
    else:
        message_nb = (
            "Den maskinlesbare sonen stemmer ikke: " + "; ".join(p.message_nb for p in others) + "."
        )
        message_en = (
            "The machine readable zone does not validate: "
            + "; ".join(p.message_en for p in others)
            + "."
        )
    return RuleResult(
        "mrz_valid",
        Status.REVIEW,
        value,
        threshold,
        message_nb + " En saksbehandler kontrollerer dokumentet.",
        message_en + " A reviewer checks the document.",
        details=details,
    )


def document_type_rule(data: MrzData) -> RuleResult:
    """A passport, national ID card or residence card counts; a visa does not."""
    if data.is_visa or data.document_code.startswith("V"):
        return RuleResult(
            "document_type",
            Status.FAIL,
            data.document_code,
            "passport (P), identity or residence card (I, A, C)",
            "Et visum er ikke et identitetsdokument. Last opp passets personside eller ID-kortet.",
            "A visa is not an identity document. Upload the passport's data page or the ID card.",
        )
    return RuleResult(
        "document_type",
        Status.PASS,
        data.document_code,
        "passport (P), identity or residence card (I, A, C)",
        "Dokumenttypen godtas.",
        "The document type is accepted.",
    )


def specimen_rule(data: MrzData) -> RuleResult:
    if data.is_specimen:
        return RuleResult(
            "not_specimen",
            Status.FAIL,
            data.issuing_state,
            "a real issuing state (not ICAO's specimen state UTO)",
            "Dette er et eksempeldokument (Utopia, UTO), ikke et ekte dokument.",
            "This is a specimen document (Utopia, UTO), not a real one.",
        )
    return RuleResult(
        "not_specimen",
        Status.PASS,
        data.issuing_state,
        "a real issuing state (not ICAO's specimen state UTO)",
        "Utstedende stat er ikke et eksempel.",
        "The issuing state is not a specimen.",
    )


def expiry_rule(data: MrzData, policy: IdDocumentsPolicy, today: date) -> RuleResult:
    threshold = f"not expired; review within {policy.expiry_review_days} days of expiry"
    expiry = data.expiry_date
    if expiry is None:
        return RuleResult(
            "document_expiry",
            Status.REVIEW,
            data.expiry_date_raw,
            threshold,
            "Utløpsdatoen kan ikke leses; en saksbehandler sjekker den.",
            "The date of expiry cannot be read; a reviewer checks it.",
        )
    days_left = (expiry - today).days
    shown = expiry.isoformat()
    details: dict[str, float | str] = {"days_left": float(days_left)}
    if days_left < 0:
        return RuleResult(
            "document_expiry",
            Status.FAIL,
            shown,
            threshold,
            f"Dokumentet gikk ut {shown}. Last opp et gyldig dokument.",
            f"The document expired on {shown}. Upload a valid document.",
            details=details,
        )
    if days_left <= policy.expiry_review_days:
        return RuleResult(
            "document_expiry",
            Status.REVIEW,
            shown,
            threshold,
            f"Dokumentet går ut {shown} (om {days_left} dager). Vurder å bruke et annet "
            "gyldig dokument.",
            f"The document expires on {shown} (in {days_left} days). Consider using another "
            "valid document.",
            details=details,
        )
    return RuleResult(
        "document_expiry",
        Status.PASS,
        shown,
        threshold,
        f"Dokumentet er gyldig til {shown}.",
        f"The document is valid until {shown}.",
        details=details,
    )


def document_checks(parse: MrzParse, policy: IdDocumentsPolicy, today: date) -> list[RuleResult]:
    """The rules on the document's own MRZ (the caller has made sure an MRZ was found)."""
    results = [mrz_valid_rule(parse)]
    if parse.data is not None:
        results += [
            document_type_rule(parse.data),
            specimen_rule(parse.data),
            expiry_rule(parse.data, policy, today),
        ]
    return results
