"""The ONNX graph of a mean-pooled, normalised BERT sentence encoder, built from its weights.

Reads ``config.json`` and ``model.safetensors`` of a sentence-transformers folder and writes
the computation sentence-transformers runs (BERT, mean pooling over the attention mask, L2
normalisation) with standard opset-17 operators, so the one-off export needs no PyTorch.
The graph keeps the shapes onnxruntime's BERT optimizer recognises (the embedding sum,
Q/K/V projections reshaped per head, the additive padding mask, erf GELU, residual plus
LayerNormalization), so ``onnx_runtime.fuse`` turns it into the same fused operators as a
traced export. The only module importing onnx and safetensors.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tutor.errors import ConfigError

OPSET = 17
WEIGHTS_FILE = "model.safetensors"
# What BERT adds to the attention scores of padding: torch's lowest float32, as it does.
MASKED = float(np.finfo(np.float32).min)


@dataclass(frozen=True)
class Bert:
    """A BERT encoder's shape and weights, as read from its model folder."""

    layers: int
    heads: int
    hidden: int
    eps: float
    weights: dict[str, np.ndarray]

    def w(self, name: str) -> np.ndarray:
        """The float32 tensor ``name``; ConfigError if the checkpoint lacks it."""
        try:
            return self.weights[name]
        except KeyError:
            raise ConfigError(f"the BERT weights have no '{name}' (not a BertModel "
                              "checkpoint); use embed_backend='torch'") from None


def load_bert(model_dir: str | Path) -> Bert:
    """The encoder of a sentence-transformers BERT folder. ConfigError for what the graph
    does not compute: another activation or position scheme, or weights only torch reads."""
    folder = Path(model_dir)
    config: dict[str, Any] = json.loads((folder / "config.json").read_text())
    act = config.get("hidden_act", "gelu")
    positions = config.get("position_embedding_type", "absolute")
    if act != "gelu" or positions != "absolute":
        raise ConfigError(f"the onnx backends support BERT with exact GELU and absolute "
                          f"positions, not {act} / {positions}; use embed_backend='torch' "
                          f"for {folder}")
    if not (folder / WEIGHTS_FILE).is_file():
        raise ConfigError(f"{folder} has no {WEIGHTS_FILE} (the onnx backends read weights "
                          "in that format only); use embed_backend='torch'")
    from safetensors.numpy import load_file

    weights = {k: v.astype(np.float32, copy=False) if v.dtype.kind == "f" else v
               for k, v in load_file(str(folder / WEIGHTS_FILE)).items()}
    return Bert(layers=int(config["num_hidden_layers"]),
                heads=int(config["num_attention_heads"]), hidden=int(config["hidden_size"]),
                eps=float(config.get("layer_norm_eps", 1e-12)), weights=weights)


class _Graph:
    """Collects nodes and initializers; every value gets a fresh name."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self._count = 0

    def _name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, value: np.ndarray | float | list[int], hint: str = "c") -> str:
        """An initializer: floats become float32, lists of ints int64 tensors."""
        if isinstance(value, float):
            arr = np.array(value, dtype=np.float32)
        elif isinstance(value, list):
            arr = np.array(value, dtype=np.int64)
        else:
            arr = value
        name = self._name(hint)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def op(self, op_type: str, inputs: list[str], **attrs: Any) -> str:
        out = self._name(op_type)
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def linear(self, x: str, bert: Bert, prefix: str) -> str:
        """x @ W.T + b of a torch Linear (weights stored [out, in])."""
        weight = self.const(bert.w(f"{prefix}.weight").T, f"{prefix}.weight")
        return self.op("Add", [self.op("MatMul", [x, weight]),
                               self.const(bert.w(f"{prefix}.bias"), f"{prefix}.bias")])

    def layer_norm(self, x: str, bert: Bert, prefix: str) -> str:
        return self.op("LayerNormalization",
                       [x, self.const(bert.w(f"{prefix}.weight"), f"{prefix}.weight"),
                        self.const(bert.w(f"{prefix}.bias"), f"{prefix}.bias")],
                       axis=-1, epsilon=bert.eps)


def write_graph(bert: Bert, path: Path) -> None:
    """Write the encoder as one graph to ``path``: ``input_ids`` and ``attention_mask``
    (int64, [batch, tokens]) in, the normalised mean-pooled ``embedding`` (float32, [batch,
    hidden]) out."""
    g = _Graph()
    x = _embeddings(g, bert)
    # The additive padding mask, [batch, 1, 1, tokens]: 0 where attended, MASKED elsewhere.
    mask = g.op("Unsqueeze", [g.op("Unsqueeze", ["attention_mask", g.const([1])]),
                              g.const([2])])
    keep = g.op("Cast", [mask], to=TensorProto.FLOAT)
    scores_bias = g.op("Mul", [g.op("Sub", [g.const(1.0), keep]), g.const(MASKED)])
    for i in range(bert.layers):
        x = _layer(g, bert, f"encoder.layer.{i}", x, scores_bias)
    # Mean over the attended tokens, then L2 normalisation (torch's clamps: 1e-9, 1e-12).
    weights = g.op("Cast", [g.op("Unsqueeze", ["attention_mask", g.const([-1])])],
                   to=TensorProto.FLOAT)
    total = g.op("ReduceSum", [g.op("Mul", [x, weights]), g.const([1])], keepdims=0)
    count = g.op("Clip", [g.op("ReduceSum", [weights, g.const([1])], keepdims=0),
                          g.const(1e-9)])
    mean = g.op("Div", [total, count])
    norm = g.op("Clip", [g.op("ReduceL2", [mean], axes=[1], keepdims=1), g.const(1e-12)])
    g.nodes.append(helper.make_node("Div", [mean, norm], ["embedding"], name="embedding"))
    dims = ["batch", "tokens"]
    graph = helper.make_graph(
        g.nodes, "sentence_encoder",
        [helper.make_tensor_value_info(n, TensorProto.INT64, dims)
         for n in ("input_ids", "attention_mask")],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", bert.hidden])],
        g.inits)
    # No producer name: onnxruntime's optimizer warns about any but "pytorch".
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    onnx.save_model(model, str(path))


def _embeddings(g: _Graph, bert: Bert) -> str:
    """Word + token-type (all 0) + position embeddings, then LayerNormalization. Positions
    are sliced from a [1, max positions] range by the input's length: the pattern
    onnxruntime fuses into EmbedLayerNormalization."""
    shape = g.op("Shape", ["input_ids"])
    length = g.op("Unsqueeze", [g.op("Gather", [shape, g.const(np.array(1))], axis=0),
                                g.const([0])])
    table = bert.w("embeddings.position_embeddings.weight")
    positions = g.op("Slice", [g.const(np.arange(table.shape[0], dtype=np.int64)[None]),
                               g.const([0]), length, g.const([1]), g.const([1])])
    types = g.op("ConstantOfShape", [shape],
                 value=helper.make_tensor("zero", TensorProto.INT64, [1], [0]))
    words = g.op("Gather", [g.const(bert.w("embeddings.word_embeddings.weight")), "input_ids"])
    segment = g.op("Gather", [g.const(bert.w("embeddings.token_type_embeddings.weight")),
                              types])
    position = g.op("Gather", [g.const(table), positions])
    summed = g.op("Add", [g.op("Add", [words, segment]), position])
    return g.layer_norm(summed, bert, "embeddings.LayerNorm")


def _layer(g: _Graph, bert: Bert, p: str, x: str, scores_bias: str) -> str:
    """One encoder layer: multi-head self-attention and the feed-forward block, each with
    its residual and LayerNormalization (post-norm, as BERT)."""
    head = bert.hidden // bert.heads
    split = g.const([0, 0, bert.heads, head])

    def heads(name: str, perm: list[int]) -> str:
        return g.op("Transpose", [g.op("Reshape", [g.linear(x, bert, f"{p}.attention.self."
                                                               f"{name}"), split])], perm=perm)

    q = heads("query", [0, 2, 1, 3])
    k = heads("key", [0, 2, 3, 1])  # already transposed for Q @ K^T
    v = heads("value", [0, 2, 1, 3])
    # Scaled by a Div: with a Mul, the optimizer would take it for the mask's Mul.
    scores = g.op("Div", [g.op("MatMul", [q, k]), g.const(math.sqrt(head))])
    probs = g.op("Softmax", [g.op("Add", [scores, scores_bias])], axis=-1)
    context = g.op("Reshape", [g.op("Transpose", [g.op("MatMul", [probs, v])],
                                    perm=[0, 2, 1, 3]), g.const([0, 0, bert.hidden])])
    attended = g.op("Add", [g.linear(context, bert, f"{p}.attention.output.dense"), x])
    x = g.layer_norm(attended, bert, f"{p}.attention.output.LayerNorm")
    inner = g.linear(x, bert, f"{p}.intermediate.dense")
    # Exact GELU, x * (1 + erf(x / sqrt 2)) / 2, in the order onnxruntime fuses into Gelu.
    erf = g.op("Erf", [g.op("Div", [inner, g.const(math.sqrt(2.0))])])
    gelu = g.op("Mul", [g.op("Mul", [inner, g.op("Add", [erf, g.const(1.0)])]), g.const(0.5)])
    out = g.op("Add", [g.linear(gelu, bert, f"{p}.output.dense"), x])
    return g.layer_norm(out, bert, f"{p}.output.LayerNorm")
