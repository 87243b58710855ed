"""Folds the block-quantized weights of the OpenCV zoo `*_int8bq.onnx` files into float weights.

Those files store weights as int8 with one scale per block of 64 (or 9, 16...) values
(`DequantizeLinear` with a `block_size` attribute, opset 21). onnxruntime 1.32 refuses the
blocks whose scale tensor has a single element ("block_size must be 0 for per-tensor
quantization"). The weights are constants, so dequantizing them once while loading gives the
same numbers the quantized graph means: y = (x - zero_point) * scale, each scale repeated over
its block. Only the in-memory copy changes; the file on disk stays the one whose sha256 is
recorded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper


def _expand_blocks(values: np.ndarray, shape: tuple[int, ...], axis: int, block: int) -> np.ndarray:
    if values.size == 1:
        return values.reshape(())
    if block > 0:
        return np.repeat(values, block, axis=axis).take(range(shape[axis]), axis=axis)
    # Per-axis quantization: a 1-D scale along `axis`.
    broadcast = [1] * len(shape)
    broadcast[axis] = shape[axis]
    return values.reshape(broadcast)


def dequantized_model_bytes(path: Path) -> bytes:
    """The model with every constant DequantizeLinear replaced by its float result."""
    model = onnx.load(str(path))
    graph = model.graph
    initializers = {init.name: init for init in graph.initializer}
    folded: list[onnx.NodeProto] = []
    for node in graph.node:
        if node.op_type != "DequantizeLinear" or not all(i in initializers for i in node.input):
            continue
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        quantized = numpy_helper.to_array(initializers[node.input[0]])
        scale = numpy_helper.to_array(initializers[node.input[1]])
        zero_point = (
            numpy_helper.to_array(initializers[node.input[2]])
            if len(node.input) > 2 and node.input[2]
            else np.zeros_like(scale, dtype=quantized.dtype)
        )
        axis = int(attrs.get("axis", 1)) % max(quantized.ndim, 1)
        block = int(attrs.get("block_size", 0))
        scale_full = _expand_blocks(scale, quantized.shape, axis, block)
        zero_full = _expand_blocks(zero_point, quantized.shape, axis, block)
        dequantized = (
            (quantized.astype(np.float32) - zero_full.astype(np.float32)) * scale_full
        ).astype(scale.dtype)
        graph.initializer.append(numpy_helper.from_array(dequantized, node.output[0]))
        folded.append(node)
    for node in folded:
        graph.node.remove(node)
    # Quantized inputs no other node reads are dead weight now.
    used = {name for node in graph.node for name in node.input}
    outputs = {o.name for o in graph.output}
    for init in list(graph.initializer):
        if init.name not in used and init.name not in outputs:
            graph.initializer.remove(init)
    # The quantizer left the original float weights declared as graph inputs although nothing
    # reads them; onnxruntime would demand them as feeds.
    for graph_input in list(graph.input):
        if graph_input.name not in used:
            graph.input.remove(graph_input)
    return bytes(model.SerializeToString())
