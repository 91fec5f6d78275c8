"""Finding the passage that supports a quiz key, and turning it into a Citation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from tutor.answer.guard import sanitize_text
from tutor.catalog import Catalog
from tutor.quiz.note_text import content_words, plain_text, sentences, strip_source_notes
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
    """A citation showing sanitised text: a passage is data, and instructions planted in it
    (hidden or visible) must not travel into a question shown to the learner."""

    chunk = support.chunk
    return Citation(
        n=n,
        chunk_id=chunk.id,
        source=chunk.source,
        title=chunk.title,
        heading=chunk.heading,
        page=chunk.page,
        url=chunk.url,
        quote=sanitize_text(support.quote)[0],
        passage=sanitize_text(chunk.text)[0],
    )


class SupportIndex:
    """Which chunks mention which catalog entries, built once per chunk list."""

    def __init__(self, catalog: Catalog, chunks: Sequence[Chunk]):
        self.catalog = catalog
        self.chunks = list(chunks)
        self.by_id = {c.id: c for c in self.chunks}
        self._mentions: dict[str, list[Chunk]] = defaultdict(list)
        self._sentences: dict[str, list[tuple[str, set[str], list[str]]]] = {}
        self._words: dict[str, set[str]] = {}
        for chunk in self.chunks:
            for service_id in catalog.mentioned_ids(chunk.text):
                self._mentions[service_id].append(chunk)

    def sentences_of(self, chunk: Chunk) -> list[tuple[str, set[str], list[str]]]:
        """(sentence, content words, mentioned ids) for each sentence of the chunk; cached."""
        cached = self._sentences.get(chunk.id)
        if cached is None:
            cached = [
                (s, content_words(s), self.catalog.mentioned_ids(s))
                for s in sentences(passage_text(chunk))
            ]
            self._sentences[chunk.id] = cached
        return cached

    def words_of(self, chunk: Chunk) -> set[str]:
        cached = self._words.get(chunk.id)
        if cached is None:
            cached = self._words[chunk.id] = content_words(chunk.text)
        return cached

    def best(self, service_id: str, context: str, task: str | None = None) -> Support | None:
        """The sentence, among chunks naming ``service_id``, sharing most content words with
        ``context``; chunks of the same task win ties. None when no sentence both names the
        entry and shares at least one content word with the context."""
        wanted = content_words(context)
        best: Support | None = None
        best_rank: tuple[float, int, int] = (-1.0, -1, -1)
        for chunk in self._mentions.get(service_id, ()):
            chunk_score = len(self.words_of(chunk) & wanted) / 2
            # a passage under a heading naming the entry is about it, not a passing mention
            about = 4 if self.catalog.mentions_service(chunk.heading, service_id) else 0
            same_task = 1 if task is not None and chunk.task == task else 0
            for sentence, words, ids in self.sentences_of(chunk):
                if service_id not in ids:
                    continue
                sentence_score = len(words & wanted)
                if sentence_score == 0:
                    continue
                leads = 2 if ids[0] == service_id else 0
                score = 2 * sentence_score + chunk_score + about + leads
                rank = (score, same_task, -len(sentence))
                if rank > best_rank:
                    best_rank = rank
                    best = Support(chunk=chunk, quote=sentence, score=int(score))
        return best
