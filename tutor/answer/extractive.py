"""The offline default answerer: it quotes the most relevant sentences of the best hits and
cites each one. No model is involved."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from tutor.answer.base import citation_for, is_relevant, not_found
from tutor.chunk import split_sentences
from tutor.index.lexical import tokenize
from tutor.types import Answer, Hit

if TYPE_CHECKING:  # the llm package imports LangChain; answering offline does not need it
    from tutor.llm import LazyChatModel

_BULLET = re.compile(r"^\s*(?:[-+*•]|\d+[.)])\s+")
_EMPH = re.compile(r"(\*\*|__|`)")
# The notes name their sources inline; in an answer the citation marker does that job.
_SOURCE_NOTE = re.compile(r"\s*\((?:source|sources|see)\s*:[^()]*(?:\([^()]*\)[^()]*)*\)", re.I)
_CODEISH = re.compile(r"[{}<>=;]|```")
# Sentences that lean on earlier text ("It ...", "For more information ...") read badly
# when quoted alone.
_DEPENDENT = re.compile(
    r"^(it|this|these|that|those|they|such|also|however|for more information|for example|"
    r"the following|see |to learn)\b", re.I)
MAX_SENTENCE_CHARS = 600
_NUMERIC_QUESTION = re.compile(
    r"\b(how (long|many|much|big|large|often|fast|small)|maximum|minimum|max|min|limit|limits|"
    r"size|timeout|duration|retention|up to|at most|number of|percent)\b", re.I)
_DIGIT = re.compile(r"\d")


def clean_sentence(s: str) -> str:
    """A sentence as quoted: no list markers or emphasis marks."""
    s = _BULLET.sub("", s)
    s = _EMPH.sub("", s)
    return " ".join(s.split())


def answer_sentence(s: str) -> str:
    """A quoted sentence as it reads in the answer, without the notes' inline source notes
    (the citation marker carries the source; the citation's quote keeps them)."""
    return " ".join(_SOURCE_NOTE.sub("", s).split()).replace(" .", ".")


class ExtractiveAnswerer:
    """Selects and orders sentences from the top hits; every sentence carries a citation."""

    name = "extractive"
    guards_context = False  # the caller sanitises the hits
    model: LazyChatModel | None = None

    # Weights of the sentence score, tuned on evals/datasets/answers.jsonl.
    w_cover = 2.0
    w_heading = 0.3
    w_lead = 0.3
    w_rank = 0.6
    w_number = 0.6

    def __init__(self, max_sentences: int = 4, min_dense: float = 0.3, max_hits: int = 4,
                 per_hit: int = 2):
        self.max_sentences = max_sentences
        self.min_dense = min_dense
        self.max_hits = max_hits
        self.per_hit = per_hit

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        if not is_relevant(question, hits, self.min_dense):
            return not_found(question)
        picked = self._pick(question, hits[: self.max_hits])
        if not picked:
            return not_found(question)
        numbers: dict[str, int] = {}
        quotes: dict[str, list[str]] = {}
        parts: list[str] = []
        for hit, sentence in picked:
            n = numbers.setdefault(hit.chunk.id, len(numbers) + 1)
            quotes.setdefault(hit.chunk.id, []).append(sentence)
            parts.append(f"{answer_sentence(sentence)} [{n}]")
        by_id = {h.chunk.id: h for h, _ in picked}
        citations = [citation_for(by_id[cid], n, " ".join(quotes[cid]))
                     for cid, n in numbers.items()]
        return Answer(question=question, text=" ".join(parts), citations=citations,
                      hits=list(hits), backend=self.name)

    def _pick(self, question: str, hits: Sequence[Hit]) -> list[tuple[Hit, str]]:
        q_terms = set(tokenize([question])[0])
        pool: list[tuple[int, int, Hit, str, set[str], set[str]]] = []
        for hit_i, hit in enumerate(hits):
            sentences = [clean_sentence(s) for s in split_sentences(hit.chunk.text)]
            sentences = [s for s in sentences if 20 <= len(s) <= MAX_SENTENCE_CHARS
                         and not _CODEISH.search(s) and s[-1:] not in (":",)]
            if not sentences:
                continue
            heading_terms = set(tokenize([hit.chunk.heading])[0])
            for pos, (s, toks) in enumerate(zip(sentences, tokenize(sentences), strict=True)):
                pool.append((hit_i, pos, hit, s, set(toks), heading_terms))
        if not pool:
            return []
        # Terms frequent among the candidate sentences ("sagemaker", "model") say little
        # about which sentence answers; rare question terms decide.
        df: dict[str, int] = {}
        for *_, terms, _h in pool:
            for t in terms & q_terms:
                df[t] = df.get(t, 0) + 1
        weight = {t: math.log(1 + len(pool) / (1 + df.get(t, 0))) for t in q_terms}
        total = sum(weight.values()) or 1.0
        wants_number = bool(_NUMERIC_QUESTION.search(question))
        candidates: list[tuple[float, int, int, Hit, str]] = []
        for hit_i, pos, hit, s, terms, heading_terms in pool:
            shared = q_terms & terms
            if not shared and not (pos == 0 and hit_i == 0):
                continue
            coverage = sum(weight[t] for t in shared) / total
            context = sum(weight[t] for t in q_terms & heading_terms) / total
            # The opening sentence of a section defines its subject (the notes are written
            # that way); a figure answers "how long / how many / how big" questions.
            score = self.w_cover * coverage + self.w_heading * context
            score += self.w_lead * (pos == 0) + self.w_rank / (hit_i + 1)
            if wants_number and _DIGIT.search(s):
                score += self.w_number
            if _DEPENDENT.match(s):
                score -= 0.5
            candidates.append((score, hit_i, pos, hit, s))
        candidates.sort(key=lambda t: -t[0])
        chosen: list[tuple[float, int, int, Hit, str]] = []
        per: dict[int, int] = {}
        seen: set[str] = set()
        for cand in candidates:
            key = cand[4].lower()
            if key in seen or per.get(cand[1], 0) >= self.per_hit:
                continue
            seen.add(key)
            per[cand[1]] = per.get(cand[1], 0) + 1
            chosen.append(cand)
            if len(chosen) >= self.max_sentences:
                break
        chosen.sort(key=lambda t: (t[1], t[2]))
        return [(c[3], c[4]) for c in chosen]

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[str | Answer]:
        """Yield text pieces as they are ready, then the final Answer."""
        answer = self.answer(question, hits)
        for piece in re.split(r"(?<=\]) ", answer.text):
            yield piece + " "
        yield answer

