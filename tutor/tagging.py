"""Automatic exam tags: give chunks that declare no task statement the closest one.

Study notes declare ``domain`` and ``task`` in their front-matter; AWS documentation pages and
a learner's own PDFs do not, yet practice by domain should draw on them too. Each task
statement gets a *profile vector*: the normalised mean of the embeddings of its statement
text (``tutor.exam``) and of the service-catalog entries filed under it (name with purpose,
and each exam scenario). A chunk is tagged with the task whose profile is most similar to
the chunk's own vector, provided the cosine reaches a threshold; otherwise it stays
untagged rather than being forced into a task it does not fit.

The similarity is blended with the mean vector of the chunk's document, because a short
passage ("Request syntax", a code sample) often says little on its own about which part of
the exam it serves, while its page does.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tutor.catalog import DEFAULT_CORPUS_DIR, Catalog
from tutor.embed import Embedder, vector_space
from tutor.exam import TASKS, task_statement
from tutor.types import Chunk

log = logging.getLogger(__name__)

DOCUMENT_WEIGHT = 0.5  # share of the document's mean vector in a chunk's similarity
STATEMENT_WEIGHT = 0.5  # share of the statement text in a task profile; the catalog has the rest
# Profiles of the shipped catalog for the default model, so a first ingest does not embed the
# ~460 profile texts (a fifth of a small ingest). Used only while model and texts match.
SHIPPED_PROFILES = DEFAULT_CORPUS_DIR / "task_profiles.npz"


@dataclass(frozen=True)
class TaskProfiles:
    """One L2-normalised vector per task statement, built with one embedding model."""

    tasks: tuple[str, ...]
    vectors: np.ndarray  # shape (len(tasks), dim)
    model_id: str

    def similarities(self, vectors: np.ndarray) -> np.ndarray:
        """Cosine of each row of ``vectors`` (normalised) to each profile: (n, len(tasks))."""
        sims: np.ndarray = np.asarray(vectors, dtype=np.float32) @ self.vectors.T
        return sims


def profile_texts(catalog: Catalog | None = None) -> dict[str, tuple[str, list[str]]]:
    """For each task: its statement text and the texts of its catalog entries."""
    out: dict[str, tuple[str, list[str]]] = {}
    for task in TASKS:
        entries: list[str] = []
        for service in catalog.for_task(task) if catalog is not None else []:
            entries.append(f"{service.name}: {service.purpose}")
            entries.extend(service.scenarios)
        out[task] = (task_statement(task), entries)
    return out


def profile_digest(catalog: Catalog | None = None) -> str:
    """Fingerprint of the profile texts and weights: profiles built from other texts differ."""
    payload = json.dumps([STATEMENT_WEIGHT, profile_texts(catalog)], sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def save_profiles(profiles: TaskProfiles, digest: str, path: Path | None = None) -> None:
    np.savez(path or SHIPPED_PROFILES, vectors=profiles.vectors.astype(np.float32),
             tasks=np.array(profiles.tasks),
             model_id=np.array(profiles.model_id), digest=np.array(digest))


def load_profiles(model_id: str, digest: str, path: Path | None = None) -> TaskProfiles | None:
    """Saved profiles if they were built by ``model_id`` from texts with ``digest``, else None."""
    path = path or SHIPPED_PROFILES
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["model_id"]) != model_id or str(data["digest"]) != digest:
                return None
            return TaskProfiles(tuple(str(t) for t in data["tasks"]),
                                np.asarray(data["vectors"], dtype=np.float32), model_id)
    except (OSError, KeyError, ValueError) as exc:
        log.debug("no usable saved task profiles at %s: %s", path, exc)
        return None


def build_profiles(embedder: Embedder, catalog: Catalog | None = None) -> TaskProfiles:
    """Embed the profile texts in one batch and average them per task.

    The statement and the catalog entries are averaged separately and then mixed by
    ``STATEMENT_WEIGHT``, so a task with forty catalog entries does not drown its statement.
    Without a catalog the profiles are the statements alone.
    """
    texts = profile_texts(catalog)
    flat: list[str] = []
    spans: dict[str, tuple[int, int]] = {}
    for task, (statement, entries) in texts.items():
        start = len(flat)
        flat.append(statement)
        flat.extend(entries)
        spans[task] = (start, len(flat))
    embedded = np.asarray(embedder.embed_documents(flat), dtype=np.float32)
    rows = []
    for task in texts:
        start, end = spans[task]
        vec = embedded[start]
        if end - start > 1:
            vec = STATEMENT_WEIGHT * vec + (1 - STATEMENT_WEIGHT) * _unit(
                embedded[start + 1:end].mean(axis=0))
        rows.append(_unit(vec))
    return TaskProfiles(tuple(texts), np.stack(rows), embedder.model_id)


def _unit(vec: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm > 0 else vec


def _context_vectors(chunks: Sequence[Chunk], vectors: np.ndarray) -> np.ndarray:
    """Each chunk's vector blended with the mean vector of its document's chunks."""
    by_source: dict[str, list[int]] = {}
    for i, chunk in enumerate(chunks):
        by_source.setdefault(chunk.source, []).append(i)
    out = np.array(vectors, dtype=np.float32, copy=True)
    for rows in by_source.values():
        if len(rows) < 2:
            continue
        mean = _unit(vectors[rows].mean(axis=0))
        out[rows] = (1 - DOCUMENT_WEIGHT) * vectors[rows] + DOCUMENT_WEIGHT * mean
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1.0)


def tag_chunks(chunks: Sequence[Chunk], vectors: np.ndarray, profiles: TaskProfiles,
               min_similarity: float) -> list[Chunk]:
    """Chunks in the same order; those without a task get the closest one if close enough.

    ``vectors`` are the chunks' own embeddings, row for row, from the model that built
    ``profiles``. A chunk that already has a task is returned unchanged. One that has a
    domain but no task is only matched against that domain's tasks. A tagged chunk gets
    ``task``, ``domain`` and ``tag_score`` (the cosine, rounded to 4 places); one whose best
    cosine is below ``min_similarity`` is returned unchanged.
    """
    if len(chunks) != len(vectors):
        raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
    todo = [i for i, c in enumerate(chunks) if c.task is None]
    out = list(chunks)
    if not todo:
        return out
    sims = profiles.similarities(_context_vectors(chunks, np.asarray(vectors))[todo])
    domain_of = np.array([int(t[0]) for t in profiles.tasks])
    for row, i in enumerate(todo):
        scores = sims[row].copy()
        if chunks[i].domain is not None:
            scores[domain_of != chunks[i].domain] = -np.inf
        best = int(np.argmax(scores))
        score = float(scores[best])
        if score < min_similarity:
            continue
        task = profiles.tasks[best]
        out[i] = chunks[i].model_copy(
            update={"task": task, "domain": int(task[0]), "tag_score": round(score, 4)})
    return out


def tag_untagged(chunks: Sequence[Chunk], vectors: np.ndarray, embedder: Embedder,
                 min_similarity: float, catalog: Catalog | None = None) -> list[Chunk]:
    """What an ingest calls after embedding: tag the chunks that lack a task.

    Profiles are built only when some chunk needs one, and taken from the shipped file
    when it matches the model and the texts. The catalog is loaded from the shipped corpus
    when not given; if it cannot be read, the statements alone are used.
    """
    if all(c.task is not None for c in chunks):
        return list(chunks)
    if catalog is None:
        catalog = _shipped_catalog()
    profiles = load_profiles(vector_space(embedder.model_id), profile_digest(catalog))
    if profiles is None:
        profiles = build_profiles(embedder, catalog)
    return tag_chunks(chunks, vectors, profiles, min_similarity)


def _shipped_catalog() -> Catalog | None:
    from tutor.catalog import CatalogError, load_catalog

    try:
        return load_catalog()
    except CatalogError as exc:
        log.warning("tagging without the service catalog: %s", exc)
        return None


if __name__ == "__main__":
    # Maintainers: `python -m tutor.tagging` rewrites the shipped profiles after the catalog,
    # the task statements or the default model change (tests/test_tagging.py says when).
    from tutor.embed.torch_runtime import SentenceTransformerEmbedder

    shipped = _shipped_catalog()
    save_profiles(build_profiles(SentenceTransformerEmbedder(), shipped), profile_digest(shipped))
    print(f"wrote {SHIPPED_PROFILES}")
