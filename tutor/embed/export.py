"""The one-off step behind the onnx runtimes: export a sentence encoder from PyTorch to one
ONNX graph, fuse (and optionally quantise) it, and check it against torch before use.

Needs torch, transformers and onnx; runs once per model and precision, called by
``OnnxEmbedder`` when its export folder is missing.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModel
from transformers.utils import logging as hf_logging

from tutor.embed.base import load_tokenizer, offline_for
from tutor.embed.onnx_runtime import fuse, length_batches, new_session
from tutor.errors import ConfigError

# Probe texts an export must reproduce before it is used: fp32 must match torch, int8 nearly.
PROBES = ("How do I choose between real-time and asynchronous SageMaker inference?",
          "Kinesis Data Streams shard capacity", "KMS key policy versus IAM policy " * 20)
MIN_COSINE = {False: 0.9999, True: 0.97}


class _Pooled(torch.nn.Module):
    """BERT plus mean pooling and L2 normalisation: what sentence-transformers computes."""

    def __init__(self, bert: torch.nn.Module):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
        weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
        mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(mean, p=2, dim=1)


def export_onnx(model_dir: str, target: Path, *, quantize: bool) -> dict[str, Any]:
    """Export a mean-pooled BERT sentence encoder to one ONNX graph (pooling and
    normalisation included), fuse it for onnxruntime, optionally quantise its matrix
    multiplications to int8 (per channel), and check it against torch on probe texts.

    Returns the probe cosines. Raises ConfigError when the graph does not reproduce the model.
    """
    offline_for(model_dir)
    hf_logging.set_verbosity_error()
    # Eager attention traces into plain ops that honour the padding mask for every shape.
    model = AutoModel.from_pretrained(model_dir, attn_implementation="eager").eval()
    pooled = _Pooled(model).eval()
    ids = torch.full((2, 16), 1000, dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    mask[1, 9:] = 0  # a padded example, so the mask is part of the traced graph
    raw = target.with_name("raw.onnx")
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(pooled, (ids, mask), str(raw),
                          input_names=["input_ids", "attention_mask"],
                          output_names=["embedding"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"},
                                        "embedding": {0: "batch"}})
    fuse(raw, target, model.config.num_attention_heads, model.config.hidden_size, quantize)
    raw.unlink(missing_ok=True)
    cosines = _verify(model_dir, pooled, target, quantize)
    return {"quantized": quantize, "probe_cosines": cosines}


def _verify(model_dir: str, pooled: _Pooled, target: Path, quantize: bool) -> list[float]:
    tok = load_tokenizer(model_dir)
    if tok is None:
        raise ConfigError(f"{model_dir} has no tokenizer.json")
    session = new_session(target)
    cosines: list[float] = []
    for _, ids, mask in length_batches(tok, PROBES, 256, 8):
        with torch.no_grad():
            ref = pooled(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
        got = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        cosines += [float(c) for c in (ref * got).sum(1)]
    if min(cosines) < MIN_COSINE[quantize]:
        raise ConfigError(f"the ONNX export of {model_dir} does not reproduce the model "
                          f"(cosines {cosines}); use embed_backend='torch'")
    return cosines
