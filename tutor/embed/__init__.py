"""Embed: texts -> L2-normalised vectors. The Embedder protocol, the torch and onnx runtimes,
the one-off ONNX export, and a persistent cache so no text is embedded twice.

Runtimes are imported when ``make_embedder`` picks one, so choosing ``onnx`` never loads torch.
"""

from __future__ import annotations

import json

from tutor.config import Settings
from tutor.embed.base import Embedder, bundled_model_path, vector_space
from tutor.embed.cache import CachedEmbedder

__all__ = ["EMBEDDER_SETTINGS", "CachedEmbedder", "Embedder", "bundled_model_path",
           "embedder_key", "make_embedder", "vector_space"]

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
        from tutor.embed.onnx_runtime import OnnxEmbedder

        base = OnnxEmbedder(settings.embed_model, quantize=settings.embed_backend == "onnx-int8",
                            batch_size=settings.embed_batch_size, threads=settings.embed_threads,
                            query_threads=settings.embed_query_threads,
                            export_root=settings.encoder_dir or settings.cache_dir / "encoders")
    return CachedEmbedder(base, settings.cache_dir)
