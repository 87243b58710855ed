"""What the employee is told about one checked upload: one headline, the problems to fix (only
when there is something to fix) and ONE next step — wait for a reviewer, or retake and why —
never both.

The verifier's rule messages serve the portrait as they are (each says what to change). For an
identity document the employee must hear which problem it is: the document itself (expired, not
an identity document, unreadable), a document that seems to be someone else's, or a face that
does not match. Messages that carry the employee record's values (a birth date) are replaced:
the share page shows name and company only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.models import Upload, UploadState
from verifier import UploadKind

Text = tuple[str, str]  # (bokmål, English)

WAIT = (
    "Du trenger ikke gjøre noe nå. En saksbehandler ser på det, og arbeidsgiveren din får svaret.",
    "You need not do anything now. A reviewer looks at it, and your employer hears the result.",
)
RETAKE_PHOTO = (
    "Ta et nytt portrett der dette er rettet, og last det opp over.",
    "Take a new portrait with this put right, and upload it above.",
)

# Identity-document checks, grouped by what the employee must do about them.
DOCUMENT_ITSELF = frozenset(
    {"document_readable", "document_expiry", "document_type", "not_specimen", "mrz_valid"}
)
SOMEONE_ELSES = frozenset({"holder_name", "holder_birth_date", "holder_sex"})
# The employee cannot fix the employer's record; they can only ask the employer to.
EMPLOYER_RECORD = frozenset({"employee_national_id"})

NEXT_STEP_DOCUMENT = (
    "Problemet er dokumentet, ikke bildet: last opp et annet, gyldig pass eller nasjonalt ID-kort.",
    "The problem is the document, not the photo: upload another, valid passport or national "
    "ID card.",
)
NEXT_STEP_SOMEONE_ELSE = (
    "Dokumentet ser ut til å tilhøre en annen person enn den kortet er bestilt til. Last opp ditt "
    "eget pass eller ID-kort. Står navnet ditt feil hos arbeidsgiveren, be dem rette det.",
    "The document seems to belong to someone other than the person the card is ordered for. "
    "Upload your own passport or ID card. If your employer has your name wrong, ask them to "
    "correct it.",
)
NEXT_STEP_FACE = (
    "Ansiktet i portrettet og på dokumentet ser ikke ut til å være samme person. Last opp ditt "
    "eget dokument, og et portrett av deg selv.",
    "The face in the portrait and on the document do not seem to be the same person. Upload "
    "your own document, and a portrait of yourself.",
)
NEXT_STEP_EMPLOYER = (
    "Arbeidsgiveren din må rette opplysningene sine om deg. Ta kontakt med dem.",
    "Your employer must correct their record of you. Please contact them.",
)
# Replacements for messages that would show the employee record's values on the share page.
PRIVATE_MESSAGES: dict[str, Text] = {
    "holder_birth_date": (
        "Fødselsdatoen i dokumentet er ikke den kortet er bestilt til.",
        "The date of birth on the document is not that of the person the card is ordered for.",
    ),
    "holder_sex": (
        "Kjønnet i dokumentet stemmer ikke med arbeidsgiverens opplysninger.",
        "The sex on the document does not match the employer's record.",
    ),
    "employee_national_id": (
        "Fødselsnummeret arbeidsgiveren har registrert, er ikke gyldig.",
        "The national identity number your employer registered is not valid.",
    ),
}


@dataclass(frozen=True)
class Problem:
    rule: str
    message: Text


@dataclass(frozen=True)
class Feedback:
    tone: str  # pass | review | fail
    headline: Text
    problems: list[Problem] = field(default_factory=list)
    next_step: Text | None = None


def _problem(result: dict[str, object]) -> Problem:
    rule = str(result.get("rule"))
    if rule in PRIVATE_MESSAGES:
        return Problem(rule, PRIVATE_MESSAGES[rule])
    return Problem(rule, (str(result.get("message_nb", "")), str(result.get("message_en", ""))))


def _document_next_step(failed_rules: set[str]) -> Text:
    if failed_rules & EMPLOYER_RECORD:
        return NEXT_STEP_EMPLOYER
    if failed_rules & SOMEONE_ELSES:
        return NEXT_STEP_SOMEONE_ELSE
    if failed_rules & DOCUMENT_ITSELF:
        return NEXT_STEP_DOCUMENT
    if "face_match" in failed_rules:
        return NEXT_STEP_FACE
    return NEXT_STEP_DOCUMENT


def feedback_for(upload: Upload) -> Feedback:
    """The employee's feedback for a checked upload (not for one still queued)."""
    state = upload.state
    results = upload.rule_results
    if state in (UploadState.PASS, UploadState.APPROVED):
        return Feedback("pass", ("Godkjent.", "Accepted."))
    if state == UploadState.REJECTED:
        retake = (
            RETAKE_PHOTO
            if upload.kind == UploadKind.PHOTO
            else ("Last opp dokumentet på nytt.", "Upload the document again.")
        )
        reason = (upload.review_reason or "").strip().rstrip(".")
        return Feedback(
            "fail",
            ("Avvist av saksbehandler.", "Rejected by a reviewer."),
            [Problem("review_reason", (f"{reason}.", f"{reason}."))] if reason else [],
            retake,
        )
    if state in (UploadState.REVIEW, UploadState.ERROR):
        # Only a declared head covering gets its own (respectful) note; nothing here asks for
        # a retake, so the employee is not left guessing whether to take a new photo.
        notes = [
            _problem(r)
            for r in results
            if r.get("rule") == "no_headgear"
            and r.get("status") == "review"
            and upload.religious_headgear
        ]
        return Feedback(
            "review", ("Sendt til manuell kontroll.", "Sent to manual review."), notes, WAIT
        )
    failed = [r for r in results if r.get("status") == "fail"]
    problems = [_problem(r) for r in failed]
    if upload.kind == UploadKind.PHOTO:
        return Feedback("fail", ("Ikke godkjent.", "Not accepted."), problems, RETAKE_PHOTO)
    next_step = _document_next_step({str(r.get("rule")) for r in failed})
    return Feedback("fail", ("Ikke godkjent.", "Not accepted."), problems, next_step)
