"""Cloze and true/false items from study-note sentences that name a catalog entry.

Used by ``offline.OfflineGenerator`` through the ``OptionMaker`` they share. A cloze item
blanks every mention of the entry and offers entries of its category; a true/false item is
the sentence as written (true) or with the entry swapped for a confusable one (false), half
and half.
"""

from __future__ import annotations

import re

from tutor.catalog import Mention, Service
from tutor.quiz.options import OptionMaker
from tutor.quiz.plan import SentenceCandidate, TaskPlan, item_id
from tutor.quiz.support import Support, citation
from tutor.quiz.text import fix_articles, overlap
from tutor.types import QuestionType, QuizItem, QuizOption

BLANK = "_____"
CONTEXT_PREFIX = "In the context of"
_PRONOUN_START = re.compile(
    r"^(It|Its|This|That|These|Those|They|Both|Such|Here|There|The same|The other|Another|"
    r"Also|However|Instead|Otherwise|Then)\b"
)
# trap lists state misconceptions on purpose; their sentences are not facts to test
TRAP_HEADING = re.compile(r"\b(traps?|pitfalls?|mistakes?|misconceptions?|myths?|gotchas?)\b", re.I)
# a sentence pointing back at its neighbours cannot stand alone as a question
_BACK_REFERENCE = re.compile(
    r"\b(these|those|above|below|following|former|latter|the same)\b|^(\w+\s+){0,2}it\b", re.I
)
_CONTRAST = re.compile(r"\b(over|rather than|instead of|than|unlike|whereas)\b", re.IGNORECASE)


def _profile(service: Service) -> str:
    return f"{service.purpose} {' '.join(service.scenarios)}"


def _surface(service: Service, replaced: Mention) -> str:
    """The form of ``service`` to put where ``replaced`` was: the full label if the original
    was written in full, else the short name, so the sentence keeps its register."""
    full = replaced.text.startswith(("Amazon ", "AWS "))
    return service.label if full else service.short_name


def _embedded(sentence: str, mention: Mention) -> bool:
    """True when the mention is glued to a capitalised neighbour, i.e. it is part of a longer
    proper name ("Application Auto Scaling", "EventBridge Scheduler") and must not be cut out.
    The sentence's first word is capitalised anyway, so it is no evidence."""
    before = sentence[: mention.start]
    prev = re.search(r"(\S+) $", before)
    nxt = re.match(r" ([A-Z])", sentence[mention.end :])
    glued_prev = (prev is not None and prev.start() > 0 and prev.group(1)[0].isupper()
                  and not prev.group(1).endswith((".", ":", ";", ",", ")")))
    return glued_prev or nxt is not None


def usable_sentence(sentence: str) -> bool:
    """Whether a note sentence can stand alone as a question: a complete, self-contained
    statement of moderate length."""
    words = sentence.split()
    return (8 <= len(words) <= 45 and sentence.endswith(".")
            and not _PRONOUN_START.match(sentence)
            and not words[0].lower().endswith("ing")  # "Treating X as Y." is a fragment
            and not _BACK_REFERENCE.search(sentence) and BLANK not in sentence
            and "?" not in sentence and not sentence.startswith(("-", "*")))


class SentenceItems:
    """Builders for items made from single note sentences."""

    def __init__(self, make: OptionMaker):
        self.make = make
        self.catalog = make.catalog

    def _next_sentence(self, plan: TaskPlan) -> SentenceCandidate | None:
        files = plan.sentence_files
        for step in range(len(files)):
            pool = files[(plan.file_pos + step) % len(files)]
            for candidate in pool:
                if candidate.sentence not in plan.used_sentences:
                    plan.file_pos = (plan.file_pos + step + 1) % len(files)
                    plan.used_sentences.add(candidate.sentence)
                    return candidate
        return None

    def from_sentence(self, plan: TaskPlan, kind: QuestionType) -> QuizItem | None:
        for _ in range(40):
            candidate = self._next_sentence(plan)
            if candidate is None:
                return None
            item = (self._cloze(plan.task, candidate) if kind == "cloze"
                    else self._true_false(plan.task, candidate))
            if item is not None:
                return item
        return None

    def _cloze(self, task: str, cand: SentenceCandidate) -> QuizItem | None:
        for key_id in cand.ids:
            key = self.catalog.get(key_id)
            spans = [m for m in self.catalog.mentions(cand.sentence) if m.service_id == key_id]
            if not spans or any(_embedded(cand.sentence, m) for m in spans):
                continue
            distractors = self.make.distractors([key], 3, banned=set(cand.ids),
                                                same_category_first=True)
            if len(distractors) < 3:
                continue
            # the sentence must describe the key better than any distractor, or the blank
            # would have several defensible fillers
            fit = overlap(cand.sentence, _profile(key))
            if fit < 2 or any(overlap(cand.sentence, _profile(d)) >= fit for d in distractors):
                continue
            blanked = cand.sentence
            for m in reversed(spans):
                blanked = blanked[: m.start] + BLANK + blanked[m.end :]
            stem = ("Which AWS service or feature completes the statement? "
                    f"{self._context(cand)}{blanked}")
            options = [(key, True)] + [(d, False) for d in distractors]
            support = Support(chunk=cand.chunk, quote=cand.sentence, score=0)
            return self.make.service_item(
                "cloze", task, stem, options,
                {key.id: "The cited passage makes this statement about it."}, [support], key.id)
        return None

    def _context(self, cand: SentenceCandidate) -> str:
        """'In the context of <heading>: ' when the section heading names a service the
        sentence leaves implicit ("Business logic ... runs in AWS Lambda" under "Amazon Lex")."""
        heading = cand.chunk.heading_path[-1] if cand.chunk.heading_path else ""
        named = self.catalog.mentioned_ids(heading)
        if not named or set(named) & set(cand.ids) or ":" in heading:
            return ""  # a colon in the heading would blur where the claim starts
        return f"{CONTEXT_PREFIX} {heading}: "

    def _true_false(self, task: str, cand: SentenceCandidate) -> QuizItem | None:
        mentions = self.catalog.mentions(cand.sentence)
        if not mentions or any(_embedded(cand.sentence, m) for m in mentions):
            return None
        key = self.catalog.get(mentions[0].service_id)
        statement, why_false = cand.sentence, None
        if self.make.rng.random() < 0.5:
            statement, why_false = self._falsify(cand.sentence, mentions)
            if why_false is None:
                return None  # keep true and false items balanced: try another sentence
        truth = why_false is None
        if truth:
            why_true = "Correct. The study notes make this statement as written."
            why_false = "Incorrect. The statement matches the cited passage."
        else:
            why_true = f"Incorrect. {why_false}"
            why_false = f"Correct. {why_false}"
        stem = f"True or false? {self._context(cand)}{statement}"
        options = [
            QuizOption(key="A", text="True", correct=truth, explanation=why_true),
            QuizOption(key="B", text="False", correct=not truth, explanation=why_false),
        ]
        return QuizItem(
            id=item_id("true_false", stem, ["True", "False"]),
            type="true_false",
            domain=int(task[0]),
            task=task,
            stem=stem,
            options=options,
            explanation=f"The cited passage says: {cand.sentence}",
            citations=[citation(Support(cand.chunk, cand.sentence, 0), 1)],
            topic=key.id,
        )

    def _falsify(self, sentence: str, mentions: list[Mention]) -> tuple[str, str | None]:
        """A false version of the sentence and why it is false, or (sentence, None).

        Swapping two contrasted, confusable entries ("choose X over Y") inverts the claim;
        otherwise the first entry is replaced by a confusable one only when the sentence
        clearly describes the original (more overlap with its purpose and scenarios)."""
        key = self.catalog.get(mentions[0].service_id)
        others = [m for m in mentions if m.service_id != key.id]
        if others and _CONTRAST.search(sentence):
            second = self.catalog.get(others[0].service_id)
            related = (second.category == key.category or second.id in key.confused_with
                       or key.id in second.confused_with)
            spans = [m for m in mentions if m.service_id in (key.id, second.id)]
            if related:
                swap = {key.id: second, second.id: key}
                out = sentence
                for m in reversed(spans):
                    out = out[: m.start] + _surface(swap[m.service_id], m) + out[m.end :]
                return fix_articles(out), (
                    f"The statement swaps {key.label} and {second.label}; the cited passage says "
                    "it the other way round.")
        named = {m.service_id for m in mentions}
        for other_id in key.confused_with:
            other = self.catalog.by_id.get(other_id)
            if other is None or other.id in named:
                continue
            if overlap(sentence, _profile(key)) - overlap(sentence, _profile(other)) >= 2:
                out = sentence
                for m in reversed([m for m in mentions if m.service_id == key.id]):
                    out = out[: m.start] + _surface(other, m) + out[m.end :]
                return fix_articles(out), (
                    f"The cited passage says this about {key.label}, not {other.label}. "
                    f"{other.label}: {other.purpose}")
        return sentence, None
