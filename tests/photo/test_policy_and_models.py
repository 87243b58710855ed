from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from verifier.model_files import KNOWN_MODELS, MODELS_DIR, ModelFileError, model_path, sha256_of
from verifier.policy import DEFAULT_POLICY_PATH, PolicyError, load_policy


def test_packaged_policy_loads_with_a_version() -> None:
    policy = load_policy()
    assert policy.version
    assert policy.face_size.ied_fail_px < policy.face_size.ied_pass_px


def test_policy_with_unknown_or_missing_keys_is_refused(tmp_path: Path) -> None:
    text = DEFAULT_POLICY_PATH.read_text()
    typo = tmp_path / "typo.toml"
    typo.write_text(text.replace("yaw_pass_deg", "yaw_pas_deg"))
    with pytest.raises(PolicyError, match="pose"):
        load_policy(typo)
    with pytest.raises(PolicyError, match="not found"):
        load_policy(tmp_path / "missing.toml")


def test_committed_models_match_their_recorded_sha256() -> None:
    for name, model in KNOWN_MODELS.items():
        assert sha256_of(MODELS_DIR / name) == model.sha256, name


def test_models_md_lists_every_model_with_its_sha256() -> None:
    text = (MODELS_DIR / "MODELS.md").read_text()
    for name, model in KNOWN_MODELS.items():
        assert name in text and model.sha256 in text, name
    assert re.search(r"[Ll]icen[cs]e", text)


def test_altered_or_missing_model_is_refused(tmp_path: Path) -> None:
    name = "face_landmarker.task"
    copy = tmp_path / name
    shutil.copy(MODELS_DIR / name, copy)
    with copy.open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00\x01\x02")
    with pytest.raises(ModelFileError, match="altered"):
        model_path(name, tmp_path)
    with pytest.raises(ModelFileError, match="missing"):
        model_path(name, tmp_path / "empty")


def test_warm_up_runs_every_rule_on_a_real_face() -> None:
    from verifier.photo.rules import ALL_RULES
    from verifier.photo.warmup import warm_up

    seconds, verdict = warm_up(phone_sized=True)
    assert seconds > 0
    assert {r.rule for r in verdict.results} == {r.name for r in ALL_RULES}
    assert verdict.source_size == (4032, 3024)  # the 12 MP pass ran last


def _attribute_names(root: Path) -> set[str]:
    """Every attribute read (`x.name`) in the package's code, policy.py itself left out."""
    import ast

    names: set[str] = set()
    for path in root.rglob("*.py"):
        if path.name == "policy.py" and path.parent == root:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute):
                names.add(node.attr)
    return names


# Sections whose fields must be read inside the package that owns them: a field of the same
# name read elsewhere does not count.
_SECTION_OWNERS = {"id_documents": "id_docs", "mrz_reader": "id_docs/mrz"}


def test_every_policy_field_is_read_by_the_code() -> None:
    import dataclasses

    from verifier.policy import Policy

    package = Path(__file__).resolve().parents[2] / "verifier"
    read = _attribute_names(package) | _attribute_names(package.parent / "portal")
    policy = load_policy()
    unread = []
    for section in dataclasses.fields(Policy):
        if section.name == "version":
            continue
        if section.name not in read:
            unread.append(f"[{section.name}]")
        owner = _SECTION_OWNERS.get(section.name)
        read_there = _attribute_names(package / owner) if owner else read
        for f in dataclasses.fields(getattr(policy, section.name)):
            if f.name not in read_there:
                unread.append(f"[{section.name}] {f.name}")
    assert unread == [], f"policy fields no code reads: {unread}"


def test_policy_comments_name_only_things_that_exist() -> None:
    import dataclasses

    from verifier.policy import Policy

    policy = load_policy()
    known = {"version"}
    for section in dataclasses.fields(Policy):
        known.add(section.name)
        if section.name != "version":
            known |= {f.name for f in dataclasses.fields(getattr(policy, section.name))}
    named = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", DEFAULT_POLICY_PATH.read_text()))
    assert named - known == set()
