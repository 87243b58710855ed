"""Which pixels are the person (head, hair, neck, shoulders) and which the background behind.

The MediaPipe selfie segmenter (models/selfie_segmentation.tflite, from the npm package
`@mediapipe/selfie_segmentation`) reads the whole frame squeezed to 256 x 256 RGB in 0..1, as
MediaPipe's own graph feeds it (no aspect-ratio padding), and returns one confidence per pixel
that it shows the person. It runs on LiteRT (`ai_edge_litert`) on one thread: a few
milliseconds, and no thread pool competing with the other checks of a worker.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np

from verifier.model_files import LazyModel, model_path

MODEL_FILE = "selfie_segmentation.tflite"
INPUT_SIDE = 256

# An interpreter's tensors are shared state: one inference at a time.
_lock = threading.Lock()


def _create() -> object:
    # Imported here: the decoder and queue tests never load the segmenter.
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(model_path(MODEL_FILE)), num_threads=1)
    interpreter.allocate_tensors()
    return interpreter


_interpreter: LazyModel[object] = LazyModel(_create)


def person_confidence(rgb: np.ndarray) -> np.ndarray:
    """(256, 256) float32 in 0..1: how sure the model is that each pixel shows the person.
    `rgb` is the whole frame at any size.

    The map covers the whole frame, stretched: row r and column c stand for the image point
    ((c + 0.5) / 256 * width, (r + 0.5) / 256 * height). Serialised: an interpreter's tensors are
    shared state.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"an RGB image is needed, got shape {rgb.shape}")
    # A large frame (the finer working resolution reaches 6 MP) is first thinned by a whole
    # step to at most twice the input size: the area average to 256 then reads a few hundred
    # thousand pixels instead of millions, and still averages several pixels into each.
    # (At the usual ~1000 px a strided copy costs more than it saves.)
    if max(rgb.shape[:2]) > 4 * INPUT_SIDE:
        step = max(rgb.shape[:2]) // (2 * INPUT_SIDE)
        rgb = rgb[::step, ::step]
    shrinking = max(rgb.shape[:2]) > INPUT_SIDE
    small = cv2.resize(
        rgb,
        (INPUT_SIDE, INPUT_SIDE),
        interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR,
    )
    batch = (small.astype(np.float32) / 255.0)[None]
    interpreter = _interpreter.get()
    with _lock:
        source = interpreter.get_input_details()[0]["index"]  # type: ignore[attr-defined]
        target = interpreter.get_output_details()[0]["index"]  # type: ignore[attr-defined]
        interpreter.set_tensor(source, batch)  # type: ignore[attr-defined]
        interpreter.invoke()  # type: ignore[attr-defined]
        out = interpreter.get_tensor(target)  # type: ignore[attr-defined]
    return np.ascontiguousarray(out[0, :, :, 0], dtype=np.float32)
