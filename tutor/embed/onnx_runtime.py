"""The ``onnx`` and ``onnx-int8`` runtimes: the model's local ONNX export run by onnxruntime.
The only module importing onnxruntime (sessions here, and the graph fusion and int8
quantisation the export step asks for).

``onnx`` computes the same vectors as torch (cosine > 0.9999), so it keeps the torch model id
and can serve a torch-built index. ``onnx-int8`` embeds *documents* with int8 matrix
multiplications (cosine ~0.995 to torch) and *queries* in fp32: a query is one short text, so
int8 would save nothing there while costing precision exactly where ranking is decided. Its
document vectors carry a ``+onnx-int8`` model id (their own embedding cache; an ingest does
not mix them with fp32 ones), but they live in the model's vector space, so any runtime's
queries can search them (``vector_space``). Neither serving nor the export imports torch.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from filelock import FileLock
from tokenizers import Tokenizer

from tutor.config import DEFAULT_EMBED_MODEL
from tutor.embed.base import INT8_SUFFIX, LocalModel, resolve_model
from tutor.errors import ConfigError

if TYPE_CHECKING:
    import onnxruntime as ort

# Bump when the exported graph changes, so old exports are rebuilt rather than reused.
EXPORT_FORMAT = 2  # 2: built from the weights (bert_onnx), no longer traced by torch
# Part of the int8 export's folder name: change it with the quantisation recipe in ``fuse``.
INT8_RECIPE = "per-channel MatMul+Attention"


def new_session(model: Path, threads: int = 0) -> ort.InferenceSession:
    """A CPU inference session for an exported graph; ``threads`` 0 keeps onnxruntime's default.

    onnxruntime is imported here, on first use, so that a process can start loading it on
    one thread while it imports the rest on another (``Tutor.warm_up``)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])


def fuse(raw: Path, target: Path, num_heads: int, hidden_size: int, quantize: bool) -> None:
    """Fuse an exported BERT graph for onnxruntime and, if ``quantize``, make its matrix
    multiplications int8 (per channel). Part of the export step: its libraries take seconds
    to import, so serving never imports them."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    # opt_level 0: the fusions alone. Level 1 first runs onnxruntime's basic pass, which
    # imports torch (onnxruntime.transformers.optimizer.optimize_by_onnxruntime) and adds
    # nothing here: the graph holds no foldable constants, and every session applies all
    # of onnxruntime's graph optimizations when it loads the model anyway.
    fused = optimizer.optimize_model(str(raw), model_type="bert", opt_level=0,
                                     num_heads=num_heads, hidden_size=hidden_size)
    if not quantize:
        fused.save_model_to_file(str(target))
        return
    fused_path = target.with_name("fused.onnx")
    fused.save_model_to_file(str(fused_path))
    # Per-channel int8 weights for every projection, including the fused attention's Q/K/V
    # (a third of the remaining fp32 time). Per-tensor scales cost ~5 points of cosine.
    quantize_dynamic(str(fused_path), str(target), weight_type=QuantType.QInt8,
                     per_channel=True, op_types_to_quantize=["MatMul", "Attention"],
                     # 1 is onnx.TensorProto.FLOAT: onnx itself is bert_onnx's import
                     extra_options={"DefaultTensorType": 1})
    fused_path.unlink(missing_ok=True)


def length_batches(tokenizer: Tokenizer, texts: Sequence[str], window: int, batch_size: int
                   ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield (row indices, token ids, attention mask) batches, longest texts first.

    Sorting by length means each batch is padded only to its own longest text. A batch also
    ends before a text shorter than half its longest, so short texts are not padded to a much
    longer one (a pasted question's long stem and its four short options: one batch would
    cost five stems). Texts over ``window`` word pieces are truncated as sentence-transformers
    does ([SEP] kept last).
    """
    encs = tokenizer.encode_batch(list(texts), add_special_tokens=True)
    lengths = np.array([min(len(e.ids), window) for e in encs])
    order = np.argsort(-lengths, kind="stable")
    start = 0
    while start < len(order):
        width = int(lengths[order[start]])
        end, limit = start + 1, min(start + batch_size, len(order))
        while end < limit and 2 * lengths[order[end]] >= width:
            end += 1
        rows = order[start:end]
        start = end
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for r, i in enumerate(rows):
            seq = encs[i].ids
            if len(seq) > window:
                seq = seq[:window - 1] + seq[-1:]
            ids[r, :len(seq)] = seq
            mask[r, :len(seq)] = 1
        yield rows, ids, mask


def encode(session: ort.InferenceSession, tokenizer: Tokenizer, texts: Sequence[str], dim: int,
           window: int, batch_size: int) -> np.ndarray:
    """The vectors of ``texts`` from an exported graph, in ``length_batches``."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for rows, ids, mask in length_batches(tokenizer, texts, window, batch_size):
        out[rows] = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
    return out


def _mean_pooling(config: dict[str, Any]) -> bool:
    """Whether a Pooling module averages the tokens and nothing else, in the config of
    sentence-transformers 6 (``pooling_mode``) or of earlier versions (one flag a mode)."""
    if "pooling_mode" in config:
        return bool(config["pooling_mode"] == "mean")
    return {k for k, on in config.items() if k.startswith("pooling_mode_") and on} == {
        "pooling_mode_mean_tokens"}


class OnnxEmbedder(LocalModel):
    """The same model run by onnxruntime from a local export; fp32, or int8 documents with
    fp32 queries when ``quantize``. Thread-safe.

    Texts are sorted by length and padded per batch only to the longest text of that batch.
    The export is made by ``prepare`` at setup (or, failing that, on first use) under
    ``export_root`` (one folder per model, format and precision, written atomically) and
    checked on probe texts before use (``export``).
    """

    def __init__(self, name: str = DEFAULT_EMBED_MODEL, *, quantize: bool = False,
                 batch_size: int = 32, threads: int = 0, query_threads: int = 1,
                 export_root: Path | None = None):
        base_id, self._load_from = resolve_model(name)
        self._name = name
        self._usable = False
        self.quantize = quantize
        self.model_id = f"{base_id}{INT8_SUFFIX}" if quantize else base_id
        # int8 vectors depend on the recipe too: cache them per recipe, never across recipes.
        recipe = hashlib.sha256(INT8_RECIPE.encode()).hexdigest()[:8]
        self.cache_id = f"{self.model_id}-{recipe}" if quantize else self.model_id
        self.batch_size = batch_size
        self.threads = threads
        self.query_threads = query_threads
        self.encoded = 0
        self.export_root = export_root or Path.home() / ".cache" / "mla-tutor" / "encoders"
        # Sessions load on first use, possibly from two threads at once (the app's warm-up
        # and a first question); one lock makes the second wait instead of loading twice.
        self._load_lock = threading.Lock()
        self._sessions: dict[int, ort.InferenceSession] = {}
        # Queries of the int8 runtime go through the fp32 export (see the module docstring).
        self.fp32 = OnnxEmbedder(name, batch_size=batch_size, threads=threads,
                                  query_threads=query_threads,
                                  export_root=self.export_root) if quantize else None

    def _check_source(self) -> None:
        """ConfigError unless the model is a local folder this runtime can export. Checked
        when the model is first needed rather than when the runtime is built, so that a
        changed TUTOR_EMBED_MODEL first meets the index's model check and its advice."""
        if self._usable:
            return
        if not Path(self._load_from).is_dir():
            raise ConfigError(f"the onnx backends need a local model folder; '{self._name}' is "
                              "not one (use embed_backend='torch')")
        modules = Path(self._load_from) / "modules.json"
        kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in
                 (json.loads(modules.read_text()) if modules.exists() else [])]
        bert = self._json("config.json").get("model_type") == "bert"
        if kinds != ["Transformer", "Pooling", "Normalize"] or not bert or not _mean_pooling(
                self._json("1_Pooling/config.json")):
            raise ConfigError(f"the onnx backends support mean-pooled, normalised BERT models "
                              f"only; use embed_backend='torch' for {self._load_from}")
        self._usable = True

    # dim and window are read from the model folder once: every encoder call asks for them
    @cached_property
    def dim(self) -> int:
        self._check_source()
        return int(self._json("config.json")["hidden_size"])

    @cached_property
    def window(self) -> int:
        return super().window

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        self._check_source()
        return super().count_tokens(texts)

    @property
    def export_dir(self) -> Path:
        """Folder of this model's export; its name changes whenever the source weights do."""
        self._check_source()
        src = Path(self._load_from)
        stamp = [EXPORT_FORMAT, INT8_RECIPE if self.quantize else False, str(src)] + [
            (p.name, p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(src.iterdir()) if p.is_file()]
        key = hashlib.sha256(json.dumps(stamp).encode()).hexdigest()[:16]
        precision = "int8" if self.quantize else "fp32"
        return self.export_root / f"{src.name}-{precision}-{key}"

    @property
    def session(self) -> ort.InferenceSession:
        """The session for documents, on ``threads`` threads."""
        return self._session(self.threads)

    @property
    def query_session(self) -> ort.InferenceSession:
        """The session for single queries, on ``query_threads`` threads: a second session
        only when the two thread counts differ."""
        return self._session(self.query_threads)

    def _session(self, threads: int) -> ort.InferenceSession:
        with self._load_lock:
            if threads not in self._sessions:
                self._sessions[threads] = new_session(self.prepare(), threads)
            return self._sessions[threads]

    @property
    def exported(self) -> bool:
        """Whether this machine has the export already."""
        return (self.export_dir / "model.onnx").exists()

    def prepare(self) -> Path:
        """The exported graph, exported first if this machine has none yet (once, seconds).
        Setup calls this so that serving never has to."""
        if not self.exported:
            self._export()
        return self.export_dir / "model.onnx"

    def _export(self) -> None:
        from tutor.embed.export import export_onnx  # onnx and its optimizer: setup only

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
                    {"model_id": self.model_id, "source": self._load_from,
                     "format": EXPORT_FORMAT, **report}, indent=1))
                os.replace(tmp, self.export_dir)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded += len(texts)
        return self._encode(texts, self.session)

    def embed_query(self, text: str) -> np.ndarray:
        """One query, on the ``query_threads`` session (see Settings.embed_query_threads)."""
        if self.fp32 is not None:
            return self.fp32.embed_query(text)
        session = self.query_session if self.query_threads else self.session
        vec: np.ndarray = self._encode([text], session)[0]
        return vec

    def _encode(self, texts: Sequence[str], session: Any) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        tok = self.tokenizer
        if tok is None:
            raise ConfigError(f"{self._load_from} has no tokenizer.json")
        # InferenceSession.run is thread-safe, so a query need not wait for a long batch.
        return encode(session, tok, texts, self.dim, self.window, self.batch_size)
