"""check_id_document on real files and the `hmsverify id` command run as a subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

from verifier.id_docs.check import check_id_document
from verifier.verdict import Status

ROOT = Path(__file__).resolve().parents[2]


def _jpeg(rgb: np.ndarray, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(data.camera()).save(buffer, "GIF")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"", "empty_file"),
        (b"%PDF-1.7 not a photo", "not_an_image"),
        (_gif(), "unsupported_format"),
        (_jpeg(data.astronaut())[:3000], "truncated"),
    ],
)
def test_unreadable_uploads_fail_with_the_decoder_code(payload: bytes, code: str) -> None:
    verdict = check_id_document(payload)
    assert verdict.status is Status.FAIL
    assert verdict.unreadable_code == code
    assert [c.rule for c in verdict.results] == ["document_readable"]
    assert verdict.results[0].message_nb and verdict.results[0].message_en
    json.dumps(verdict.to_dict())


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "verifier.id_docs.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_unreadable_file_exits_2_with_json(tmp_path: Path) -> None:
    bad = tmp_path / "scan.jpg"
    bad.write_bytes(b"this is not an image")
    result = _run_cli(str(bad), "--json")
    assert result.returncode == 2, result.stderr
    payload = json.loads(result.stdout)
    assert payload["status"] == "fail"
    assert payload["unreadable_code"] == "not_an_image"


def test_cli_unreadable_file_text_in_both_languages(tmp_path: Path) -> None:
    bad = tmp_path / "scan.png"
    bad.write_bytes(b"")
    english = _run_cli(str(bad), "--lang", "en")
    assert english.returncode == 2
    assert "The file is empty" in english.stdout and "Verdict: FAIL" in english.stdout
    norwegian = _run_cli(str(bad))
    assert "Filen er tom" in norwegian.stdout and "Resultat: AVVIST" in norwegian.stdout


def test_cli_missing_file_exits_2(tmp_path: Path) -> None:
    result = _run_cli(str(tmp_path / "nowhere.jpg"))
    assert result.returncode == 2
    assert "cannot read the document image" in result.stderr


@pytest.mark.parametrize("employee", ["{not json", '["a list"]', '{"surname": "Hansen"}'])
def test_cli_bad_employee_record_exits_2(tmp_path: Path, employee: str) -> None:
    doc = tmp_path / "doc.jpg"
    doc.write_bytes(_jpeg(data.astronaut()))
    result = _run_cli(str(doc), "--employee", employee)
    assert result.returncode == 2
    assert "employee record" in result.stderr


def test_cli_help_lists_the_options() -> None:
    result = _run_cli("--help")
    assert result.returncode == 0
    for option in ("--portrait", "--employee", "--json", "--lang", "DOC_IMAGE"):
        assert option in result.stdout


def test_register_adds_the_id_subcommand() -> None:
    import argparse

    from verifier.id_docs.cli import register, run

    parser = argparse.ArgumentParser(prog="hmsverify")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["id", "doc.jpg", "--portrait", "me.jpg", "--json", "--lang", "en"])
    assert args.func is run
    assert (args.document, args.portrait, args.json, args.lang) == ("doc.jpg", "me.jpg", True, "en")


def test_unreadable_portrait_fails_the_face_match_only_naming_the_portrait() -> None:
    from verifier.decode import decode_image
    from verifier.id_docs.check import _portrait_rule
    from verifier.policy import default_policy

    policy = default_policy()
    document = decode_image(_jpeg(data.astronaut()), policy.decode)
    rule = _portrait_rule(document, b"not a photo", policy)
    assert rule.rule == "face_match" and rule.status is Status.FAIL
    assert rule.value == "not_an_image"
    assert rule.message_en.startswith("Portrait: ") and rule.message_nb.startswith("Portrettet: ")


def test_text_output_shows_fields_checks_and_measured_values() -> None:
    from tests.id_docs.support import first_valid_national_id, td3
    from verifier.id_docs.check import check_mrz_lines
    from verifier.id_docs.cli import format_verdict
    from verifier.id_docs.match.holder import Employee

    fnr = first_valid_national_id(date(1985, 5, 17), range(401, 500, 2))
    verdict = check_mrz_lines(
        td3(surname="HANSEN", given="OLA", birth="850517", expiry="310101"),
        employee=Employee(fnr, "Hansen", "Ola"),
    )
    english = format_verdict(verdict, "en")
    assert "Surname          HANSEN" in english
    assert "Date of birth    1985-05-17" in english
    assert "[PASS] holder_name: The name matches the employee." in english
    assert english.rstrip().endswith("Verdict: PASS")
    norwegian = format_verdict(verdict, "nb")
    assert "Etternavn        HANSEN" in norwegian and "Resultat: GODKJENT" in norwegian


def test_format_lists_the_characters_corrected_while_reading() -> None:
    from dataclasses import replace

    from tests.id_docs.support import td3
    from verifier.id_docs.check import check_mrz_lines
    from verifier.id_docs.cli import format_verdict
    from verifier.id_docs.mrz.correct import Correction

    verdict = replace(
        check_mrz_lines(td3(number="C01X00T47")), mrz_corrections=[Correction(1, 4, "O", "0")]
    )
    assert "Corrected while reading: O→0 (line 2, position 5)" in format_verdict(verdict, "en")
    assert "Rettet ved lesing: O→0 (linje 2, posisjon 5)" in format_verdict(verdict, "nb")
