"""Finding the passage that supports a quiz key, and turning it into a Citation."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

from tutor.catalog import Catalog
from tutor.quiz.text import content_words, plain_text, sentences, strip_source_notes
from tutor.types import Chunk, Citation


@dataclass(frozen=True)
class Support:
    """A chunk and the sentence of it that best backs a claim."""

    chunk: Chunk
    quote: str
    score: int


def passage_text(chunk: Chunk) -> str:
    """The chunk as plain text without source attributions: what quotes are taken from."""
    return strip_source_notes(plain_text(chunk.text))


def citation(support: Support, n: int) -> Citation:
    chunk = support.chunk
    return Citation(
        n=n,
        chunk_id=chunk.id,
        source=chunk.source,
        title=chunk.title,
        heading=chunk.heading,
        page=chunk.page,
        url=chunk.url,
        quote=support.quote,
    )


class SupportIndex:
    """Which chunks mention which catalog entries, built once per chunk list."""

    def __init__(self, catalog: Catalog, chunks: Sequence[Chunk]):
        self.catalog = catalog
        self.chunks = list(chunks)
        self.by_id = {c.id: c for c in self.chunks}
        self._mentions: dict[str, list[Chunk]] = defaultdict(list)
        for chunk in self.chunks:
            for service_id in catalog.mentioned_ids(chunk.text):
                self._mentions[service_id].append(chunk)

    def chunks_mentioning(self, service_id: str) -> list[Chunk]:
        return list(self._mentions.get(service_id, ()))

    def best(self, service_id: str, context: str, task: str | None = None) -> Support | None:
        """The sentence, among chunks naming ``service_id``, sharing most content words with
        ``context``; chunks of the same task win ties. None when no sentence both names the
        entry and shares at least one content word with the context."""
        wanted = content_words(context)
        best: Support | None = None
        best_rank: tuple[int, int, int] = (-1, -1, -1)
        for chunk in self._mentions.get(service_id, ()):
            chunk_words = content_words(chunk.text)
            same_task = 1 if task is not None and chunk.task == task else 0
            for sentence in sentences(passage_text(chunk)):
                if not self.catalog.mentions_service(sentence, service_id):
                    continue
                sentence_score = len(content_words(sentence) & wanted)
                if sentence_score == 0:
                    continue
                rank = (sentence_score + len(chunk_words & wanted), same_task, -len(sentence))
                if rank > best_rank:
                    best_rank = rank
                    best = Support(chunk=chunk, quote=sentence, score=rank[0])
        return best
