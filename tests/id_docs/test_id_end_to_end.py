"""check_id_document and `hmsverify id` on rendered documents, read by the real MRZ reader."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib import cbook
from PIL import Image
from skimage import data

from tests.id_docs.support import first_valid_national_id
from verifier.id_docs.check import check_id_document
from verifier.id_docs.match.holder import Employee
from verifier.id_docs.mrz.synthetic import SyntheticDocument, make_td1_card, make_td3_page
from verifier.verdict import Status

ROOT = Path(__file__).resolve().parents[2]


def _jpeg(rgb: np.ndarray, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _employee_for(doc: SyntheticDocument) -> tuple[Employee, dt.date]:
    """The employee the document belongs to, and a day on which the document is valid."""
    lines = doc.lines
    if doc.doc_format == "TD1":
        birth_raw, sex, expiry_raw, names = lines[1][0:6], lines[1][7], lines[1][8:14], lines[2]
    else:
        birth_raw, sex, expiry_raw, names = (
            lines[1][13:19],
            lines[1][20],
            lines[1][21:27],
            lines[0][5:],
        )
    birth = dt.datetime.strptime(birth_raw, "%y%m%d").date()
    if birth > dt.date.today():
        birth = birth.replace(year=birth.year - 100)
    expiry = dt.datetime.strptime(expiry_raw, "%y%m%d").date()
    start = 401 if sex == "M" else 400
    individuals = range(start, 500, 2) if birth.year < 2000 else range(start + 100, 1000, 2)
    surname, _, given = names.partition("<<")
    employee = Employee(
        first_valid_national_id(birth, individuals),
        surname.replace("<", " ").strip(),
        given.replace("<", " ").strip(),
    )
    return employee, expiry - dt.timedelta(days=60)


@pytest.fixture(scope="module")
def hopper_jpeg() -> bytes:
    path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    return Path(path).read_bytes()


@pytest.mark.parametrize("doc", [make_td3_page(11), make_td1_card(12)], ids=["TD3", "TD1"])
def test_document_of_the_employee_with_their_portrait_passes(doc: SyntheticDocument) -> None:
    employee, today = _employee_for(doc)
    verdict = check_id_document(
        _jpeg(doc.rgb), employee=employee, portrait=_jpeg(data.astronaut()), today=today
    )
    assert verdict.mrz_lines == doc.lines
    assert verdict.status is Status.PASS, [c.to_dict() for c in verdict.results]
    assert verdict.doc_format == doc.doc_format
    face = verdict.result("face_match")
    assert face is not None and face.status is Status.PASS
    assert json.loads(json.dumps(verdict.to_dict()))["status"] == "pass"


def test_someone_elses_portrait_fails(hopper_jpeg: bytes) -> None:
    doc = make_td3_page(13)
    employee, today = _employee_for(doc)
    verdict = check_id_document(
        _jpeg(doc.rgb), employee=employee, portrait=hopper_jpeg, today=today
    )
    assert verdict.status is Status.FAIL
    assert [c.rule for c in verdict.failed] == ["face_match"]


def test_expired_document_fails() -> None:
    doc = make_td1_card(14)
    employee, valid_day = _employee_for(doc)
    verdict = check_id_document(
        _jpeg(doc.rgb), employee=employee, today=valid_day + dt.timedelta(days=400)
    )
    assert "document_expiry" in {c.rule for c in verdict.failed}


def test_rotated_document_reports_the_rotation() -> None:
    doc = make_td3_page(15)
    employee, today = _employee_for(doc)
    rotated = np.rot90(doc.rgb, k=-1)  # turned a quarter clockwise
    verdict = check_id_document(_jpeg(rotated), employee=employee, today=today)
    assert verdict.mrz_lines == doc.lines
    assert verdict.rotation_degrees in (90, 270)
    assert verdict.status is Status.PASS, [c.to_dict() for c in verdict.results]


def test_card_without_mrz_goes_to_review_with_face_match() -> None:
    doc = make_td1_card(16)
    employee, today = _employee_for(doc)
    above_mrz = doc.rgb[: doc.mrz_box[1] - 4]  # like a driving licence: photo and fields only
    verdict = check_id_document(
        _jpeg(above_mrz), employee=employee, portrait=_jpeg(data.astronaut()), today=today
    )
    assert verdict.status is Status.REVIEW
    assert verdict.mrz_lines is None and verdict.fields is None
    assert [c.rule for c in verdict.results] == ["mrz_present", "face_match"]
    face = verdict.result("face_match")
    assert face is not None and face.status is Status.PASS


def test_photo_without_any_document_goes_to_review() -> None:
    verdict = check_id_document(_jpeg(data.coffee()))
    assert verdict.status is Status.REVIEW
    assert verdict.result("mrz_present") is not None


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "verifier.id_docs.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_cli_reads_a_document_and_matches_the_employee(tmp_path: Path) -> None:
    doc = make_td3_page(17)
    employee, _ = _employee_for(doc)
    image = tmp_path / "passport.jpg"
    image.write_bytes(_jpeg(doc.rgb))
    record = tmp_path / "employee.json"
    record.write_text(json.dumps(employee.to_dict()), encoding="utf-8")
    result = _run_cli(str(image), "--employee", str(record), "--json")
    payload = json.loads(result.stdout)
    assert payload["mrz_lines"] == doc.lines
    statuses = {c["rule"]: c["status"] for c in payload["results"]}
    assert statuses["holder_name"] == "pass" and statuses["holder_birth_date"] == "pass"
    assert result.returncode == (0 if payload["status"] == "pass" else 1)
    text = _run_cli(str(image), "--lang", "en")
    assert "Document number" in text.stdout and doc.lines[1][0:9].rstrip("<") in text.stdout
    assert text.returncode in (0, 1)


def test_cli_document_without_mrz_exits_1(tmp_path: Path) -> None:
    image = tmp_path / "licence.jpg"
    image.write_bytes(_jpeg(data.coffee()))
    result = _run_cli(str(image), "--lang", "en")
    assert result.returncode == 1
    assert "No machine readable zone" in result.stdout


def test_main_hmsverify_command_runs_id(tmp_path: Path) -> None:
    doc = make_td1_card(18)
    image = tmp_path / "card.jpg"
    image.write_bytes(_jpeg(doc.rgb))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "verifier.cli", "id", str(image), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    payload = json.loads(result.stdout)
    assert payload["kind"] == "id_document"
    assert payload["mrz_lines"] == doc.lines
    assert result.returncode == (0 if payload["status"] == "pass" else 1)
