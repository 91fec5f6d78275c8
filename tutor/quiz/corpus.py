"""Where the question generator's passages come from: the serving index.

Items cite chunk ids, so the generator reads the very chunks the index holds and a citation
opens the same passage the answerer retrieves. Nothing indexed, or an index that cannot be
read, is an error the learner is told about (ingest, or rebuild), never papered over.
"""

from __future__ import annotations

from tutor import prompts
from tutor.config import Settings
from tutor.errors import EmptyIndexError
from tutor.index.generations import current_name, read_chunks
from tutor.types import Chunk


def quiz_chunks(settings: Settings) -> list[Chunk]:
    """The study-note chunks of the serving generation.

    Notes are the chunks whose document declared its task; automatically tagged passages
    (AWS docs, uploads) carry a ``tag_score`` and are left to the answerer, because the
    offline generator quotes sentences and needs the notes' self-contained style. Concept
    cards are left out too: the Flashcards page shows them as they are. Raises
    EmptyIndexError when nothing is indexed and IndexDamagedError when the chunk store
    cannot be read.
    """
    gen = current_name(settings)
    if gen is None:
        raise EmptyIndexError(prompts.EMPTY_INDEX)
    return [c for c in read_chunks(settings, gen)
            if c.task and c.tag_score is None and not c.is_card]
