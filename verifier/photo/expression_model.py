"""A facial-expression classifier trained on many people's posed expressions.

The network is face-api's FaceExpressionNet, with the weights that the npm package
`@vladmandic/face-api@1.7.15` ships (models/face_expression_model.bin and its manifest, MIT):
four densely connected blocks of depthwise-separable convolutions over a 112 x 112 RGB face,
then a linear layer and a softmax over seven expressions. The files stay byte-identical to the
package's; the graph is rebuilt here for onnxruntime from the manifest (uint8-quantised weights,
dequantised as `q * scale + min`, as tfjs does) when first needed.

The face is cut as face-api cuts it (the box around the jaw line and brows, widened by 10 % on
each side, padded to a square with black, resized to 112 px), after turning the photo so the eye
line is level. Its accuracy on the labelled corpus is in docs/evaluation/photo-accuracy.md.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from verifier.model_files import LazyModel, model_path
from verifier.photo import landmarks as lm

WEIGHTS_FILE = "face_expression_model.bin"
MANIFEST_FILE = "face_expression_model-weights_manifest.json"
INPUT_SIDE = 112
# face-api's order of the softmax outputs.
EXPRESSIONS = ("neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised")
# The ones a card photo must not show. "sad" is not among them: see ExpressionReading.not_neutral.
FORBIDDEN_EXPRESSIONS = ("happy", "angry", "fearful", "disgusted", "surprised")
# The per-channel means face-api subtracts before dividing by 255 (FaceFeatureExtractor.ts).
_MEAN_RGB = np.array([122.782, 117.001, 104.298], dtype=np.float32)
# face-api's box is the bounding box of its 68 landmarks (jaw line, brows, ...) padded by 20 %
# of its size; these MediaPipe points trace the same jaw line and brows.
_BOX_POINTS = (*lm.RIGHT_JAW, lm.CHIN, *lm.LEFT_JAW, *lm.RIGHT_BROW, *lm.LEFT_BROW)
_BOX_PADDING = 0.10  # each side, as a share of the box's width or height
# Warped at most at twice the input side, then area-averaged to 112 px: on a working image
# (at most 1024 px long) the face box is rarely over 450 px, so the bilinear warp steps at most
# two pixels and the average does the rest (warping at the face's full size cost 1 ms more).
_MAX_WARP_SIDE = 2 * INPUT_SIDE


@dataclass(frozen=True)
class ExpressionReading:
    """The model's probability for each of its seven expressions (they sum to 1)."""

    probabilities: dict[str, float]

    @property
    def not_neutral(self) -> float:
        """The probability of an expression the photo rules forbid: a smile, anger, fear,
        disgust or surprise. "Sad" is counted with neutral: the model reads many faces at rest
        as sad (drooping lids and mouth corners are how some faces rest), and the rule's list of
        what fails (smile, open mouth, frown, raised brows) does not name it."""
        return min(1.0, sum(self.probabilities[name] for name in FORBIDDEN_EXPRESSIONS))


def expression_crop(
    rgb: np.ndarray, points: np.ndarray, right_eye: np.ndarray, left_eye: np.ndarray
) -> np.ndarray:
    """The 112 x 112 RGB input: the face turned so the eye line is level, cut and padded as
    face-api cuts it. `points`: the (478, 2+) landmarks in `rgb`'s pixels."""
    d = left_eye - right_eye
    angle = math.atan2(float(d[1]), float(d[0]))
    cos, sin = math.cos(angle), math.sin(angle)
    centre = (left_eye + right_eye) / 2
    # Into the level frame: rotate by -angle about the eye midpoint.
    level = np.array([[cos, sin], [-sin, cos]])
    box = (points[list(_BOX_POINTS), :2] - centre) @ level.T
    (x0, y0), (x1, y1) = box.min(axis=0), box.max(axis=0)
    x0, x1 = x0 - (x1 - x0) * _BOX_PADDING, x1 + (x1 - x0) * _BOX_PADDING
    y0, y1 = y0 - (y1 - y0) * _BOX_PADDING, y1 + (y1 - y0) * _BOX_PADDING
    width, height = x1 - x0, y1 - y0
    side = max(width, height)
    if side <= 1:
        raise ValueError("the face box is empty")
    warp_side = int(min(_MAX_WARP_SIDE, max(INPUT_SIDE, round(side))))
    scale = warp_side / side
    # The square, centred on the box: level-frame point q -> output pixel (q - corner) * scale.
    corner = np.array([(x0 + x1) / 2 - side / 2, (y0 + y1) / 2 - side / 2])
    to_out = np.zeros((2, 3))
    to_out[:, :2] = level * scale
    to_out[:, 2] = (-level @ centre - corner) * scale
    square = cv2.warpAffine(
        rgb, to_out, (warp_side, warp_side), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0)
    )
    # face-api pads the box to a square with black, not with the photo beside the box.
    pad_x = round((side - width) / 2 * scale)
    pad_y = round((side - height) / 2 * scale)
    if pad_x > 0:
        square[:, :pad_x] = 0
        square[:, warp_side - pad_x :] = 0
    if pad_y > 0:
        square[:pad_y] = 0
        square[warp_side - pad_y :] = 0
    if warp_side == INPUT_SIDE:
        return square
    return cv2.resize(square, (INPUT_SIDE, INPUT_SIDE), interpolation=cv2.INTER_AREA)


def classify_expression(crop: np.ndarray) -> ExpressionReading:
    """The seven probabilities for one 112 x 112 RGB uint8 face (see `expression_crop`)."""
    if crop.shape != (INPUT_SIDE, INPUT_SIDE, 3):
        raise ValueError(f"a {INPUT_SIDE}x{INPUT_SIDE} RGB crop is needed, got {crop.shape}")
    batch = ((crop.astype(np.float32) - _MEAN_RGB) / 255.0).transpose(2, 0, 1)[None]
    (probabilities,) = _session.get().run(None, {"input": np.ascontiguousarray(batch)})
    return ExpressionReading(
        {name: float(p) for name, p in zip(EXPRESSIONS, probabilities[0], strict=True)}
    )


def _create_session() -> Any:
    # Imported here: only a check that reads the expression loads onnxruntime's graph.
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # a worker runs many checks side by side
    options.inter_op_num_threads = 1
    graph = build_graph(load_weights()).SerializeToString()
    return ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])


_session: LazyModel[Any] = LazyModel(_create_session)


def load_weights() -> dict[str, np.ndarray]:
    """The package's weights by name, dequantised to float32 and in tfjs's layouts."""
    manifest = json.loads(model_path(MANIFEST_FILE).read_text(encoding="utf-8"))
    data = model_path(WEIGHTS_FILE).read_bytes()
    weights: dict[str, np.ndarray] = {}
    offset = 0
    for group in manifest:
        for entry in group["weights"]:
            count = math.prod(entry["shape"])
            quantised = entry.get("quantization")
            if quantised:
                if quantised["dtype"] != "uint8":
                    raise ValueError(f"unexpected quantisation {quantised['dtype']}")
                raw = np.frombuffer(data, np.uint8, count, offset).astype(np.float32)
                values = raw * np.float32(quantised["scale"]) + np.float32(quantised["min"])
                offset += count
            else:
                values = np.frombuffer(data, np.float32, count, offset).copy()
                offset += 4 * count
            weights[entry["name"]] = values.reshape(entry["shape"])
    if offset != len(data):
        raise ValueError(f"{WEIGHTS_FILE}: manifest describes {offset} bytes, file has {len(data)}")
    return weights


def build_graph(weights: dict[str, np.ndarray]) -> Any:
    """face-api's FaceExpressionNet as an ONNX graph: input "input" (N, 3, 112, 112), already
    normalised; output "probabilities" (N, 7). tfjs's 'same' padding is ONNX's SAME_UPPER."""
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[Any] = []
    initialisers: list[Any] = []

    def constant(name: str, array: np.ndarray) -> str:
        initialisers.append(numpy_helper.from_array(array.astype(np.float32), name))
        return name

    def conv(x: str, name: str, stride: int) -> str:
        filters = weights[f"{name}/filters"].transpose(3, 2, 0, 1)  # HWIO -> OIHW
        nodes.append(
            helper.make_node(
                "Conv",
                [x, constant(f"{name}/W", filters), constant(f"{name}/B", weights[f"{name}/bias"])],
                [f"{name}/out"],
                auto_pad="SAME_UPPER",
                strides=[stride, stride],
                kernel_shape=[3, 3],
            )
        )
        return f"{name}/out"

    def separable(x: str, name: str, stride: int) -> str:
        depthwise = weights[f"{name}/depthwise_filter"]  # H W C 1
        channels = depthwise.shape[2]
        nodes.append(
            helper.make_node(
                "Conv",
                [x, constant(f"{name}/DW", depthwise.transpose(2, 3, 0, 1))],
                [f"{name}/dw"],
                auto_pad="SAME_UPPER",
                strides=[stride, stride],
                group=channels,
                kernel_shape=[3, 3],
            )
        )
        pointwise = weights[f"{name}/pointwise_filter"].transpose(3, 2, 0, 1)
        nodes.append(
            helper.make_node(
                "Conv",
                [
                    f"{name}/dw",
                    constant(f"{name}/PW", pointwise),
                    constant(f"{name}/B", weights[f"{name}/bias"]),
                ],
                [f"{name}/out"],
                kernel_shape=[1, 1],
            )
        )
        return f"{name}/out"

    def op(kind: str, inputs: list[str], output: str) -> str:
        nodes.append(helper.make_node(kind, inputs, [output]))
        return output

    def dense_block(x: str, name: str, first: bool) -> str:
        # denseBlock4 in face-api's faceFeatureExtractor/denseBlock.ts
        first_conv = conv(x, f"{name}/conv0", 2) if first else separable(x, f"{name}/conv0", 2)
        out1 = op("Relu", [first_conv], f"{name}/out1")
        out2 = separable(out1, f"{name}/conv1", 1)
        in3 = op("Relu", [op("Add", [out1, out2], f"{name}/sum12")], f"{name}/in3")
        out3 = separable(in3, f"{name}/conv2", 1)
        sum123 = op("Add", [f"{name}/sum12", out3], f"{name}/sum123")
        in4 = op("Relu", [sum123], f"{name}/in4")
        out4 = separable(in4, f"{name}/conv3", 1)
        return op("Relu", [op("Add", [sum123, out4], f"{name}/sum1234")], f"{name}/out")

    features = dense_block("input", "dense0", first=True)
    for block in ("dense1", "dense2", "dense3"):
        features = dense_block(features, block, first=False)
    nodes.append(
        helper.make_node("AveragePool", [features], ["pooled"], kernel_shape=[7, 7], strides=[2, 2])
    )
    op("Flatten", ["pooled"], "flat")
    logits = op(
        "Gemm",
        ["flat", constant("fc/W", weights["fc/weights"]), constant("fc/B", weights["fc/bias"])],
        "logits",
    )
    nodes.append(helper.make_node("Softmax", [logits], ["probabilities"], axis=1))
    graph = helper.make_graph(
        nodes,
        "face_expression_net",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 112, 112])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 7])],
        initialisers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model
