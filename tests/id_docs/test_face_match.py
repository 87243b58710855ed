"""YuNet + SFace on onnxruntime, on real face photographs that ship with installed packages."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from matplotlib import cbook
from PIL import Image
from skimage import data

from verifier.id_docs.match.face import (
    YUNET_MODEL,
    align_face,
    compare_faces,
    detect_faces,
    face_match_rule,
)
from verifier.model_files import model_path
from verifier.policy import default_policy
from verifier.verdict import Status

POLICY = default_policy().id_documents


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return np.ascontiguousarray(data.astronaut())  # Eileen Collins, NASA portrait


@pytest.fixture(scope="module")
def hopper() -> np.ndarray:
    path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)  # Grace Hopper (matplotlib)
    return np.asarray(Image.open(path).convert("RGB"))


def _as_document_copy(rgb: np.ndarray) -> np.ndarray:
    """The same face as it might appear on a document: smaller, tilted, dimmer, JPEG-damaged."""
    height, width = rgb.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 8, 0.6)
    warped = cv2.warpAffine(rgb, matrix, (width, height), borderValue=(235, 235, 235))
    dimmer = np.clip(warped.astype(np.float32) * 0.8 + 20, 0, 255).astype(np.uint8)
    ok, encoded = cv2.imencode(".jpg", dimmer[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 40])
    assert ok
    decoded = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
    assert decoded is not None
    return np.ascontiguousarray(decoded[..., ::-1])


def test_detects_one_face_with_landmarks_inside_the_box(astronaut: np.ndarray) -> None:
    faces = detect_faces(astronaut, POLICY.face_detection_score)
    assert len(faces) == 1
    face = faces[0]
    x, y, w, h = face.box
    assert 150 < x < 210 and 40 < y < 90 and 70 < w < 120 and 90 < h < 140
    for px, py in face.landmarks:
        assert x <= px <= x + w and y <= py <= y + h
    left_eye, right_eye = face.landmarks[0], face.landmarks[1]
    assert left_eye[0] < right_eye[0]  # image-left eye first, as SFace's template expects


def test_detection_agrees_with_opencv_face_detector(astronaut: np.ndarray) -> None:
    """OpenCV's own FaceDetectorYN reads the same file: our decoding must find the same face."""
    height, width = astronaut.shape[:2]
    detector = cv2.FaceDetectorYN.create(
        str(model_path(YUNET_MODEL)), "", (width, height), POLICY.face_detection_score, 0.3
    )
    _, reference = detector.detect(np.ascontiguousarray(astronaut[..., ::-1]))
    assert reference is not None and len(reference) == 1
    ours = detect_faces(astronaut, POLICY.face_detection_score)[0]
    ref_box = reference[0][:4]
    assert np.allclose(ours.box[:2], ref_box[:2], atol=6)
    assert np.allclose(ours.box[2:], ref_box[2:], atol=8)
    ref_marks = reference[0][4:14].reshape(5, 2)
    assert np.abs(np.array(ours.landmarks) - ref_marks).max() < 6
    assert abs(ours.score - float(reference[0][14])) < 0.05


def test_no_face_in_a_picture_without_people() -> None:
    assert detect_faces(np.ascontiguousarray(data.coffee()), POLICY.face_detection_score) == []


def test_alignment_puts_the_eyes_on_the_template(astronaut: np.ndarray) -> None:
    face = detect_faces(astronaut, POLICY.face_detection_score)[0]
    aligned = align_face(astronaut, face)
    assert aligned.shape == (112, 112, 3)
    again = detect_faces(cv2.resize(aligned, (224, 224)), 0.3)
    assert again, "the aligned crop should still look like a face"
    eye_y = (again[0].landmarks[0][1] + again[0].landmarks[1][1]) / 2 / 2
    assert 40 < eye_y < 62  # template eyes at y = 51.6


def test_same_person_transformed_passes(astronaut: np.ndarray) -> None:
    copy = _as_document_copy(astronaut)
    outcome = compare_faces(copy, astronaut, POLICY.face_detection_score)
    assert not isinstance(outcome, str)
    assert outcome.similarity >= POLICY.face_similarity_pass
    rule = face_match_rule(copy, astronaut, POLICY)
    assert rule.status is Status.PASS
    assert isinstance(rule.value, float)


def test_different_people_fail(astronaut: np.ndarray, hopper: np.ndarray) -> None:
    outcome = compare_faces(hopper, astronaut, POLICY.face_detection_score)
    assert not isinstance(outcome, str)
    assert outcome.similarity < POLICY.face_similarity_fail
    rule = face_match_rule(hopper, astronaut, POLICY)
    assert rule.status is Status.FAIL
    camera = np.ascontiguousarray(np.dstack([data.camera()] * 3))
    assert face_match_rule(camera, hopper, POLICY).status is Status.FAIL


def test_grayscale_copy_of_the_same_face_still_matches(hopper: np.ndarray) -> None:
    grey = cv2.cvtColor(hopper, cv2.COLOR_RGB2GRAY)
    rule = face_match_rule(np.dstack([grey] * 3), hopper, POLICY)
    assert rule.status is Status.PASS


def test_no_face_on_one_side_goes_to_review(astronaut: np.ndarray) -> None:
    coffee = np.ascontiguousarray(data.coffee())
    on_document = face_match_rule(coffee, astronaut, POLICY)
    assert on_document.status is Status.REVIEW and "document" in on_document.message_en
    in_portrait = face_match_rule(astronaut, coffee, POLICY)
    assert in_portrait.status is Status.REVIEW and "portrait" in in_portrait.message_en


def test_sessions_are_built_once_per_process(astronaut: np.ndarray) -> None:
    from verifier.id_docs.match import face as face_match

    detect_faces(astronaut, POLICY.face_detection_score)
    first = face_match._session(YUNET_MODEL)
    assert face_match._session(YUNET_MODEL) is first


def test_a_small_or_faint_face_is_not_taken_for_a_document_portrait(
    astronaut: np.ndarray,
) -> None:
    """A clear face 3 % of the image wide is no printed document portrait: review."""
    small = cv2.resize(astronaut, (160, 160), interpolation=cv2.INTER_AREA)
    canvas = np.full((800, 800, 3), 200, dtype=np.uint8)
    canvas[50:210, 50:210] = small
    found = detect_faces(canvas, POLICY.face_detection_score)
    assert found and found[0].score >= POLICY.document_face_min_score, "YuNet sees it clearly"
    assert found[0].box[2] < POLICY.document_face_min_width_share * 800
    assert (
        compare_faces(
            canvas,
            astronaut,
            POLICY.face_detection_score,
            document_min_score=POLICY.document_face_min_score,
            document_min_width_share=POLICY.document_face_min_width_share,
        )
        == "document"
    )
    assert face_match_rule(canvas, astronaut, POLICY).status is Status.REVIEW


def test_without_an_mrz_a_face_mismatch_is_review_not_fail(
    astronaut: np.ndarray, hopper: np.ndarray
) -> None:
    """A photo with no MRZ is not known to be an identity document: a person decides."""
    from verifier.id_docs.check import check_id_document
    from verifier.id_docs.mrz.reader import MrzRead

    def no_mrz(_rgb: np.ndarray) -> MrzRead:
        return MrzRead(None, None, 0, "none", 0.0)

    ok, document = cv2.imencode(".jpg", hopper[..., ::-1])
    ok2, portrait = cv2.imencode(".jpg", astronaut[..., ::-1])
    assert ok and ok2
    verdict = check_id_document(document.tobytes(), portrait=portrait.tobytes(), reader=no_mrz)
    match = verdict.result("face_match")
    assert match is not None and match.status is Status.REVIEW
    assert "MRZ" in match.message_en
    assert verdict.status is Status.REVIEW
    # The same pair with an MRZ'd reading would fail: the face match itself did not change.
    assert face_match_rule(hopper, astronaut, POLICY).status is Status.FAIL
