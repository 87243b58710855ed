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
    # What else the check read that explains a borderline result (from the result's details),
    # in words; None when the rule's value says it all.
    reading: Callable[[dict[str, object], Policy], Text | None] | None = None


def _num(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"


EXPRESSION_WORDS: dict[str, Text] = {
    "happy": ("smil", "smile"),
    "angry": ("sinne", "anger"),
    "fearful": ("frykt", "fear"),
    "disgusted": ("avsky", "disgust"),
    "surprised": ("overraskelse", "surprise"),
}


def _number(details: dict[str, object], key: str) -> float | None:
    value = details.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _expression_reading(details: dict[str, object], p: Policy) -> Text | None:
    """The expression classifier's reading, when it is what holds the photo back."""
    not_neutral = _number(details, "not_neutral")
    if not_neutral is None or not_neutral <= p.expression.model_review_above:
        return None
    shares = {
        name: share
        for name in EXPRESSION_WORDS
        if (share := _number(details, f"classifier_{name}")) is not None
    }
    strongest = max(shares, key=lambda name: shares[name]) if shares else None
    nb_what = (
        f"mest {EXPRESSION_WORDS[strongest][0]} {_pct(shares[strongest])}, " if strongest else ""
    )
    en_what = (
        f"mostly {EXPRESSION_WORDS[strongest][1]} {_pct(shares[strongest])}, " if strongest else ""
    )
    limit = _pct(p.expression.model_review_above)
    return (
        f"Uttrykksmodellen leser et uttrykk som ikke er nøytralt: {nb_what}til sammen "
        f"{_pct(not_neutral)} (gransking over {limit}). Se på pannen, øyenbrynene og munnen.",
        f"The expression classifier reads a non-neutral expression: {en_what}{_pct(not_neutral)} "
        f"in all (review above {limit}). Look at the forehead, brows and mouth.",
    )


def _headgear_reading(details: dict[str, object], p: Policy) -> Text | None:
    """Crimson material on the head, when it is what holds the photo back."""
    crimson = _number(details, "crimson_share")
    covering = _number(details, "covering_share") or 0.0
    if crimson is None or crimson == 0.0 or covering > p.no_headgear.covering_share_pass:
        return None
    return (
        f"Karmosin- eller vinrødt over pannen og ved tinningene: {_pct(crimson)}. Det kan være et "
        "hodeplagg eller hår farget vinrødt; se etter kant, sømmer og folder.",
        f"Crimson or maroon above the forehead and at the temples: {_pct(crimson)}. It may be a "
        "head covering or hair dyed burgundy; look for an edge, seams and folds.",
    )


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
    "expression_neutral": RuleWords(
        ("Nøytralt uttrykk", "Neutral expression"),
        limit=lambda p: (
            f"uttrykksmodellen: gransking over {_pct(p.expression.model_review_above)} "
            "ikke-nøytralt",
            f"expression classifier: review above {_pct(p.expression.model_review_above)} "
            "not neutral",
        ),
        reading=_expression_reading,
    ),
    "no_glasses": RuleWords(("Ingen briller eller gjenskinn", "No glasses or glare")),
    "no_headgear": RuleWords(
        ("Hodeplagg", "Head covering"),
        ("av området over pannen og ved tinningene", "of the area above the forehead and temples"),
        percent=True,
        limit=lambda p: (
            f"høyst {_pct(p.no_headgear.covering_share_pass)} "
            f"(avvis over {_pct(p.no_headgear.covering_share_fail)}; karmosinrødt teller bare "
            "mot gransking)",
            f"at most {_pct(p.no_headgear.covering_share_pass)} "
            f"(reject over {_pct(p.no_headgear.covering_share_fail)}; crimson counts only "
            "towards review)",
        ),
        reading=_headgear_reading,
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
    reading: str = ""  # what else the check read, for a borderline result


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
        details = r.get("details")
        reading = (
            words.reading(details, policy)
            if words and words.reading and isinstance(details, dict)
            else None
        )
        rows.append(
            RuleRow(
                rule=rule,
                status=str(r.get("status")),
                label=rule_label(rule, lang),
                value=_value_text(words, r.get("value"), lang),
                limit=(limit[0] if lang == "nb" else limit[1]) if limit else "",
                message=str(r.get("message_nb" if lang == "nb" else "message_en", "")),
                technical=str(r.get("threshold", "")),
                reading=(reading[0] if lang == "nb" else reading[1]) if reading else "",
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
