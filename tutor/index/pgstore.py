"""Generations in PostgreSQL (team mode): manifests, chunks and the serving pointer.

Every app process on every host reads the same pointer, so they all serve the same
generation; vectors are in the Chroma server, one collection per generation. A generation's
row is reserved before its vectors are written, filled (chunks, then the manifest) in one
transaction, and published by updating the one-row pointer table, which is atomic. A build
killed at any point leaves the pointer where it was; the next ingest removes what it left.
BM25 is not stored: each process builds it in memory from the chunks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tutor import postgres
from tutor.config import LexicalAnalyzer as Analyzer
from tutor.errors import IndexDamagedError, IngestLockedError
from tutor.index.lexical import LexicalIndex
from tutor.index.manifest import Manifest
from tutor.migrate import require_current
from tutor.prompts import INGEST_LOCKED_TEAM
from tutor.types import Chunk

_WRITER_LOCK = 0x696E67657374  # advisory lock key shared by every ingest ("ingest")


class PostgresGenerations:
    """The GenerationStore of one PostgreSQL database."""

    def __init__(self, url: str):
        self.url = url
        require_current(url)

    def where(self) -> str:
        return postgres.where(self.url)

    def current(self) -> str | None:
        with postgres.transaction(self.url) as conn:
            row = conn.execute("SELECT generation FROM index_pointer WHERE id = 1").fetchone()
        return str(row[0]) if row else None

    def names(self) -> list[str]:
        with postgres.transaction(self.url) as conn:
            rows = conn.execute("SELECT name FROM index_generations ORDER BY name").fetchall()
        return [str(r[0]) for r in rows]

    def manifest(self, gen: str) -> Manifest:
        with postgres.transaction(self.url) as conn:
            row = conn.execute("SELECT manifest FROM index_generations WHERE name = %s",
                               (gen,)).fetchone()
        if row is None or row[0] is None:
            raise IndexDamagedError(f"generation {gen} has no manifest in {self.where()}")
        try:
            return Manifest.model_validate_json(row[0])
        except ValueError as exc:
            raise IndexDamagedError(f"the manifest of {gen} is unreadable") from exc

    def chunks(self, gen: str) -> list[Chunk]:
        with postgres.transaction(self.url) as conn:
            rows = conn.execute("SELECT chunk FROM index_chunks WHERE generation = %s "
                                "ORDER BY position", (gen,)).fetchall()
        try:
            return [Chunk.model_validate_json(r[0]) for r in rows]
        except ValueError as exc:
            raise IndexDamagedError(f"the chunks of {gen} are damaged") from exc

    def lexical(self, gen: str, chunks: list[Chunk], analyzer: Analyzer) -> LexicalIndex:
        return LexicalIndex.build([c.id for c in chunks], [c.embed_text() for c in chunks],
                                  analyzer)

    def lexical_analyzer(self, gen: str) -> Analyzer | None:
        return None  # BM25 is never saved here: each process builds it with its own setting

    def reserve(self, gen: str) -> None:
        with postgres.transaction(self.url) as conn:
            conn.execute("INSERT INTO index_generations (name) VALUES (%s) "
                         "ON CONFLICT (name) DO NOTHING", (gen,))

    def write(self, manifest: Manifest, chunks: list[Chunk], analyzer: Analyzer) -> None:
        gen = manifest.generation
        with postgres.transaction(self.url) as conn:
            conn.execute("INSERT INTO index_generations (name) VALUES (%s) "
                         "ON CONFLICT (name) DO NOTHING", (gen,))
            conn.execute("DELETE FROM index_chunks WHERE generation = %s", (gen,))
            with conn.cursor().copy(
                    "COPY index_chunks (generation, position, chunk) FROM STDIN") as copy:
                for position, chunk in enumerate(chunks):
                    copy.write_row((gen, position, chunk.model_dump_json()))
            conn.execute("UPDATE index_generations SET manifest = %s WHERE name = %s",
                         (manifest.model_dump_json(), gen))

    def publish(self, gen: str) -> None:
        with postgres.transaction(self.url) as conn:
            done = conn.execute(
                "INSERT INTO index_pointer (id, generation) SELECT 1, name "
                "FROM index_generations WHERE name = %s AND manifest IS NOT NULL "
                "ON CONFLICT (id) DO UPDATE SET generation = excluded.generation", (gen,))
            if done.rowcount != 1:
                raise IndexDamagedError(f"generation {gen} is not complete; not published")

    def remove(self, gen: str) -> None:
        with postgres.transaction(self.url) as conn:
            conn.execute("DELETE FROM index_generations WHERE name = %s AND NOT EXISTS "
                         "(SELECT 1 FROM index_pointer WHERE generation = %s)", (gen, gen))

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        conn = postgres.connect(self.url)
        try:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (_WRITER_LOCK,)).fetchone()
            if not row or not row[0]:
                raise IngestLockedError(INGEST_LOCKED_TEAM.format(where=self.where()))
            yield
        finally:
            conn.close()  # closing the session releases the advisory lock
