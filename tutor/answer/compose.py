"""Composition by question type: which scored sentences an extractive answer quotes, in what
order, under which short labels.

- definition: the best (defining) sentence, then at most two that add to it (asked what X
  is or does, the next sentence of its section first);
- figure: the sentence or table row holding the figure first, preferring a number followed by
  the question's own unit word ("how many private IPs" -> "two private IP addresses") or
  next to the word of what is measured ("payload"), then at most two more;
- comparison: the sentence that contrasts them, then per compared entity the best-scoring
  sentence of its own section that names it alone, and the sentence after it;
- procedure: the steps in order, from one section;
- troubleshooting: the cause, then the fix;
- list: the items of the best list or table (after the sentence introducing them); a lead
  that announces a set is followed by the section's next sentences;
- choose: the sentence that makes the choice, then support.

Everywhere: contiguous sentences of the best section are preferred, near-duplicates are
skipped, and selection stops when the next sentence adds little (marginal relevance).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from tutor.answer.figures import QUANTITY, counts_asked, figure_words, measures, states_figure
from tutor.answer.question import Entity, Question
from tutor.answer.scoring import Scored, is_cause, is_dependent, is_fix, similar
from tutor.text import word_set

NEAR_DUPLICATE = 0.82  # cosine of two sentence vectors that say the same thing
NEAR_DUPLICATE_WORDS = 0.6  # word-set Jaccard, for the same
NEAR_DUPLICATE_CONTAINED = 0.8  # share of the shorter one's words found in the other
_SECTION_BONUS = 0.35  # same section as the lead sentence
_NEXT_BONUS = 0.25  # the sentence right after one already chosen
_REDUNDANCY = 0.7  # weight of the similarity to what is already chosen
_ANNOUNCES = re.compile(r"\b(?:two|three|four|five|six|seven|eight|several|a few|the following)"
                        r"\s+(?:[\w-]+\s+){0,2}[a-z]+s\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_CONTRAST = re.compile(r"\b(choose|pick|prefer|over|instead|rather than|unlike|whereas|while|"
                       r"but|differ\w*|versus|vs|compared|both|than)\b", re.I)
# three or more items in one run: "a, b and c", "a, b, c, or d"
_LISTS = re.compile(r"[^,;:]+,\s*[^,;:]+(?:,\s*[^,;:]+)*,?\s+(?:and|or)\s+\w")
OTHER = 0.8  # a figure, cause or list answer quotes a further passage only this close to the lead
ABOUT_WORDS = 6  # a sentence naming a thing within its first words is about it
MIN_COS = 0.3  # least cosine to the question of a further passage's sentence
MAX_PASSAGES = 2  # an answer quotes at most this many passages beyond what its type needs


@dataclass
class Part:
    """One quoted unit of the answer, under an optional short label."""

    item: Scored
    label: str | None = None


def duplicate(a: Scored, b: Scored) -> bool:
    """Whether two candidates state the same thing (in one note or two)."""
    if a.cand.text == b.cand.text or similar(a, b) >= NEAR_DUPLICATE:
        return True
    wa, wb = word_set(a.cand.text), word_set(b.cand.text)
    if len(wa & wb) / (len(wa | wb) or 1) >= NEAR_DUPLICATE_WORDS:
        return True
    # a sentence restating one sentence of a longer unit (a card's back holds two or three)
    small = min(len(wa), len(wb))
    if small >= 4 and len(wa & wb) / small >= NEAR_DUPLICATE_CONTAINED:
        return True
    return any(len(x & y) / len(x | y) >= NEAR_DUPLICATE_WORDS
               for x in _sentence_words(a.cand.text) for y in _sentence_words(b.cand.text)
               if min(len(x), len(y)) >= 4)


def is_contrast(text: str) -> bool:
    """Whether a sentence sets things against each other, not just lists them."""
    return bool(_CONTRAST.search(text))


def enumerates(text: str, compared: Sequence[Entity]) -> bool:
    """Whether the sentence names the compared things in a list of more ("a, b, c and d")."""
    n = max(2, len(compared))
    for clause in re.findall(r"[^:;]+(?:\band\b|\bor\b)[^:;]+", text):
        items = re.split(r",\s*|\s+and\s+|\s+or\s+", clause)
        if len(items) > n and sum(any(e.named_in(i) for e in compared) for i in items) >= 2:
            return True
    return False


@lru_cache(maxsize=8192)
def _sentence_words(text: str) -> tuple[frozenset[str], ...]:
    return tuple(word_set(s) for s in _SENTENCE_END.split(text))


def extend(chosen: list[Scored], pool: Sequence[Scored], limit: int, stop: float,
           *, allow: set[str] | None = None, other: float | None = None) -> list[Scored]:
    """Add candidates by marginal relevance until ``limit`` or until the best addition scores
    below ``stop`` times the lead's score. Sentences of the lead's section, and the one right
    after a chosen sentence, get a bonus, so an answer reads as a passage, not a collage."""
    if not chosen:
        return chosen
    lead = chosen[0]
    floor = stop * lead.score
    while len(chosen) < limit:
        best, best_value = None, floor
        cited = {c.hit.chunk.id for c in chosen}
        for s in pool:
            if s in chosen or (allow is not None and s.cand.kind not in allow):
                continue
            if s.hit.chunk.id not in cited and len(cited) >= MAX_PASSAGES:
                continue
            # a further passage must come close to the lead (``other`` times its score)
            if other is not None and s.hit.chunk.id not in cited and s.score < other * lead.score:
                continue
            # a further passage's sentence far from the question in meaning adds a citation
            # that does not back the answer, whatever words it shares with the question
            if s.hit.chunk.id not in cited and s.cos < MIN_COS:
                continue
            if any(duplicate(s, c) for c in chosen):
                continue
            value = s.score - _REDUNDANCY * max(0.0, max(similar(s, c) for c in chosen) - 0.4)
            if s.section == lead.section:
                value += _SECTION_BONUS
            if any(c.hit is s.hit and c.cand.position + 1 == s.cand.position for c in chosen):
                value += _NEXT_BONUS
            if value > best_value:
                best, best_value = s, value
        if best is None:
            break
        chosen.append(best)
    return chosen


def next_in_passage(pool: Sequence[Scored], item: Scored) -> Scored | None:
    """The pool's sentence right after ``item`` in its passage, if the pool holds it."""
    return next((s for s in pool if s.hit is item.hit
                 and s.cand.position == item.cand.position + 1), None)


def in_passage_order(items: list[Scored]) -> list[Scored]:
    """The lead first; the rest grouped by passage, in the order each passage first appears
    in the answer, sentences of one passage in their own order."""
    if len(items) <= 1:
        return items
    lead, rest = items[0], items[1:]
    same = sorted([s for s in rest if s.hit is lead.hit and s.cand.position > lead.cand.position],
                  key=lambda s: s.cand.position)
    others = [s for s in rest if s not in same]
    return [lead, *same, *others]


def definition(pool: Sequence[Scored], limit: int, stop: float, *,
               read_on: bool = False) -> list[Part]:
    lead = pool[0]
    chosen = [lead]
    # asked what something is or does, the section goes on where its defining sentence
    # stops: the next sentence explains it, however little it shares with the question
    after = next_in_passage(pool, lead)
    if read_on and after is not None and min(limit, 3) >= 2 and not duplicate(after, lead):
        chosen.append(after)
    chosen = extend(chosen, pool, min(limit, 3), stop)  # the defining one and two more
    return [Part(s) for s in in_passage_order(chosen)]


def figure(pool: Sequence[Scored], limit: int, stop: float, question_text: str = "",
           entities: Sequence[Entity] = ()) -> list[Part]:
    # among well-scored sentences holding a number, the one closest in meaning and wording
    # to the question: "maximum concurrency of 200" must not lead "max payload: 4 MB"; a
    # sentence whose number counts what the question counts comes before one that only
    # holds a number
    asked, measured = figure_words(question_text, entities)
    with_number = [s for s in pool if QUANTITY.search(s.cand.text)
                   and s.score >= (0.6 if measures(s.cand.text, measured) else 0.7)
                   * pool[0].score]
    lead = (max(with_number, key=lambda s: (counts_asked(s.cand.text, asked),
                                            measures(s.cand.text, measured),
                                            s.cos + s.coverage))
            if with_number else pool[0])
    # the other rows of the figure's table are about other things ("Real-time — 6 MB")
    rest = [s for s in pool if s.cand.kind != "row" or lead.cand.kind != "row"]
    # a lead that gives the figure asked answers: its passage may go on, other passages
    # would only add citations that do not back it (the retention figure was followed by
    # the record size limit)
    if states_figure(lead.cand.text, question_text, entities):
        rest = [s for s in rest if s.hit is lead.hit]
    chosen = extend([lead], rest, min(limit, 3), stop, other=OTHER)  # the figure and two more
    return [Part(s) for s in in_passage_order(chosen)]


def procedure(pool: Sequence[Scored], limit: int, stop: float) -> list[Part]:
    lead = pool[0]
    same = [s for s in pool if s.hit is lead.hit]
    chosen = extend([lead], same, limit, stop * 0.8)
    chosen = sorted(chosen, key=lambda s: s.cand.position)
    return [Part(s) for s in chosen]


def troubleshooting(pool: Sequence[Scored], limit: int, stop: float) -> list[Part]:
    top = pool[0].score
    causes = [s for s in pool if is_cause(s.cand.text) and s.score >= 0.7 * top]
    first = causes[0] if causes else pool[0]
    fixes = [s for s in pool if s is not first and is_fix(s.cand.text)
             and s.score >= 0.6 * top and not duplicate(s, first)]
    chosen = [first, *fixes[:1]]
    chosen = extend(chosen, pool, limit, stop, other=OTHER)
    return [Part(s) for s in chosen]


def listing(pool: Sequence[Scored], limit: int, stop: float) -> list[Part]:
    lead = pool[0]
    # a lead that announces a set ("offers four search strategies", "Several S3 settings
    # form the baseline") is followed by its members: read on in the passage's order, as
    # many as the answer holds, whatever each scores on its own
    here = (lead.hit.chunk.position, lead.cand.position)
    after = sorted((s for s in pool if s.section == lead.section
                    and (s.hit.chunk.position, s.cand.position) > here),
                   key=lambda s: (s.hit.chunk.position, s.cand.position))
    if _ANNOUNCES.search(lead.cand.text) and len(after) >= 2:
        # overlapping chunks of one section hold some sentences twice
        members: list[Scored] = []
        for s in after:
            if not any(duplicate(s, m) for m in [lead, *members]):
                members.append(s)
        return [Part(s) for s in [lead, *members[:limit]]]
    items = [s for s in pool if s.hit is lead.hit and s.cand.kind in ("item", "row")]
    # the lead may be the sentence that introduces its passage's list ("Several settings
    # form the baseline ..."): the list's items follow it, whichever scores better
    if len(items) >= 2 and (lead.cand.kind in ("item", "row")
                            or all(s.cand.position > lead.cand.position for s in items)):
        chosen = extend([lead], items, limit + 1, stop * 0.7)
        return [Part(s) for s in sorted(chosen, key=lambda s: s.cand.position)]
    # a lead that itself lists the members ("PendingManualApproval, Approved or Rejected")
    # answers: only its own passage may go on
    rest = [s for s in pool if s.hit is lead.hit] if _LISTS.search(lead.cand.text) else pool
    chosen = extend([lead], rest, limit, stop * 0.85, other=OTHER)
    return [Part(s) for s in in_passage_order(chosen)]


def choose(pool: Sequence[Scored], limit: int, stop: float,
           compared: Sequence[Entity] = ()) -> list[Part]:
    if len(compared) >= 2:
        parts = comparison(pool, limit, stop, compared, labels=False)
        # the sentence that makes the choice best leads, whether or not it names a side
        if not any(p.item is pool[0] or duplicate(p.item, pool[0]) for p in parts):
            parts = [Part(pool[0]), *parts][:max(limit, 2)]
        return parts
    chosen = extend([pool[0]], pool, limit, stop)
    return [Part(s) for s in in_passage_order(chosen)]


def comparison(pool: Sequence[Scored], limit: int, stop: float, compared: Sequence[Entity],
               *, labels: bool = True) -> list[Part]:
    """The sentence that contrasts them (naming two or more) first, so the difference is
    stated before anything else, then one defining sentence per entity (labelled with it).
    An entity no sentence names gets no part (the caller says so)."""
    parts: list[Part] = []
    top = pool[0].score
    both = [s for s in pool if len(s.names) >= 2]
    # a sentence that names both and contrasts them ("choose X over Y when ...") leads; one
    # that merely names them must score close to the best, one listing more than the compared
    # ("four ways: real-time, serverless, asynchronous and batch") or leaning on the sentence
    # before it ("It supports L1 and L2 ...") never leads
    # a section whose heading names both ("VPC mode versus network isolation") states their
    # difference before a sentence from elsewhere that happens to name both
    both.sort(key=lambda s: sum(e.named_in(s.hit.chunk.heading) for e in compared) < 2)
    contrast = next((s for s in both if not is_dependent(s.cand.text) and (
        (is_contrast(s.cand.text) and s.score >= 0.6 * top)
        or (s.score >= 0.85 * top and not enumerates(s.cand.text, compared)))), None)
    used: list[Scored] = [contrast] if contrast is not None else []
    for i, entity in enumerate(compared):
        own = [s for s in pool if i in s.names and s is not contrast
               and not any(duplicate(s, u) for u in used)]
        # once the difference names this side, a sentence of its own must be about it, not
        # one that mentions it in passing (Parameter Store at the end of a sentence on
        # CloudFormation exports)
        if contrast is not None and i in contrast.names:
            own = [s for s in own if is_about(s, entity)]
        # a sentence about this entity alone defines it better than one naming all of them,
        # and the opening sentence of a section about it best of all; one that leans on
        # earlier text ("Then choose ...") only when nothing else names it
        own.sort(key=lambda s: -_side_rank(s, entity))
        if not own:
            continue
        picked = [own[0]]
        # the sentence right after it in its passage goes on explaining it (contiguous
        # reading), however little it shares with the question
        after = next_in_passage(pool, own[0])
        if (after is not None and len(parts) + 2 * len(compared) <= limit
                and not after.names - {i}
                and not any(duplicate(after, u) for u in [*used, own[0]])):
            picked.append(after)
        used.extend(picked)
        label = entity.name[:1].upper() + entity.name[1:] if labels else None
        parts.extend(Part(s, label if k == 0 else None) for k, s in enumerate(picked))
    if contrast is not None:
        parts.insert(0, Part(contrast, "Difference" if labels and parts else None))
    if not parts:
        return definition(pool, limit, stop)
    return parts


def is_about(s: Scored, entity: Entity) -> bool:
    """Whether a sentence is about ``entity``: its section is, or it names it early on."""
    if entity.named_in(s.hit.chunk.heading):
        return True
    found = entity.pattern().search(s.cand.text)
    return found is not None and len(s.cand.text[:found.start()].split()) <= ABOUT_WORDS


def _side_rank(s: Scored, entity: Entity) -> float:
    # any sentence of a section about this side, the best-scoring first: its opening
    # sentence often only introduces the section ("Then choose ...", a history note)
    # sentence naming another compared side too is the contrast's job, not this side's
    own_section = entity.named_in(s.hit.chunk.heading)
    return (s.score + 1.0 * (len(s.names) == 1) + 0.5 * own_section
            - 1.0 * is_dependent(s.cand.text))


def missing(compared: Sequence[Entity], parts: Sequence[Part]) -> list[Entity]:
    """Compared entities that no quoted sentence names."""
    return [e for e in compared if not any(e.named_in(p.item.cand.text) for p in parts)]


def compose(question: Question, pool: Sequence[Scored], limit: int, stop: float) -> list[Part]:
    """The parts of the answer for this question type."""
    if not pool:
        return []
    kind = question.type
    if kind == "comparison" and len(question.compared) >= 2:
        return comparison(pool, limit, stop, question.compared)
    if kind == "figure":
        return figure(pool, limit, stop, question.stem or question.text, question.entities)
    if kind == "procedure":
        return procedure(pool, limit, stop)
    if kind == "troubleshooting":
        return troubleshooting(pool, limit, stop)
    if kind == "list":
        return listing(pool, limit, stop)
    if kind == "choose":
        return choose(pool, limit, stop, question.compared)
    return definition(pool, limit, stop, read_on=question.asks_meaning)
