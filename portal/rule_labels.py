"""The reviewer's words for the verifier's rules: a plain label per rule in bokmål and English,
the measured value rounded with its unit, and the limit it is judged against (from the policy),
so the review page shows no rule codes, raw floats or English threshold strings on a Norwegian
page. Rules not listed here fall back to their code and the verifier's own threshold text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from verifier import Policy, default_policy

Text = tuple[str, str]


@dataclass(frozen=True)
class RuleWords:
    label: Text
    unit: Text = ("", "")
    # How the value is shown: a share (0-1) as per cent, degrees, or a plain number.
    percent: bool = False
    # The limit in words, from the policy; None when the rule has no single number.
    limit: Callable[[Policy], Text] | None = None


def _num(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"


RULES: dict[str, RuleWords] = {
    "readable": RuleWords(("Lesbar bildefil", "Readable image file")),
    "face_present": RuleWords(("Ansikt i bildet", "A face in the photo")),
    "single_face": RuleWords(("Bare én person", "Only one person")),
    "face_size": RuleWords(
        ("Ansiktets størrelse", "Face size"),
        ("px mellom øynene", "px between the eyes"),
        limit=lambda p: (
            f"minst {_num(p.face_size.ied_pass_px)} px (avvis under {_num(p.face_size.ied_fail_px)})",
            f"at least {_num(p.face_size.ied_pass_px)} px (reject under "
            f"{_num(p.face_size.ied_fail_px)})",
        ),
    ),
    "pose": RuleWords(
        ("Hodet rett mot kamera", "Head straight to the camera"),
        ("° dreid/vippet", "° turned/tilted"),
        limit=lambda p: (
            f"høyst {_num(p.pose.yaw_pass_deg)}° sidelengs, {_num(p.pose.pitch_pass_deg)}° "
            f"opp/ned, {_num(p.pose.roll_pass_deg)}° på skrå",
            f"at most {_num(p.pose.yaw_pass_deg)}° sideways, {_num(p.pose.pitch_pass_deg)}° "
            f"up/down, {_num(p.pose.roll_pass_deg)}° tilted",
        ),
    ),
    "eyes_open": RuleWords(
        ("Øynene åpne", "Eyes open"),
        ("× øyebredden (lokkåpning)", "× eye width (lid gap)"),
        limit=lambda p: (
            f"minst {_num(p.eyes_open.openness_pass)} (avvis under {_num(p.eyes_open.openness_fail)})",
            f"at least {_num(p.eyes_open.openness_pass)} (reject under "
            f"{_num(p.eyes_open.openness_fail)})",
        ),
    ),
    "gaze": RuleWords(
        ("Blikket mot kamera", "Looking at the camera"),
        ("°", "°"),
        limit=lambda p: (
            f"høyst {_num(p.gaze.horizontal_pass_deg)}° til siden",
            f"at most {_num(p.gaze.horizontal_pass_deg)}° sideways",
        ),
    ),
    "mouth_closed": RuleWords(
        ("Munnen lukket", "Mouth closed"), ("× munnbredden", "× mouth width")
    ),
    "expression_neutral": RuleWords(("Nøytralt uttrykk", "Neutral expression")),
    "no_glasses": RuleWords(("Ingen briller eller gjenskinn", "No glasses or glare")),
    "no_headgear": RuleWords(
        ("Hodeplagg", "Head covering"),
        ("av området over pannen og ved tinningene", "of the area above the forehead and temples"),
        percent=True,
        limit=lambda p: (
            f"høyst {_pct(p.no_headgear.covering_share_pass)} "
            f"(avvis over {_pct(p.no_headgear.covering_share_fail)})",
            f"at most {_pct(p.no_headgear.covering_share_pass)} "
            f"(reject over {_pct(p.no_headgear.covering_share_fail)})",
        ),
    ),
    "ears_visible": RuleWords(("Ørene synlige", "Ears visible")),
    "sharpness": RuleWords(
        ("Skarphet", "Sharpness"),
        ("(fokusmål)", "(focus measure)"),
        limit=lambda p: (
            f"minst {_num(p.sharpness.focus_pass)} (avvis under {_num(p.sharpness.focus_fail)})",
            f"at least {_num(p.sharpness.focus_pass)} (reject under {_num(p.sharpness.focus_fail)})",
        ),
    ),
    "exposure": RuleWords(("Lysstyrke i ansiktet", "Brightness of the face")),
    "even_lighting": RuleWords(("Jevnt lys i ansiktet", "Even light on the face")),
    "natural_colour": RuleWords(
        ("Naturlige hudfarger", "Natural skin colours"),
        ("fargestikk (CIELAB)", "colour cast (CIELAB)"),
        limit=lambda p: (
            f"høyst {_num(p.natural_colour.colour_cast_pass)}",
            f"at most {_num(p.natural_colour.colour_cast_pass)}",
        ),
    ),
    "plain_background": RuleWords(("Lys, ensfarget bakgrunn", "Plain, light background")),
    "document_readable": RuleWords(("Lesbar bildefil", "Readable image file")),
    "mrz_present": RuleWords(("Maskinlesbar sone (MRZ)", "Machine-readable zone (MRZ)")),
    "mrz_valid": RuleWords(("MRZ-kontrollsifre", "MRZ check digits")),
    "document_type": RuleWords(("Pass eller ID-kort", "Passport or ID card")),
    "not_specimen": RuleWords(("Ikke et prøveeksemplar", "Not a specimen")),
    "document_expiry": RuleWords(("Dokumentet er gyldig", "Document still valid")),
    "employee_national_id": RuleWords(("Ansattes fødselsnummer", "Employee's national id")),
    "holder_name": RuleWords(("Navn som hos arbeidsgiver", "Name as in the employer's record")),
    "holder_birth_date": RuleWords(("Fødselsdato", "Date of birth")),
    "holder_sex": RuleWords(("Kjønn", "Sex")),
    "face_match": RuleWords(
        ("Samme ansikt som portrettet", "Same face as the portrait"),
        ("likhet", "similarity"),
        limit=lambda p: (
            f"minst {_num(p.id_documents.face_similarity_pass)} "
            f"(avvis under {_num(p.id_documents.face_similarity_fail)})",
            f"at least {_num(p.id_documents.face_similarity_pass)} "
            f"(reject under {_num(p.id_documents.face_similarity_fail)})",
        ),
    ),
}

STATUS_WORDS: dict[str, Text] = {
    "pass": ("I orden", "Passed"),
    "review": ("Grensetilfelle", "Borderline"),
    "fail": ("Ikke i orden", "Failed"),
}


@dataclass(frozen=True)
class RuleRow:
    """One rule as the review page shows it."""

    rule: str
    status: str
    label: str
    value: str
    limit: str
    message: str
    technical: str  # the verifier's own threshold text, kept for a hover


def rule_label(rule: str, lang: str) -> str:
    words = RULES.get(rule)
    if words is None:
        return rule
    return words.label[0] if lang == "nb" else words.label[1]


def _value_text(words: RuleWords | None, value: object, lang: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if words is None:
        return _num(float(value))
    unit = words.unit[0] if lang == "nb" else words.unit[1]
    shown = _pct(float(value)) if words.percent else _num(float(value))
    return f"{shown} {unit}".strip().replace(" °", "°")


ORDER = {"fail": 0, "review": 1, "pass": 2}


def review_rows(
    results: list[dict[str, object]], lang: str, policy: Policy | None = None
) -> list[RuleRow]:
    """Every rule of a verdict, failing first, then borderline, then passed."""
    policy = policy or default_policy()
    rows = []
    for r in sorted(results, key=lambda r: ORDER.get(str(r.get("status")), 3)):
        rule = str(r.get("rule"))
        words = RULES.get(rule)
        limit = words.limit(policy) if words and words.limit else None
        rows.append(
            RuleRow(
                rule=rule,
                status=str(r.get("status")),
                label=rule_label(rule, lang),
                value=_value_text(words, r.get("value"), lang),
                limit=(limit[0] if lang == "nb" else limit[1]) if limit else "",
                message=str(r.get("message_nb" if lang == "nb" else "message_en", "")),
                technical=str(r.get("threshold", "")),
            )
        )
    return rows


def suggested_reason(results: list[dict[str, object]], lang: str, kind: str = "photo") -> str:
    """A rejection reason made from the failing and borderline rules (the reviewer edits it),
    in the page's language. A portrait rule's message already says what to change; a document
    check's message speaks of the review itself, so a document gets the checks' names."""
    open_results = [
        r
        for r in sorted(results, key=lambda r: ORDER.get(str(r.get("status")), 3))
        if r.get("status") in ("fail", "review")
    ]
    if kind == "photo":
        key = "message_nb" if lang == "nb" else "message_en"
        return " ".join(str(r.get(key, "")).strip() for r in open_results if r.get(key))
    labels = ", ".join(rule_label(str(r.get("rule")), lang).lower() for r in open_results)
    if not labels:
        return ""
    if lang == "nb":
        return f"Dokumentet kan ikke godkjennes ({labels}). Last opp et gyldig pass eller ID-kort."
    return f"The document cannot be accepted ({labels}). Upload a valid passport or ID card."
