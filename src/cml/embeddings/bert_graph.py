"""Build the ONNX graph of a BERT encoder straight from its safetensors weights (no torch).

all-MiniLM-L6-v2 is a plain BERT: token, position and segment embeddings, then a stack of
post-norm encoder layers (self-attention, GELU feed-forward). This module writes that
computation as ONNX operators with the weights as initializers, reading the weights with numpy
alone, so turning the packaged model into something ONNX Runtime can run needs only the
``onnx`` package. The graph takes ``input_ids``, ``attention_mask`` and ``token_type_ids``
(batch x tokens, both dynamic) and returns ``last_hidden_state``; pooling happens in numpy.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["BertShape", "build_bert_onnx", "read_safetensors"]

_OPSET = 17  # the first opset with LayerNormalization
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


@dataclass(frozen=True)
class BertShape:
    """The sizes of a BERT encoder, as its ``config.json`` gives them.

    Attributes:
        layers: Encoder layers.
        hidden: Width of the hidden state.
        heads: Attention heads per layer.
        eps: Epsilon of every layer normalization.
    """

    layers: int
    hidden: int
    heads: int
    eps: float

    @classmethod
    def from_config(cls, path: Path) -> BertShape:
        """Read the sizes from a Hugging Face ``config.json``.

        Raises:
            ValueError: The model is not a BERT with absolute positions and GELU.
        """
        config = json.loads(path.read_text(encoding="utf-8"))
        if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
            raise ValueError(f"{path} does not describe a BERT model with GELU activations")
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"{path}: only absolute position embeddings are supported")
        return cls(
            layers=int(config["num_hidden_layers"]),
            hidden=int(config["hidden_size"]),
            heads=int(config["num_attention_heads"]),
            eps=float(config["layer_norm_eps"]),
        )


def read_safetensors(path: Path) -> dict[str, npt.NDArray[Any]]:
    """Every tensor of a ``.safetensors`` file as a numpy array (little-endian, as stored).

    The format is an 8-byte header length, a JSON header giving each tensor's dtype, shape and
    byte range, then the raw bytes.

    Raises:
        ValueError: The file uses a dtype this reader does not know.
    """
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length])
    body = memoryview(raw)[8 + length :]
    tensors: dict[str, npt.NDArray[Any]] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
        start, end = info["data_offsets"]
        array = np.frombuffer(body[start:end], dtype=np.dtype(dtype).newbyteorder("<"))
        tensors[name] = array.reshape(info["shape"]).astype(dtype)
    return tensors


class _Graph:
    """Accumulates nodes and initializers; names are generated so each value is unique."""

    def __init__(self) -> None:
        from onnx import helper, numpy_helper

        self.helper = helper
        self.numpy_helper = numpy_helper
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def const(self, name: str, value: npt.NDArray[Any]) -> str:
        self.initializers.append(self.numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, kind: str, *inputs: str, **attributes: Any) -> str:
        self._count += 1
        output = f"{kind.lower()}_{self._count}"
        self.nodes.append(self.helper.make_node(kind, list(inputs), [output], **attributes))
        return output

    def linear(self, x: str, weights: dict[str, npt.NDArray[Any]], prefix: str) -> str:
        # torch stores a Linear's weight as (out, in); x @ W.T + b
        weight = self.const(f"{prefix}.weight", weights[f"{prefix}.weight"].T)
        bias = self.const(f"{prefix}.bias", weights[f"{prefix}.bias"])
        return self.op("Add", self.op("MatMul", x, weight), bias)

    def layer_norm(
        self, x: str, weights: dict[str, npt.NDArray[Any]], prefix: str, eps: float
    ) -> str:
        scale = self.const(f"{prefix}.weight", weights[f"{prefix}.weight"])
        bias = self.const(f"{prefix}.bias", weights[f"{prefix}.bias"])
        return self.op("LayerNormalization", x, scale, bias, axis=-1, epsilon=eps)


def _embeddings(g: _Graph, w: dict[str, npt.NDArray[Any]], shape: BertShape) -> str:
    words = g.op(
        "Gather", g.const("word_embeddings", w["embeddings.word_embeddings.weight"]), "input_ids"
    )
    segments = g.op(
        "Gather",
        g.const("token_type_embeddings", w["embeddings.token_type_embeddings.weight"]),
        "token_type_ids",
    )
    # Rows 0..tokens-1 of the position table, the same for every row of the batch.
    tokens = g.op("Shape", "input_ids", start=1, end=2)
    origin = g.const("origin", np.array([0], dtype=np.int64))
    table = g.const("position_embeddings", w["embeddings.position_embeddings.weight"])
    positions = g.op("Slice", table, origin, tokens, origin)
    summed = g.op("Add", g.op("Add", words, segments), positions)
    return g.layer_norm(summed, w, "embeddings.LayerNorm", shape.eps)


def _attention_bias(g: _Graph) -> str:
    """0 where a token may be attended to, a large negative number at padding: (batch,1,1,T)."""
    mask = g.op("Cast", "attention_mask", to=1)  # FLOAT
    blocked = g.op("Sub", g.const("ones_f", np.array(1.0, dtype=np.float32)), mask)
    lowest = g.const("lowest", np.array(np.finfo(np.float32).min, dtype=np.float32))
    return g.op(
        "Unsqueeze",
        g.op("Mul", blocked, lowest),
        g.const("axes_1_2", np.array([1, 2], dtype=np.int64)),
    )


def _layer(
    g: _Graph, w: dict[str, npt.NDArray[Any]], shape: BertShape, x: str, bias: str, index: int
) -> str:
    prefix = f"encoder.layer.{index}"
    head = shape.hidden // shape.heads
    split = g.const(f"{prefix}.split", np.array([0, 0, shape.heads, head], dtype=np.int64))
    merge = g.const(f"{prefix}.merge", np.array([0, 0, shape.hidden], dtype=np.int64))

    def heads(name: str, perm: list[int]) -> str:
        projected = g.linear(x, w, f"{prefix}.attention.self.{name}")
        return g.op("Transpose", g.op("Reshape", projected, split), perm=perm)

    query = heads("query", [0, 2, 1, 3])  # batch, heads, tokens, head
    key = heads("key", [0, 2, 3, 1])  # batch, heads, head, tokens
    value = heads("value", [0, 2, 1, 3])
    scale = g.const(f"{prefix}.scale", np.array(1.0 / math.sqrt(head), dtype=np.float32))
    scores = g.op("Add", g.op("Mul", g.op("MatMul", query, key), scale), bias)
    context = g.op("MatMul", g.op("Softmax", scores, axis=-1), value)
    context = g.op("Reshape", g.op("Transpose", context, perm=[0, 2, 1, 3]), merge)
    attended = g.linear(context, w, f"{prefix}.attention.output.dense")
    x = g.layer_norm(g.op("Add", attended, x), w, f"{prefix}.attention.output.LayerNorm", shape.eps)

    inner = g.linear(x, w, f"{prefix}.intermediate.dense")
    # Exact GELU: x * (1 + erf(x / sqrt(2))) / 2, as BERT's "gelu" activation.
    root2 = g.const(f"{prefix}.root2", np.array(math.sqrt(2.0), dtype=np.float32))
    half = g.const(f"{prefix}.half", np.array(0.5, dtype=np.float32))
    unit = g.const(f"{prefix}.unit", np.array(1.0, dtype=np.float32))
    erf = g.op("Erf", g.op("Div", inner, root2))
    activated = g.op("Mul", g.op("Mul", inner, g.op("Add", erf, unit)), half)
    out = g.linear(activated, w, f"{prefix}.output.dense")
    return g.layer_norm(g.op("Add", out, x), w, f"{prefix}.output.LayerNorm", shape.eps)


def build_bert_onnx(model_dir: Path, target: Path) -> None:
    """Write the ONNX graph of the BERT encoder in ``model_dir`` to ``target``.

    Args:
        model_dir: A Hugging Face model directory with ``config.json`` and ``model.safetensors``.
        target: Where the ``.onnx`` file goes (overwritten).

    Raises:
        ValueError: The model is not a BERT this builder supports.
        KeyError: A weight the architecture needs is missing from the file.
    """
    import onnx
    from onnx import TensorProto, helper

    shape = BertShape.from_config(model_dir / "config.json")
    weights = read_safetensors(model_dir / "model.safetensors")
    g = _Graph()
    x = _embeddings(g, weights, shape)
    bias = _attention_bias(g)
    for index in range(shape.layers):
        x = _layer(g, weights, shape, x, bias, index)
    g.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))

    def tensor(name: str, kind: int, dims: list[str | int]) -> Any:
        return helper.make_tensor_value_info(name, kind, dims)

    ids = ["batch", "tokens"]
    graph = helper.make_graph(
        g.nodes,
        "bert_encoder",
        [
            tensor(name, TensorProto.INT64, list(ids))
            for name in ("input_ids", "attention_mask", "token_type_ids")
        ],
        [tensor("last_hidden_state", TensorProto.FLOAT, ["batch", "tokens", shape.hidden])],
        g.initializers,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", _OPSET)], producer_name="py-cml"
    )
    model.ir_version = 8  # readable by every ONNX Runtime this project supports
    onnx.checker.check_model(model)
    onnx.save(model, str(target))
