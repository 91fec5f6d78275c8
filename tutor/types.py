"""Domain objects passed between the stages: load -> chunk -> embed -> index -> retrieve ->
answer / quiz."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FileStatus(StrEnum):
    """Outcome of ingesting one file; the values are part of the JSON report contract."""

    ok = "ok"
    empty = "empty"
    encrypted = "encrypted"
    corrupt = "corrupt"
    no_text = "no_text"
    too_large = "too_large"
    unsupported = "unsupported"
    unreadable = "unreadable"


class Section(BaseModel):
    """A run of text under one heading path (and, for PDFs, one page)."""

    heading_path: list[str] = Field(default_factory=list, description="Headings from the top.")
    text: str
    page: int | None = Field(None, description="1-based PDF page.")
    anchor: str | None = Field(None, description="URL fragment of the heading, when known.")
    cites_source: str | None = Field(
        None, description="A concept card's cited document, as ingest names it (a note path "
        "relative to corpus/notes, or an AWS page path such as 'sagemaker/async-inference.md').")
    cites_heading: str | None = Field(None, description="The heading of the cited note section.")


class Document(BaseModel):
    """A loaded, normalised file, before chunking."""

    source: str = Field(description="Path relative to the folder given to ingest, '/'-separated.")
    title: str
    url: str | None = None
    domain: int | None = Field(None, ge=1, le=4)
    task: str | None = Field(None, pattern=r"^[1-4]\.[1-3]$")
    services: list[str] = Field(default_factory=list)
    corpus: str | None = Field(None, description="Name of the source set, e.g. 'notes'.")
    sections: list[Section]
    warnings: list[str] = Field(default_factory=list, description="Lossy decoding, hidden text.")


class Chunk(BaseModel):
    """The unit that is embedded, indexed, retrieved and cited."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Derived from source, position and content.")
    text: str
    source: str
    title: str
    heading_path: list[str] = Field(default_factory=list)
    page: int | None = None
    url: str | None = None
    domain: int | None = None
    task: str | None = None
    corpus: str | None = Field(None, description="Name of the source set, e.g. 'notes'.")
    tag_score: float | None = Field(
        None, description="Cosine similarity behind an automatically assigned task tag "
        "(tutor.tagging); None when the document declared its tags or none was assigned.")
    position: int = Field(description="Index of the chunk within its document.")
    content_hash: str = Field(description="sha256 of the embedded text.")
    cites_source: str | None = Field(None, description="For a concept card: the document its "
                                     "answer cites (Section.cites_source).")
    cites_heading: str | None = Field(None, description="For a concept card: the cited heading.")

    @property
    def is_card(self) -> bool:
        """A concept card: its heading is the card's question, its text the card's answer."""
        return self.cites_source is not None

    @property
    def page_source(self) -> str:
        """The page this chunk stands for in a list of pages: a concept card stands for the
        document it cites (its citation links there), any other chunk for its own source. The
        retrieval eval ranks pages by it, so a card hit counts as the note it cites."""
        return self.cites_source or self.source

    @property
    def heading(self) -> str:
        """Headings below the document title (the title is shown separately)."""
        return " > ".join(h for h in self.heading_path if h != self.title)

    def embed_text(self) -> str:
        """What the encoder sees: title and headings give a short passage its context."""
        context = " > ".join([self.title, *[h for h in self.heading_path if h != self.title]])
        return f"{context}\n{self.text}" if context else self.text


class Filters(BaseModel):
    """Metadata restrictions on retrieval; a field left at None does not restrict."""

    domain: int | None = Field(None, description="Exam domain 1-4.")
    task: str | None = Field(None, description="Task statement such as '3.1'.")
    corpus: list[str] | None = Field(None, description="Source sets, e.g. ['notes'].")
    sources: list[str] | None = Field(None, description="Document source paths.")

    def allows(self, c: Chunk) -> bool:
        """Whether chunk ``c`` passes every restriction."""
        return ((self.domain is None or c.domain == self.domain)
                and (self.task is None or c.task == self.task)
                and (not self.corpus or c.corpus in self.corpus)
                and (not self.sources or c.source in self.sources))

    def empty(self) -> bool:
        """True when nothing is restricted."""
        return self.domain is None and self.task is None and not self.corpus and not self.sources


class Hit(BaseModel):
    """A retrieved chunk with its rank and scores."""

    chunk: Chunk
    score: float = Field(description="The ranker's score: for hybrid, the fused score; after "
                         "reranking, the reranker's.")
    rank: int = Field(description="1-based rank in the result list.")
    dense: float | None = Field(None, description="Cosine similarity to the query, when known.")
    lexical: float | None = Field(None, description="BM25 score, when known.")


class Citation(BaseModel):
    """A pointer from an answer to the passage that supports it."""

    n: int = Field(description="The marker number used in the answer text, [n].")
    chunk_id: str = Field(description="The indexed chunk; for an item-bank citation, the "
                          "cite itself ('notes/<path>#<heading>' or 'aws:<guide>/<slug>.md').")
    source: str
    title: str
    heading: str = ""
    page: int | None = None
    url: str | None = None
    quote: str = Field(description="The sentence(s) quoted from the passage.")
    passage: str = Field("", description="The whole indexed passage (chunk text).")
    cites_source: str | None = Field(None, description="A cited concept card's own source: "
                                     "the note (or AWS page) the card cites.")
    cites_heading: str | None = Field(None, description="The heading of that note section.")
    cites_passage: str | None = Field(None, description="The text of that note section, when "
                                      "the index holds it, so the card links through to it.")


class Answer(BaseModel):
    """A grounded answer: text with [n] markers and the citations they refer to."""

    question: str
    text: str
    citations: list[Citation] = Field(default_factory=list)
    status: Literal["answered", "not_found", "rejected", "fallback"] = "answered"
    backend: str = Field("extractive", description="Which answerer produced the text.")
    query: str | None = Field(None, description="Standalone query used for retrieval.")
    notice: str | None = Field(None, description="Message for the user, e.g. why a fallback ran.")
    hits: list[Hit] = Field(default_factory=list, exclude=True)


Change = Literal["added", "updated", "unchanged", "removed", "skipped"]


class FileReport(BaseModel):
    """One line of the ingest report."""

    path: str
    status: FileStatus
    chunks: int = 0
    message: str | None = None
    warnings: list[str] = Field(default_factory=list)
    change: Change = "skipped"


class IngestReport(BaseModel):
    """What an ingest run did, per file and in total."""

    files: list[FileReport] = Field(default_factory=list)
    chunks_total: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    embedded: int = Field(0, description="Chunk texts sent to the encoder in this run.")
    sentences_embedded: int = Field(
        0, description="Sentences sent to the encoder in this run for the extractive answer "
        "(Settings.sentence_vectors_at_ingest).")
    generation: str | None = None
    seconds: float = 0.0
    model: str | None = None
    warnings: list[str] = Field(default_factory=list, description="Notices about the run "
                                "itself, such as a damaged embedding cache set aside.")

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.files:
            out[f.status.value] = out.get(f.status.value, 0) + 1
        return out


# true_false and cloze are no longer asked (the exam has neither; their facts are flashcards);
# they stay so that attempts stored by older releases still load
QuestionType = Literal["single", "multiple", "ordering", "matching", "true_false", "cloze"]


class QuizOption(BaseModel):
    key: str = Field(description="Letter shown to the learner: A, B, C ...")
    text: str
    correct: bool = False
    explanation: str = Field("", description="Why this option is right or wrong.")
    cite: int | None = Field(None, description="Number n of the citation that supports this "
                             "option's explanation (item-bank items cite one per option).")


class CaseRef(BaseModel):
    """The case study an item belongs to: one scenario shared by three or four questions."""

    id: str
    title: str
    scenario: str


class QuizItem(BaseModel):
    """One practice question with its key, explanations and supporting citations."""

    id: str = Field(description="Stable id derived from the content.")
    type: QuestionType
    domain: int = Field(ge=1, le=4)
    task: str = Field(pattern=r"^[1-4]\.[1-3]$")
    stem: str
    options: list[QuizOption] = Field(default_factory=list)
    answer_count: int = Field(1, description="How many options to select.")
    order: list[str] = Field(default_factory=list, description="Ordering: option keys in order.")
    pairs: dict[str, str] = Field(default_factory=dict, description="Matching: left -> right.")
    explanation: str = ""
    citations: list[Citation] = Field(default_factory=list)
    generator: str = Field("offline", description="'bank' (authored, corpus/items) or the "
                           "generator that wrote it: 'offline' or 'llm'.")
    topic: str | None = Field(None, description="Service id or concept the item is about.")
    flags: list[str] = Field(default_factory=list, description="e.g. 'negative_stem'.")
    case: CaseRef | None = Field(None, description="The case study, for case-study items.")
    skill: str | None = Field(None, description="The skill tested (item-bank items).")

    @property
    def generated(self) -> bool:
        """Written by a generator rather than taken from the authored bank."""
        return self.generator != "bank"

    @property
    def correct_keys(self) -> list[str]:
        return [o.key for o in self.options if o.correct]
