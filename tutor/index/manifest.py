"""What a generation records: its files, their statuses and chunk ids, the model and store."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, Field

from tutor.types import FileStatus, IngestReport

FORMAT = 1


class FileRecord(BaseModel):
    """What the index holds for one source file."""

    root: str = Field(description="Absolute folder the source path is relative to.")
    corpus: str | None = Field(None, description="Name of the source set, e.g. 'notes'.")
    sha256: str = Field(description="Digest of the file's bytes ('size:N' when over the limit).")
    size: int = Field(description="Bytes on disk.")
    status: FileStatus
    message: str | None = Field(None, description="What to do about a file that is not ok.")
    warnings: list[str] = Field(default_factory=list)
    chunk_ids: list[str] = Field(default_factory=list)


class Manifest(BaseModel):
    """Everything one generation holds, written last so a half-built generation has none."""

    format: int = FORMAT
    generation: str
    created: float = Field(description="Unix time the generation was written.")
    model_id: str = Field(description="Embedding model the vectors were built with.")
    dim: int
    backend: str = Field(description="'embedded', 'memory' or the Chroma server URL.")
    collection: str
    chunk_count: int
    files: dict[str, FileRecord] = Field(default_factory=dict)
    report: IngestReport | None = None

    def statuses(self) -> dict[str, int]:
        """Files per status (ok, empty, encrypted, ...)."""
        return dict(Counter(rec.status.value for rec in self.files.values()))

    def chunks_by_corpus(self) -> dict[str, int]:
        """Chunks per source set ('?' for files ingested without one)."""
        out: Counter[str] = Counter()
        for rec in self.files.values():
            out[rec.corpus or "?"] += len(rec.chunk_ids)
        return dict(out)
