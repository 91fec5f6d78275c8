"""Embed: texts -> L2-normalised vectors. The Embedder protocol, the torch and onnx runtimes,
the one-off ONNX export, and a persistent cache so no text is embedded twice.

Runtimes are imported when ``make_embedder`` picks one, so choosing ``onnx`` (the default)
never loads torch. Its one-off export is made at setup, by ``prepare_runtime``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.config import Settings
from tutor.embed.base import Embedder, bundled_model_path, vector_space
from tutor.embed.cache import CachedEmbedder

if TYPE_CHECKING:
    from tutor.embed.onnx_runtime import OnnxEmbedder

__all__ = ["EMBEDDER_SETTINGS", "CachedEmbedder", "Embedder", "bundled_model_path",
           "embedder_key", "make_embedder", "prepare_runtime", "vector_space"]

# Every setting make_embedder reads (tests/test_embed.py checks the list is complete).
EMBEDDER_SETTINGS = ("embed_model", "embed_backend", "embed_batch_size", "embed_threads",
                     "embed_query_threads", "encoder_dir", "home")


def embedder_key(settings: Settings) -> str:
    """A key that changes whenever a setting the embedder is built from does."""
    return json.dumps(settings.model_dump(mode="json", include=set(EMBEDDER_SETTINGS)),
                      sort_keys=True)


def make_embedder(settings: Settings) -> CachedEmbedder:
    """The configured runtime behind the persistent cache under ``settings.cache_dir``."""
    base: Embedder
    if settings.embed_backend == "torch":
        from tutor.embed.torch_runtime import SentenceTransformerEmbedder

        base = SentenceTransformerEmbedder(settings.embed_model,
                                           batch_size=settings.embed_batch_size,
                                           threads=settings.embed_threads,
                                           query_threads=settings.embed_query_threads)
    else:
        base = _onnx(settings)
    return CachedEmbedder(base, settings.cache_dir)


def _onnx(settings: Settings) -> OnnxEmbedder:
    from tutor.embed.onnx_runtime import OnnxEmbedder

    return OnnxEmbedder(settings.embed_model, quantize=settings.embed_backend == "onnx-int8",
                        batch_size=settings.embed_batch_size, threads=settings.embed_threads,
                        query_threads=settings.embed_query_threads,
                        export_root=settings.encoder_dir or settings.cache_dir / "encoders")


def prepare_runtime(settings: Settings,
                    on_export: Callable[[Path], None] | None = None) -> list[Path]:
    """Make the configured runtime ready to serve offline: the onnx runtimes export the
    model once per machine (int8 also needs the fp32 export, for queries), calling
    ``on_export`` with the folder before a slow export starts. Returns the graphs; torch
    needs none. Called at setup (``tutor ingest``), so that serving never exports."""
    if settings.embed_backend == "torch":
        return []
    emb = _onnx(settings)
    graphs = []
    for runtime in [emb] + ([emb.fp32] if emb.fp32 is not None else []):
        if on_export is not None and not runtime.exported:
            on_export(runtime.export_dir)
        graphs.append(runtime.prepare())
    return graphs
