"""Rerank: the Reranker protocol and the configured cross-encoder behind it.

A cross-encoder reads the question and a passage together and scores the pair, which a
bi-encoder cannot; it is too slow for the whole index, so it re-scores the best fused hits
only. None is bundled (no weights can be installed offline here); a user who has one names it
in ``Settings.reranker``. The model is loaded on first use, through the torch runtime
(the one module importing sentence-transformers).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from tutor.config import Settings
from tutor.errors import ConfigError


class Reranker(Protocol):
    """Scores (question, passage) pairs; higher means more relevant."""

    @property
    def name(self) -> str:
        """What the reranker is, for reports: the model path or name."""

    def score(self, question: str, passages: Sequence[str]) -> list[float]:
        """One relevance score per passage, in the order given."""


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder by local path or hub name, loaded on first use."""

    def __init__(self, name_or_path: str, *, batch_size: int = 16):
        path = Path(name_or_path).expanduser()
        if path.exists() and not (path / "config.json").exists():
            raise ConfigError(f"{path} is not a cross-encoder model folder (no config.json)")
        self.name = str(path.resolve()) if path.exists() else name_or_path
        self._local = path.exists()
        self.batch_size = batch_size
        self._lock = threading.Lock()

    @cached_property
    def model(self) -> Any:
        """The loaded CrossEncoder; a local folder never touches the network."""
        from tutor.embed.torch_runtime import load_cross_encoder

        try:
            return load_cross_encoder(self.name, local=self._local)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load the reranker '{self.name}': {exc}") from exc

    def score(self, question: str, passages: Sequence[str]) -> list[float]:
        if not passages:
            return []
        with self._lock:
            scores = self.model.predict([(question, p) for p in passages],
                                        batch_size=self.batch_size, show_progress_bar=False,
                                        convert_to_numpy=True)
        scores = np.asarray(scores, dtype=np.float32)
        if scores.ndim != 1:
            raise ConfigError(f"the reranker '{self.name}' gives {scores.shape[-1]} scores per "
                              "pair; a cross-encoder for ranking gives one")
        return [float(s) for s in scores]


def make_reranker(settings: Settings) -> Reranker | None:
    """The reranker ``settings.reranker`` names, or None when none is configured."""
    if not settings.reranker:
        return None
    return CrossEncoderReranker(settings.reranker)
