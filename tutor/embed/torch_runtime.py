"""The ``torch`` runtime: a sentence-transformers model in PyTorch. The only module importing
sentence-transformers, torch and transformers; they are loaded on first use, so chunking and
serving an onnx index never import them. They are the optional ``torch`` extra: ``make run``
does not install them, and ``require_torch`` says how to when they are missing."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from tutor import prompts
from tutor.config import DEFAULT_EMBED_MODEL
from tutor.embed.base import LocalModel, offline_for, resolve_model
from tutor.errors import ConfigError


def require_torch(what: str) -> None:
    """ConfigError saying how to install them unless PyTorch and sentence-transformers are
    installed. Looks them up without importing them (that takes seconds)."""
    for package in ("torch", "sentence_transformers"):
        try:
            found = importlib.util.find_spec(package) is not None
        except (ImportError, ValueError):  # a broken install counts as a missing one
            found = False
        if not found:
            raise ConfigError(prompts.TORCH_MISSING.format(what=what, package=package))


class SentenceTransformerEmbedder(LocalModel):
    """A sentence-transformers model in PyTorch, loaded on first use. Thread-safe for encoding."""

    def __init__(self, name: str = DEFAULT_EMBED_MODEL, *, batch_size: int = 32,
                 threads: int = 0, query_threads: int = 1):
        require_torch("embed_backend='torch'")
        self.model_id, self._load_from = resolve_model(name)
        self.cache_id = self.model_id
        self.batch_size = batch_size
        self.threads = threads
        self.query_threads = query_threads
        self.encoded = 0
        self._lock = threading.Lock()

    @cached_property
    def model(self) -> Any:
        """The loaded SentenceTransformer (import and load take seconds, once)."""
        offline_for(self._load_from)
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        if self.threads:
            torch.set_num_threads(self.threads)
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        return SentenceTransformer(self._load_from, device="cpu")

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

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text; a hub model without a local tokenizer.json uses its own."""
        if self.tokenizer is not None:
            return super().count_tokens(texts)
        tok = self.model.tokenizer
        return [len(tok.tokenize(t)) for t in texts]

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vecs = self.model.encode(
                list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
            self.encoded += len(texts)
        return np.asarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """One query, encoded on ``query_threads`` threads (see Settings.embed_query_threads)."""
        if not self.query_threads:
            first: np.ndarray = self.embed_documents([text])[0]
            return first
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


def load_cross_encoder(name_or_path: str, *, local: bool) -> Any:
    """A sentence-transformers CrossEncoder on CPU, for tutor/rerank.py (this module owns the
    sentence-transformers import); a local folder never touches the network."""
    require_torch("the reranker (TUTOR_RERANKER)")
    from sentence_transformers import CrossEncoder

    return CrossEncoder(name_or_path, device="cpu", local_files_only=local)


def fine_tune(batches: Sequence[Sequence[tuple[str, str]]], out: Path, *, base: str,
              epochs: int, lr: float, seed: int, max_seq: int, threads: int,
              log_every: int = 20) -> dict[str, Any]:
    """Fine-tune the model at ``base`` on (query, passage) batches with in-batch negatives
    (MultipleNegativesRankingLoss) and save it to ``out`` as a sentence-transformers folder.
    Returns steps, seconds and the mean loss of the first and last tenth of the steps. Used by
    ``evals.adapt`` (domain adaptation, a maintainer's experiment), never by serving."""
    import random
    import time

    require_torch("fine-tuning")
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.losses import MultipleNegativesRankingLoss
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if threads:
        torch.set_num_threads(threads)
    model = SentenceTransformer(base, device="cpu")
    window = model.max_seq_length or 256
    model.max_seq_length = min(max_seq, window)
    loss_fn = MultipleNegativesRankingLoss(model)
    total = len(batches) * epochs
    optim = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warmup = max(1, total // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        optim, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup))))
    model.train()
    losses: list[float] = []
    start = time.perf_counter()
    for epoch in range(epochs):
        order = list(batches)
        random.Random(seed + epoch).shuffle(order)
        for batch in order:
            feats = [model.tokenize([q for q, _ in batch]), model.tokenize([p for _, p in batch])]
            loss = loss_fn(feats, None)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optim.step()
            sched.step()
            optim.zero_grad()
            losses.append(float(loss.detach()))
            if len(losses) % log_every == 0 or len(losses) == total:
                print(f"  step {len(losses)}/{total}  loss {losses[-1]:.3f}  "
                      f"{time.perf_counter() - start:.0f} s", flush=True)
    seconds = time.perf_counter() - start
    model.eval()
    model.max_seq_length = window
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out), safe_serialization=True, create_model_card=False)
    tenth = max(1, len(losses) // 10)
    return {"steps": len(losses), "seconds": round(seconds, 1),
            "loss_first": round(sum(losses[:tenth]) / tenth, 4),
            "loss_last": round(sum(losses[-tenth:]) / tenth, 4)}
