"""The one-off step behind the onnx runtimes: build a sentence encoder's ONNX graph from its
weights (``bert_onnx``), fuse (and optionally quantise) it, and check it before use.

Needs no PyTorch, so running the tutor never installs it. The check compares the graph with
a forward pass of the same weights written separately in numpy, one unpadded text at a
time, on probe texts: it catches a graph that masks padding wrongly or that the optimizer
or quantiser of the installed onnxruntime changed. That both agree with sentence-transformers
itself is what the test suite shows (tests/test_embed_export.py, where PyTorch is installed).
Runs once per model and precision, called by ``OnnxEmbedder`` when its export is missing.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from tutor.embed.base import load_tokenizer
from tutor.embed.bert_onnx import Bert, load_bert, write_graph
from tutor.embed.onnx_runtime import fuse, length_batches, new_session
from tutor.errors import ConfigError

# Probe texts an export must reproduce before it is used: fp32 exactly, int8 nearly.
PROBES = ("How do I choose between real-time and asynchronous SageMaker inference?",
          "Kinesis Data Streams shard capacity", "KMS key policy versus IAM policy " * 20)
MIN_COSINE = {False: 0.9999, True: 0.97}
_erf = np.frompyfunc(math.erf, 1, 1)


def export_onnx(model_dir: str, target: Path, *, quantize: bool) -> dict[str, Any]:
    """Build a mean-pooled BERT sentence encoder as one ONNX graph (pooling and
    normalisation included), fuse it for onnxruntime, optionally quantise its matrix
    multiplications to int8 (per channel), and check it on probe texts.

    Returns the probe cosines. Raises ConfigError when the model is not one the graph
    computes or the graph does not reproduce it.
    """
    bert = load_bert(model_dir)
    raw = target.with_name("raw.onnx")
    write_graph(bert, raw)
    fuse(raw, target, bert.heads, bert.hidden, quantize)
    raw.unlink(missing_ok=True)
    cosines = _verify(model_dir, bert, target, quantize)
    return {"quantized": quantize, "probe_cosines": cosines}


def reference(bert: Bert, ids: np.ndarray) -> np.ndarray:
    """The normalised mean-pooled vector of one text (its word-piece ids, no padding), as
    sentence-transformers computes it, in float32 numpy."""
    n, head = len(ids), bert.hidden // bert.heads
    x = (bert.w("embeddings.word_embeddings.weight")[ids]
         + bert.w("embeddings.token_type_embeddings.weight")[0]
         + bert.w("embeddings.position_embeddings.weight")[:n])
    x = _layer_norm(x, bert, "embeddings.LayerNorm")
    for i in range(bert.layers):
        p = f"encoder.layer.{i}"
        q, k, v = (_linear(x, bert, f"{p}.attention.self.{name}")
                   .reshape(n, bert.heads, head).transpose(1, 0, 2)
                   for name in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / np.float32(math.sqrt(head))
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        context = (probs @ v).transpose(1, 0, 2).reshape(n, bert.hidden)
        x = _layer_norm(_linear(context, bert, f"{p}.attention.output.dense") + x, bert,
                        f"{p}.attention.output.LayerNorm")
        inner = _linear(x, bert, f"{p}.intermediate.dense")
        inner = inner * (1 + np.asarray(_erf(inner / math.sqrt(2)), dtype=np.float32)) / 2
        x = _layer_norm(_linear(inner, bert, f"{p}.output.dense") + x, bert,
                        f"{p}.output.LayerNorm")
    mean = x.mean(0)
    vec: np.ndarray = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return vec


def _linear(x: np.ndarray, bert: Bert, prefix: str) -> np.ndarray:
    out: np.ndarray = x @ bert.w(f"{prefix}.weight").T + bert.w(f"{prefix}.bias")
    return out


def _layer_norm(x: np.ndarray, bert: Bert, prefix: str) -> np.ndarray:
    centred = x - x.mean(-1, keepdims=True)
    scaled = centred / np.sqrt((centred ** 2).mean(-1, keepdims=True) + bert.eps)
    out: np.ndarray = scaled * bert.w(f"{prefix}.weight") + bert.w(f"{prefix}.bias")
    return out


def _verify(model_dir: str, bert: Bert, target: Path, quantize: bool) -> list[float]:
    """Cosines of the graph's vectors (probes in one padded batch) to the reference's."""
    tok = load_tokenizer(model_dir)
    if tok is None:
        raise ConfigError(f"{model_dir} has no tokenizer.json")
    session = new_session(target)
    cosines: list[float] = []
    for _, ids, mask in length_batches(tok, PROBES, 256, 8):
        got = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        for row, length in enumerate(mask.sum(1)):
            cosines.append(float(reference(bert, ids[row, :length]) @ got[row]))
    if min(cosines) < MIN_COSINE[quantize]:
        raise ConfigError(f"the ONNX export of {model_dir} does not reproduce the model "
                          f"(cosines {cosines}); use embed_backend='torch'")
    return cosines
