"""Where the generator's passages come from: the current index, else the notes folder.

Citations point at chunk ids, so when an index exists its chunks are used and a citation
opens the same passage the answerer retrieves. Without an index the notes are chunked on
the fly with a whitespace token count (close enough for choosing supporting sentences).
"""

from __future__ import annotations

from pathlib import Path

from tutor.catalog import DEFAULT_NOTES_DIR
from tutor.config import Settings
from tutor.errors import TutorError
from tutor.types import Chunk


def note_chunks(settings: Settings, notes_dir: Path | str = DEFAULT_NOTES_DIR) -> list[Chunk]:
    """Chunks of every Markdown note under ``notes_dir``; unreadable files are skipped."""
    from tutor.chunk import Chunker, whitespace_counter
    from tutor.load import load_file

    root = Path(notes_dir)
    chunker = Chunker(whitespace_counter, settings.chunk_tokens, settings.chunk_overlap)
    chunks: list[Chunk] = []
    for path in sorted(root.rglob("*.md")):
        try:
            doc = load_file(path, path.relative_to(root).as_posix())
        except TutorError:
            continue
        chunks.extend(chunker.chunk(doc))
    return chunks


def indexed_chunks(settings: Settings) -> list[Chunk]:
    """Chunks of the serving index generation; empty when nothing is indexed or it is
    unreadable (the caller then falls back to the notes)."""
    from tutor import store

    name = store.current_name(settings)
    if name is None:
        return []
    try:
        return store.read_chunks(settings, name)
    except TutorError:
        return []


def quiz_chunks(settings: Settings, notes_dir: Path | str = DEFAULT_NOTES_DIR) -> list[Chunk]:
    """Indexed study-note chunks when the index holds any, else the notes chunked on the fly.

    Notes are the chunks whose document declared its task; automatically tagged passages
    (AWS docs, uploads) carry a ``tag_score`` and are left to the answerer, because the
    offline generator quotes sentences and needs the notes' self-contained style.
    """
    chunks = [c for c in indexed_chunks(settings) if c.task and c.tag_score is None]
    if chunks:
        return chunks
    # notes/general (the exam itself, SageMaker's names) declares no task: nothing to quiz
    return [c for c in note_chunks(settings, notes_dir) if c.task]
