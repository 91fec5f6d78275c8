"""The ``torch`` runtime: a sentence-transformers model in PyTorch. The only module importing
sentence-transformers; it is loaded on first use, so chunking and serving an onnx index never
import torch."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from tutor.config import DEFAULT_EMBED_MODEL
from tutor.embed.base import LocalModel, offline_for, resolve_model


class SentenceTransformerEmbedder(LocalModel):
    """A sentence-transformers model in PyTorch, loaded on first use. Thread-safe for encoding."""

    def __init__(self, name: str = DEFAULT_EMBED_MODEL, *, batch_size: int = 32,
                 threads: int = 0, query_threads: int = 1):
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
    from sentence_transformers import CrossEncoder

    return CrossEncoder(name_or_path, device="cpu", local_files_only=local)
