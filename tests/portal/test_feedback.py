"""What the employee is told about a checked ID document, from real verdicts of the verifier's
MRZ checks: which problem it is (the document, someone else's document), one next step, names
as people write them, and no value from the employee record (the birth date) on the page."""

from __future__ import annotations

import datetime as dt

from portal.demo import make_national_id
from portal.feedback import NEXT_STEP_DOCUMENT, NEXT_STEP_SOMEONE_ELSE, WAIT, feedback_for
from portal.models import Upload, UploadState
from verifier import Employee, UploadKind
from verifier.id_docs.check import check_mrz_lines
from verifier.id_docs.mrz.synthetic import Identity, td3_lines

TODAY = dt.date(2026, 6, 1)
BIRTH = dt.date(1985, 5, 17)


def _passport(surname: str, given: str, *, birth: dt.date = BIRTH, expiry: dt.date) -> list[str]:
    return td3_lines(Identity(surname, given, "FH1234567", "FIN", "FIN", birth, "F", expiry, ""))


def _upload(lines: list[str], employee: Employee) -> Upload:
    verdict = check_mrz_lines(lines, employee=employee, today=TODAY)
    state = {"pass": UploadState.PASS, "review": UploadState.REVIEW, "fail": UploadState.FAIL}
    return Upload(
        id="0" * 32,
        kind=UploadKind.ID_DOCUMENT,
        state=state[str(verdict.status)],
        verdict=verdict.to_dict(),
        religious_headgear=False,
    )


def _employee(surname: str = "Virtanen", given: str = "Maria") -> Employee:
    number = next(n for i in range(400, 500) if (n := make_national_id(BIRTH, i)) is not None)
    return Employee(national_id=number, surname=surname, given_names=given)


def test_an_expired_document_is_the_documents_problem_not_the_photos() -> None:
    upload = _upload(
        _passport("VIRTANEN", "MARIA", expiry=TODAY - dt.timedelta(days=3)), _employee()
    )
    feedback = feedback_for(upload)
    assert feedback.tone == "fail" and feedback.next_step == NEXT_STEP_DOCUMENT
    assert [p.rule for p in feedback.problems] == ["document_expiry"]
    assert "bilde" not in feedback.problems[0].message[0].lower()


def test_someone_elses_document_says_so_with_names_as_people_write_them() -> None:
    upload = _upload(
        _passport("KORHONEN", "JUHANI", expiry=TODAY + dt.timedelta(days=900)),
        _employee(),
    )
    feedback = feedback_for(upload)
    assert feedback.next_step == NEXT_STEP_SOMEONE_ELSE
    name = next(p for p in feedback.problems if p.rule == "holder_name")
    assert "«Juhani Korhonen»" in name.message[0] and "«Maria Virtanen»" in name.message[0]
    assert "<" not in name.message[0] + name.message[1]


def test_a_wrong_birth_date_is_reported_without_the_employees_birth_date() -> None:
    upload = _upload(
        _passport(
            "VIRTANEN", "MARIA", birth=dt.date(1990, 1, 2), expiry=TODAY + dt.timedelta(days=900)
        ),
        _employee(),
    )
    feedback = feedback_for(upload)
    text = " ".join(p.message[0] + p.message[1] for p in feedback.problems)
    assert "holder_birth_date" in [p.rule for p in feedback.problems]
    for shown in ("1985", "17.05", "05-17", "850517", "1990", "900102"):
        assert shown not in text


def test_a_middle_name_goes_to_review_and_the_employee_only_waits() -> None:
    upload = _upload(
        _passport("VIRTANEN", "MARIA<OLIVIA", expiry=TODAY + dt.timedelta(days=900)),
        _employee(),
    )
    assert upload.state == UploadState.REVIEW
    name = next(r for r in upload.rule_results if r["rule"] == "holder_name")
    assert "«Maria Olivia Virtanen»" in str(name["message_nb"])
    feedback = feedback_for(upload)
    assert feedback.tone == "review" and feedback.next_step == WAIT and feedback.problems == []
