"""Document rules and the verdict from MRZ lines: expiry, specimen, visas, invalid MRZ, no MRZ."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tests.id_docs.support import ICAO_MRVA, ICAO_TD3, first_valid_national_id, td1, td3
from verifier.id_docs.check import check_mrz_lines
from verifier.id_docs.match.holder import Employee
from verifier.id_docs.verdict import IdVerdict
from verifier.policy import default_policy
from verifier.verdict import Status

TODAY = date(2026, 6, 1)
FNR = first_valid_national_id(date(1985, 5, 17), range(401, 500, 2))


def _yymmdd(day: date) -> str:
    return day.strftime("%y%m%d")


def test_valid_passport_of_the_employee_passes() -> None:
    lines = td3(surname="HANSEN", given="OLA", birth="850517", expiry="310101")
    verdict = check_mrz_lines(lines, employee=Employee(FNR, "Hansen", "Ola"), today=TODAY)
    assert verdict.status is Status.PASS, [c.to_dict() for c in verdict.results]
    assert verdict.doc_format == "TD3"
    assert verdict.fields is not None and verdict.fields.document_number == "FH1234567"
    assert {c.rule for c in verdict.results} >= {
        "mrz_valid",
        "document_type",
        "not_specimen",
        "document_expiry",
        "employee_national_id",
        "holder_birth_date",
        "holder_name",
    }
    assert verdict.policy_version == default_policy().version


def test_without_employee_only_the_document_is_checked() -> None:
    verdict = check_mrz_lines(td1(), today=TODAY)
    assert verdict.status is Status.PASS
    assert not any(c.rule.startswith("holder") for c in verdict.results)


def test_expired_document_fails() -> None:
    verdict = check_mrz_lines(td3(expiry=_yymmdd(TODAY - timedelta(days=1))), today=TODAY)
    assert verdict.status is Status.FAIL
    expiry = verdict.result("document_expiry")
    assert expiry is not None and expiry.status is Status.FAIL
    assert "expired" in expiry.message_en and "gikk ut" in expiry.message_nb


@pytest.mark.parametrize("days", [0, 1, 29, 30])
def test_document_expiring_within_30_days_goes_to_review(days: int) -> None:
    verdict = check_mrz_lines(td3(expiry=_yymmdd(TODAY + timedelta(days=days))), today=TODAY)
    expiry = verdict.result("document_expiry")
    assert expiry is not None and expiry.status is Status.REVIEW
    assert verdict.status is Status.REVIEW
    assert f"in {days} days" in expiry.message_en


def test_document_expiring_in_31_days_passes() -> None:
    verdict = check_mrz_lines(td3(expiry=_yymmdd(TODAY + timedelta(days=31))), today=TODAY)
    assert verdict.status is Status.PASS


def test_icao_specimen_fails_as_specimen_and_expired() -> None:
    verdict = check_mrz_lines(ICAO_TD3, today=TODAY)
    assert verdict.status is Status.FAIL
    failed = {c.rule for c in verdict.failed}
    assert failed == {"not_specimen", "document_expiry"}


def test_visa_is_not_an_identity_document() -> None:
    verdict = check_mrz_lines(ICAO_MRVA, today=TODAY)
    assert "document_type" in {c.rule for c in verdict.failed}


def test_bad_check_digit_goes_to_review_naming_the_digit() -> None:
    lines = td3()
    lines[1] = lines[1][:19] + str((int(lines[1][19]) + 1) % 10) + lines[1][20:]
    verdict = check_mrz_lines(lines, today=TODAY)
    assert verdict.status is Status.REVIEW
    mrz = verdict.result("mrz_valid")
    assert mrz is not None and mrz.status is Status.REVIEW
    assert mrz.value == "birth_date,composite"
    assert "date of birth" in mrz.message_en and "fødselsdato" in mrz.message_nb


@pytest.mark.parametrize("lines", [None, []])
def test_no_mrz_goes_to_review_never_fail(lines: list[str] | None) -> None:
    verdict = check_mrz_lines(lines, employee=Employee(FNR, "Hansen", "Ola"), today=TODAY)
    assert verdict.status is Status.REVIEW
    assert [c.rule for c in verdict.results] == ["mrz_present"]
    assert "driving licence" in verdict.results[0].message_en
    assert "førerkort" in verdict.results[0].message_nb


def test_unparseable_lines_go_to_review() -> None:
    verdict = check_mrz_lines(["P<NORHANSEN<<OLA", "123"], today=TODAY)
    assert verdict.status is Status.REVIEW
    assert verdict.fields is None


def test_verdict_round_trips_through_json() -> None:
    lines = td3(surname="HANSEN", given="OLA", birth="850517")
    verdict = check_mrz_lines(lines, employee=Employee(FNR, "Hansen", "Ola"), today=TODAY)
    payload = json.loads(json.dumps(verdict.to_dict()))
    assert payload["kind"] == "id_document"
    assert payload["fields"]["birth_date"] == "1985-05-17"
    restored = IdVerdict.from_dict(payload)
    assert restored.status is verdict.status
    assert restored.fields == verdict.fields
    assert [c.to_dict() for c in restored.results] == [c.to_dict() for c in verdict.results]
    assert restored.to_dict() == verdict.to_dict()


def test_a_verdict_stored_with_the_older_checks_key_still_reads() -> None:
    """ID-document verdicts stored by hmsverify 0.1 list their results under `checks`."""
    verdict = check_mrz_lines(["P<NORHANSEN<<OLA", "123"], today=TODAY)
    payload = json.loads(json.dumps(verdict.to_dict()))
    payload["checks"] = payload.pop("results")
    restored = IdVerdict.from_dict(payload)
    assert [r.to_dict() for r in restored.results] == [r.to_dict() for r in verdict.results]
    first = verdict.results[0]
    assert restored.result(first.rule) == first
