"""Index: chunks and vectors stored as generations. The VectorStore protocol and its Chroma
and in-memory stores, BM25 over the same chunks, generations on disk and the read-only
snapshot that retrieval searches."""

from tutor.index.base import StoreInfo, VectorStore
from tutor.index.generations import Manifest, current_name
from tutor.index.snapshot import Snapshot, probe_index

__all__ = ["Manifest", "Snapshot", "StoreInfo", "VectorStore", "current_name", "probe_index"]
