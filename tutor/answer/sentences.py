"""The sentences an extractive answer may quote, cut from a passage the same way at ingest
(which embeds them ahead of time) and at answer time (which looks their vectors up).

A candidate is a whole sentence with a finite verb, a list item that is a sentence, or a
table row read as text ("Serverless: max payload is 4 MB, max processing time is 60
seconds."). Verbless list stubs, headings run into text, code and lines ending in a colon
are not candidates, so an answer never shows a fragment or raw table pipes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from tutor.chunk import split_sentences
from tutor.text import words
from tutor.types import Chunk

Kind = Literal["sentence", "item", "row"]

_BULLET = re.compile(r"^\s*(?:[-+*•]|\d+[.)])\s+")
_EMPH = re.compile(r"(\*\*|__|`)")
# The notes name their sources inline; in an answer the citation marker does that job.
_SOURCE_NOTE = re.compile(r"\s*\((?:source|sources|see)\s*:[^()]*(?:\([^()]*\)[^()]*)*\)", re.I)
_CODEISH = re.compile(r"[{}<>=]|```")  # a semicolon is prose: "choose X when ...; Y when ..."
_TABLE = re.compile(r"\|\s*:?-{3,}:?\s*\|")
_TRAP_HEADING = re.compile(r"\b(trap|traps|pitfall|mistake|gotcha|anti-?pattern|exam tips?)\w*",
                           re.I)
MAX_CHARS = 600
MIN_CHARS = 20

# Finite verbs: auxiliaries and modals, and common verbs of the notes in their -s/-ed forms.
_AUX = {"is", "are", "was", "were", "be", "been", "am", "has", "have", "had", "do", "does",
        "did", "can", "could", "will", "would", "shall", "should", "may", "might", "must",
        "isn", "aren", "doesn", "don", "won", "cannot", "needs", "need", "let", "lets"}
_VERBS = set("""accept add allow apply assign attach avoid balance bill block break build
call cap capture catch change charge check choose clean collect combine compare compress
compute configure connect contain control convert copy cost count cover create crawl cut
decide define delete deliver deploy describe detect differ drop enable encrypt end ensure
estimate evaluate expose fail fall feed fetch fill filter find fit fix flag flow follow force
generate get give go grant group grow handle help hide hold host identify ignore improve
include increase index ingest invoke join keep label lack launch lead learn let limit list load
lose make manage map match mean measure meet merge miss monitor move name need notify offer
open optimize optimise output own partition pass pause pay pick point poll predict prefer
prevent process produce provide publish pull push put query queue raise reach read reduce
register reject release remain remove replace report require reset resolve restart restrict
return reuse rotate route run save scale scan score see select send serve set share shift
show shrink sign skip slow sort speed spend split start stay stop store stream suit support
take target tell test throttle track train transform trigger try tune turn update upload use
validate vary wait want warn watch work write yield""".split())
_FINITE = _AUX | _VERBS | {v + "s" for v in _VERBS} | {v + "es" for v in _VERBS} | {
    v + "ed" for v in _VERBS} | {v + "d" for v in _VERBS if v.endswith("e")} | {
    v[:-1] + "ies" for v in _VERBS if v.endswith("y")} | {
    "ran", "took", "kept", "held", "sent", "built", "chose", "made", "gave", "lost", "paid",
    "read", "set", "put", "cut", "found", "meant", "went", "grew", "fell", "left", "told",
    "shown", "known", "given", "taken", "written", "chosen", "stays", "costs", "fits"}


def is_sentence(text: str) -> bool:
    """A clause (``has_finite_verb``) or a table row read as text (``ROW_READING``)."""
    return "|" not in text and (bool(ROW_READING.match(text)) or has_finite_verb(text))


def has_finite_verb(text: str) -> bool:
    """Whether the text reads as a clause: it holds an auxiliary, a modal, or a common verb
    in a finite form. A rule, not a parser: "Reporting 99 percent accuracy as success" (a
    gerund stub) has none, "Batch transform writes the output to S3" has one."""
    toks = words(text)
    if any(t in _FINITE for t in toks):
        return True
    # an imperative opening a list item ("Add a step scaling policy ...")
    return bool(toks) and toks[0] in _VERBS


def clean(s: str) -> str:
    """A sentence as quoted: no list markers or emphasis marks, whitespace collapsed."""
    return " ".join(_EMPH.sub("", _BULLET.sub("", s)).split())


def display(s: str) -> str:
    """A quoted sentence as it reads in the answer, without the notes' inline source notes
    (the citation marker carries the source; the citation's quote keeps them)."""
    return " ".join(_SOURCE_NOTE.sub("", s).split()).replace(" .", ".")


@dataclass(frozen=True)
class Candidate:
    """One quotable unit of a passage."""

    text: str  # as shown in the answer
    quote: str  # as the citation quotes it: words in the passage's own order
    position: int  # order within the passage
    kind: Kind
    trap: bool = False  # a bullet under a traps/pitfalls heading

    @property
    def key(self) -> str:
        """What the sentence vector is cached under."""
        return self.text


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


def _field(header: str) -> str:
    """A column header as a field name inside a sentence: lower case unless an acronym."""
    return header if header[:2].isupper() else header[:1].lower() + header[1:]


# A table row read as text: "Serverless — max payload: 4 MB; max processing time: 60 seconds."
ROW_READING = re.compile(r"^[^—|]{1,80} — [^:|]{1,60}: ")


def table_rows(text: str) -> list[tuple[str, str]]:
    """(reading, quote) per body row of a Markdown table flattened onto one line (as chunks
    hold them): "| Option | Max payload | ... | | --- | ... | | Serverless | 4 MB | ... |"."""
    cells = _cells(text[text.index("|"):text.rindex("|") + 1])
    try:
        sep = next(i for i, c in enumerate(cells) if re.fullmatch(r":?-{3,}:?", c))
    except StopIteration:
        return []
    header = cells[:sep - 1] if sep and cells[sep - 1] == "" else cells[:sep]
    ncols = len(header)
    if ncols < 2:
        return []
    body = cells[sep + ncols + 1:]
    out = []
    for start in range(0, len(body), ncols + 1):
        row = body[start:start + ncols]
        if len(row) < ncols or not row[0] or not any(row[1:]):
            continue
        parts = [f"{_field(h)}: {v}" for h, v in zip(header[1:], row[1:], strict=True) if v and h]
        reading = f"{clean(row[0])} — {clean('; '.join(parts))}."
        quote = f"{' | '.join(header)} … {' | '.join(row)}"
        out.append((reading, quote))
    return out


def candidates(chunk: Chunk) -> list[Candidate]:
    """The quotable units of a chunk, in passage order."""
    return list(_candidates(chunk.text, chunk.heading, chunk.is_card))


@lru_cache(maxsize=8192)
def _candidates(text: str, heading: str, is_card: bool) -> tuple[Candidate, ...]:
    # cached by the chunk's strings (the answerers read sanitised copies of the chunks): the
    # same passages come back question after question, and cutting one up costs more than
    # scoring its sentences
    if is_card:
        text = " ".join(text.split())
        return (Candidate(text, text, 0, "sentence"),) if text else ()
    trap_section = bool(_TRAP_HEADING.search(heading))
    out: list[Candidate] = []
    for raw in split_sentences(text):
        if _TABLE.search(raw):
            for reading, quote in table_rows(raw):
                out.append(Candidate(reading, quote, len(out), "row"))
            continue
        is_item = bool(_BULLET.match(raw))
        s = clean(raw)
        if not MIN_CHARS <= len(s) <= MAX_CHARS or _CODEISH.search(s) or s.endswith(":"):
            continue
        if "|" in s or not has_finite_verb(display(s)):
            continue
        out.append(Candidate(display(s), s, len(out), "item" if is_item else "sentence",
                             trap=is_item and trap_section))
    return tuple(out)


def texts_to_embed(chunks: Iterable[Chunk]) -> list[str]:
    """Every candidate's cache key and every card's question, once each: what ingest embeds
    ahead of time so that answering only looks vectors up."""
    out: list[str] = []
    for ch in chunks:
        if ch.is_card:
            out.append(ch.heading)
        out.extend(c.key for c in candidates(ch))
    return list(dict.fromkeys(out))
