"""Document -> Chunks: headings first, then size, measured in the encoder's own word pieces.

MiniLM reads at most 256 word pieces and silently drops the rest, so a chunk that is
sized in characters or words can lose its tail without any error. Every chunk here is
measured with the encoder's tokenizer, including the title/heading prefix it is embedded with.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

from tutor.types import Chunk, Document, Section

TokenCounter = Callable[[Sequence[str]], list[int]]

# Sentence ends, and list items, whether on their own lines or run together in one line.
_SENTENCE = re.compile(
    r"(?<=[.!?])\s+(?=[A-Z0-9(\"'`*])|(?<=[.!?:;])\s+(?=[-+•] )|\n(?=\s*[-+*•] |\s*\d+\. )")
_PARA = re.compile(r"\n\s*\n")
MIN_BUDGET = 24


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chunk_id(source: str, position: int, content_hash: str) -> str:
    return sha256(f"{source}\x00{position}\x00{content_hash}")[:32]


def _code_blocks(text: str) -> list[tuple[bool, str]]:
    """(is fenced code, text) runs of a passage, so code is never split into sentences."""
    from tutor.load.markdown import fence_marker

    runs: list[tuple[bool, list[str]]] = []
    opened: tuple[str, int] | None = None
    for line in text.split("\n"):
        marker = fence_marker(line)
        if opened is None and marker is not None:
            runs.append((True, [line]))
            opened = (marker[0], marker[1])
            continue
        if opened is not None:
            runs[-1][1].append(line)
            if marker is not None and marker[0] == opened[0] and marker[1] >= opened[1] \
                    and not marker[2]:
                opened = None
            continue
        if not runs or runs[-1][0]:
            runs.append((False, []))
        runs[-1][1].append(line)
    return [(code, "\n".join(lines)) for code, lines in runs]


def is_code_unit(unit: str) -> bool:
    """Whether a unit of ``split_sentences`` is a fenced code block."""
    return unit.startswith(("```", "~~~"))


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of a passage, whitespace-trimmed; a fenced code block is one
    unit of its own (its lines kept)."""
    out: list[str] = []
    for code, run in _code_blocks(text):
        if code:
            out.append(run.strip("\n"))
            continue
        for para in _PARA.split(run):
            for piece in _SENTENCE.split(para):
                piece = piece.strip()
                if piece:
                    out.append(piece)
    return out


def join_units(units: Sequence[str]) -> str:
    """Units joined by spaces, except that a code block gets lines of its own: run into a
    line, a fence would swallow the text after it as its language label."""
    out = ""
    for i, unit in enumerate(units):
        if i:
            out += "\n" if is_code_unit(unit) or is_code_unit(units[i - 1]) else " "
        out += unit
    return out


class Chunker:
    """Packs sections into chunks of at most ``max_tokens`` word pieces (prefix included)."""

    def __init__(self, count: TokenCounter, max_tokens: int, overlap: int, window: int = 256):
        self.count = count
        # [CLS] and [SEP] take two positions of the encoder window.
        self.max_tokens = min(max_tokens, window - 2)
        self.overlap = overlap

    def chunk(self, doc: Document) -> list[Chunk]:
        chunks: list[Chunk] = []
        for section in doc.sections:
            for text in self._pack(doc, section):
                chunks.append(self._make(doc, section, text, len(chunks)))
        return chunks

    def _prefix(self, doc: Document, section: Section) -> str:
        heads = [h for h in section.heading_path if h != doc.title]
        return " > ".join([doc.title, *heads])

    def _pack(self, doc: Document, section: Section) -> list[str]:
        prefix_tokens = self.count([self._prefix(doc, section)])[0] + 1
        budget = max(MIN_BUDGET, self.max_tokens - prefix_tokens)
        units = self._units(section.text, budget)
        if not units:
            return []
        sizes = self.count(list(units))
        out: list[str] = []
        current: list[int] = []
        used = 0
        for i, size in enumerate(sizes):
            if current and used + size > budget:
                out.append(join_units([units[j] for j in current]))
                current, used = self._overlap_tail(current, sizes, budget - size)
            current.append(i)
            used += size
        if current:
            out.append(join_units([units[j] for j in current]))
        return [t for t in out if t.strip()]

    def _overlap_tail(self, idx: list[int], sizes: list[int], room: int) -> tuple[list[int], int]:
        tail: list[int] = []
        used = 0
        for j in reversed(idx):
            if used + sizes[j] > min(self.overlap, room):
                break
            tail.insert(0, j)
            used += sizes[j]
        return tail, used

    def _units(self, text: str, budget: int) -> list[str]:
        """Sentences, with any sentence longer than the budget cut into word runs."""
        sentences = split_sentences(text)
        if not sentences:
            return []
        sizes = self.count(sentences)
        units: list[str] = []
        for sentence, size in zip(sentences, sizes, strict=False):
            if size <= budget:
                units.append(sentence)
                continue
            words = sentence.split()
            # word pieces per word vary; cut conservatively and re-measure
            per = max(1, int(len(words) * budget / size * 0.9))
            for start in range(0, len(words), per):
                piece = " ".join(words[start:start + per])
                while self.count([piece])[0] > budget and " " in piece:
                    piece = piece.rsplit(" ", 1)[0]
                units.append(piece)
        return units

    def _make(self, doc: Document, section: Section, text: str, position: int) -> Chunk:
        heading_path = section.heading_path or [doc.title]
        url = doc.url
        if url and section.anchor and "#" not in url and section is not doc.sections[0]:
            url = f"{url}#{section.anchor}"
        draft = Chunk(
            id="",
            text=text,
            source=doc.source,
            title=doc.title,
            heading_path=heading_path,
            page=section.page,
            url=url,
            domain=doc.domain,
            task=doc.task,
            corpus=doc.corpus,
            position=position,
            content_hash="",
            cites_source=section.cites_source,
            cites_heading=section.cites_heading,
        )
        digest = sha256(draft.embed_text())
        return draft.model_copy(
            update={"id": chunk_id(doc.source, position, digest), "content_hash": digest}
        )

