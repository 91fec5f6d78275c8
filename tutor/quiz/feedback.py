"""What a graded answer teaches: the explanation of what the learner chose and of the key, each
with the passage it cites. The plain-text renderer and the app both show it.

- single and multiple response: each option chosen that is not a key, then each key;
- ordering: each step the learner put in the wrong place, then every step in the right order;
- matching: for each wrong pair, the option whose description the learner gave it, then the
  option itself with its right description.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.quiz.grade import GradeResult
from tutor.quiz.note_text import content_words, sentences
from tutor.types import Citation, QuizItem, QuizOption


@dataclass(frozen=True)
class Point:
    """One option's explanation as feedback."""

    option: QuizOption
    role: str  # "chosen" (the learner's pick, not a key) or "key"
    citation: Citation | None
    note: str = ""  # where the learner put it or what they paired it with
    quote: str = ""  # the sentence of the cited passage closest to this explanation


@dataclass(frozen=True)
class Feedback:
    correct: bool
    chosen: list[Point]  # what the learner picked that is wrong (empty when correct)
    keys: list[Point]  # the key, explained


def option_citation(item: QuizItem, option: QuizOption) -> Citation | None:
    """The citation behind an option's explanation (bank items), else the item's first."""
    for c in item.citations:
        if option.cite is not None and c.n == option.cite:
            return c
    return item.citations[0] if item.citations and option.cite is None else None


def best_sentence(passage: str, text: str) -> str:
    """The sentence of ``passage`` sharing most content words with ``text``."""
    wanted = content_words(text)
    return max(sentences(passage), key=lambda s: len(content_words(s) & wanted), default="")


def _point(item: QuizItem, option: QuizOption, role: str, note: str = "") -> Point:
    cited = option_citation(item, option)
    quote = ""
    if cited is not None:
        quote = best_sentence(cited.passage, option.explanation) if cited.passage else cited.quote
    return Point(option=option, role=role, citation=cited, note=note, quote=quote)


def feedback(item: QuizItem, result: GradeResult) -> Feedback:
    """The teaching points for ``result`` (see the module docstring)."""
    by_key = {o.key: o for o in item.options}
    chosen: list[Point] = []
    keys: list[Point] = []
    if item.type == "ordering":
        order = result.given if isinstance(result.given, list) else []
        for pos, key in enumerate(order):
            if key in by_key and (pos >= len(item.order) or item.order[pos] != key):
                chosen.append(_point(item, by_key[key], "chosen", f"you put it at step {pos + 1}"))
        keys = [_point(item, by_key[k], "key", f"step {n}")
                for n, k in enumerate(item.order, start=1)]
    elif item.type == "matching":
        pairs = result.given if isinstance(result.given, dict) else {}
        owner = {text: key for key, text in item.pairs.items()}
        for key in result.missing:
            paired = pairs.get(key, "")
            if paired in owner:
                chosen.append(_point(item, by_key[owner[paired]], "chosen",
                                     f"you matched {key} with: {paired}"))
            keys.append(_point(item, by_key[key], "key", item.pairs[key]))
        if result.correct:
            keys = [_point(item, o, "key", item.pairs[o.key]) for o in item.options]
    else:
        chosen = [_point(item, by_key[k], "chosen") for k in result.extra if k in by_key]
        keys = [_point(item, o, "key") for o in item.options if o.correct]
    return Feedback(correct=result.correct, chosen=[] if result.correct else chosen, keys=keys)
