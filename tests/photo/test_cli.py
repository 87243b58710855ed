"""`hmsverify photo` as a user runs it: a subprocess with real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.photo.support import IMAGES


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run(
        [sys.executable, "-m", "verifier.cli", "photo", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_pass_prints_table_and_exits_0() -> None:
    result = run(str(IMAGES / "compliant_portrait.jpg"), "--lang", "en")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "compliant_portrait.jpg: PASS" in result.stdout
    assert "face_size" in result.stdout and "threshold" in result.stdout


def test_fail_exits_1_with_norwegian_message() -> None:
    result = run(str(IMAGES / "roll_20.jpg"))
    assert result.returncode == 1
    assert "hell" in result.stdout  # "ikke hell det mot en skulder"


def test_unreadable_and_missing_files_exit_2(tmp_path: Path) -> None:
    fake = tmp_path / "selfie.jpg"
    fake.write_text("not a photo")
    result = run(str(fake), str(tmp_path / "missing.jpg"), "--lang", "en")
    assert result.returncode == 2
    assert "not an image" in result.stdout
    assert "cannot read" in result.stdout
    assert "Traceback" not in result.stderr


def test_json_annotate_and_card_crop(tmp_path: Path) -> None:
    result = run(
        str(IMAGES / "compliant_portrait.jpg"),
        str(IMAGES / "two_faces.jpg"),
        "--json",
        "--annotate",
        str(tmp_path / "ann"),
        "--card-crop",
        str(tmp_path / "crop"),
    )
    assert result.returncode == 1
    verdicts = json.loads(result.stdout)
    assert [v["status"] for v in verdicts] == ["pass", "fail"]
    assert {r["rule"] for r in verdicts[1]["results"] if r["status"] == "fail"} >= {"single_face"}
    assert (tmp_path / "ann" / "two_faces.annotated.jpg").stat().st_size > 1000
    assert (tmp_path / "crop" / "compliant_portrait.card.jpg").stat().st_size > 1000
