"""Question analysis: what kind of answer a learner's question wants, and what it names.

Rules, because the signals are plain words ("vs", "how do I", "why does ... fail", lettered
options) and a rule that fires is easy to check. ``analyse`` gives a ``Question``: its type
(one of eight), the entities it names (catalog services and features by name, short name or
alias; ML concepts), the things it compares, and for a pasted practice item its stem and
options. ``tests/test_question.py`` measures the type rules on the answer dataset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from tutor.answer.concepts import CONCEPTS
from tutor.catalog import Catalog, CatalogError, load_catalog
from tutor.text import letters

QuestionType = Literal["definition", "comparison", "choose", "procedure", "figure",
                       "troubleshooting", "list", "practice"]

# "A. text", "B) text", "(C) text" at a line start, or run together on one line
_OPTION = re.compile(r"(?:^|\n|\s)\(?([A-F])[.)]\s+(?=\S)")
_COMPARE = re.compile(
    r"\b(differen\w*|diff|vs\.?|versus|compare[sd]?|comparison|contrast|distinguish)\b", re.I)
_BETWEEN = re.compile(r"\bbetween\s+(.+?)\s+and\s+(.+?)(?:[?.!,;]|\bfor\b|\bin\b|\bwhen\b|$)",
                      re.I)
_VERSUS = re.compile(r"\s(?:vs\.?|versus|compared (?:to|with)|or|over|instead of|"
                     r"rather than)\s", re.I)
_HOW_COMPARE = re.compile(r"\bhow (?:do|can|should|would) (?:i|we|you) compare\b", re.I)
_MEANING = re.compile(r"^\s*(?:what(?:'?s| is| are)|define|explain|what does .+ (?:do|mean))\b",
                      re.I)
_VS = re.compile(r"\s(?:vs\.?|versus)\s", re.I)
_TROUBLE = re.compile(
    r"\b(fail\w*|error\w*|exception|throttl\w*|troubleshoot\w*|fix|stuck|broken|crash\w*|"
    r"not working|doesn'?t work|won'?t|can'?t|cannot|isn'?t|aren'?t|keeps?|denied|timed? out|"
    r"timeout error|hot shard|slow\w*|stopped|rejects?|garbage|didn'?t|never|no logs|"
    r"wakes|\?\?|went wrong|goes wrong|what'?s wrong|"
    r"why (?:is|are|does|do|did|am|would|has|have)\b.*\b"
    r"(?:not|no|never|drop\w*|high|low|worse|wrong|bad|stale|empty|missing))\b", re.I)
_WHY = re.compile(r"^\s*(why|how come)\b", re.I)
_FIGURE = re.compile(
    r"\b(how (?:long|many|much|big|large|often|fast|small|far)|maximum|minimum|(?<!min-)max|"
    # "10 min" after a number is a unit, not a figure asked for
    r"(?<!\d)(?<!\d )min(?!-max)|limit|limits|size|timeout|duration|retention|up to|at most|"
    r"lowest|highest|largest|smallest|most frequent|how late|"
    r"number of|percent|percentage|quota|"
    r"cost savings?|save|default|typical \w+ values?|how (?:big|small) can)\b", re.I)
_PROCEDURE = re.compile(
    r"\b(how (?:do|can|should|would) (?:i|we|you)|how (?:does|do|can|is) \w+|how to|steps|"
    # "step" alone is mostly a noun of a name ("Step Functions", "a condition step")
    r"step[- ]by[- ]step|"
    r"set ?up|configure|enable|"
    r"walk me through|process for|workflow for|what do i do)\b", re.I)
_CHOOSE = re.compile(
    r"\b(which|should i|should we|when (?:should|would|to|do|is|are)|best|pick|choose|"
    r"recommend\w*|right (?:one|choice|service)|better|go with|use .* or )\b", re.I)
_LIST = re.compile(
    r"\b(which (?:services|algorithms|formats|metrics|options|tools|types|steps|features|"
    r"instances|ones|built-in)|what (?:are|r) (?:the|all)?\s*(?:\w+ )?(?:types|kinds|options|"
    r"ways|steps|services|algorithms|formats|metrics|components|stages|features|protections|"
    r"settings|modes|methods|statuses|files)|list|types of|kinds of|ways to|name (?:the|all)|"
    r"what .* support|what (?:\w+ )+can \w+ (?:import|read|use|have)|task types|"
    r"what (?:\w+ )?(?:files|statuses|types|algorithms|metrics) (?:come|can|are|does)|"
    r"which .* work with|what are the \w+ \w+ (?:types|options)|have to implement|"
    # a plural asked for by "which"/"what" ("which search strategies does ... support",
    # "what vpc endpoints does a model need"): the learner wants the members of a set
    r"^(?:which|what) (?:[\w-]+ ){0,3}[a-z]+[^s\W]s (?:can|could|does|do|are|should|show|come|"
    r"belong|deal|work|support|need))"
    r"\b", re.I)
_PITFALL = re.compile(r"\b(trap|traps|pitfall\w*|mistake\w*|gotcha\w*|avoid|anti-?pattern\w*|"
                      r"common errors?|wrong)\b", re.I)
_FILLER = re.compile(
    r"^(?:(?:what'?s|what is|whats|what are|explain|pls|please|the|a|an|diff|difference|"
    r"sagemaker|amazon|aws|using|use|between|in|for)\s+)+|"
    r"(?:\s+(?:whats|what'?s|what is|the|diff|difference|pls|please|explain|on sagemaker|"
    r"in sagemaker|for me|exactly|again))+\s*$", re.I)


# a second word that is not a head noun a one-word side could share ("X vs Y too")
_SIDE_NO_HEAD = re.compile(r"^(?:too|also|then|now|here|again|please|pls|exactly|\W+)$", re.I)


@dataclass(frozen=True)
class Entity:
    """Something a question names: a catalog entry, an ML concept, or a compared phrase."""

    name: str
    forms: tuple[str, ...] = ()
    kind: Literal["service", "concept", "phrase"] = "phrase"

    def pattern(self) -> re.Pattern[str]:
        """Any of its forms as whole words, ignoring case."""
        return _forms_pattern((self.name, *self.forms))

    def named_in(self, text: str) -> bool:
        return bool(self.pattern().search(text))


@lru_cache(maxsize=4096)
def _forms_pattern(forms: tuple[str, ...]) -> re.Pattern[str]:
    # cached: an answer tests the same few entities against every candidate sentence, and
    # analysis builds every concept's entity afresh for each question
    alts = sorted({f.lower() for f in forms if f.strip()}, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(_spaced(a) for a in alts)
                      + r")(?![\w-])", re.I)


def _spaced(form: str) -> str:
    """A form as a pattern where a space and a hyphen are the same ("all-at-once")."""
    return r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", form))


@dataclass(frozen=True)
class Option:
    """One lettered option of a pasted practice question."""

    key: str
    text: str


@dataclass(frozen=True)
class Question:
    """A learner's question, analysed."""

    text: str
    type: QuestionType
    entities: tuple[Entity, ...] = ()
    compared: tuple[Entity, ...] = ()
    stem: str = ""
    options: tuple[Option, ...] = ()
    pitfalls: bool = False
    wants_number: bool = False
    asks_meaning: bool = False  # "what is X", "what does X do": the learner wants X explained


@lru_cache(maxsize=1)
def default_catalog() -> Catalog | None:
    """The shipped service catalog, or None where it cannot be read (entities then come
    from the concept list and the question's own words)."""
    try:
        return load_catalog()
    except CatalogError:
        return None


def practice_parts(text: str) -> tuple[str, tuple[Option, ...]]:
    """(stem, options) when the text is a pasted item with options A-D, else (text, ())."""
    marks = list(_OPTION.finditer(text))
    keys = [m.group(1) for m in marks]
    start = next((i for i, m in enumerate(marks) if m.group(1) == "A"), None)
    if start is None:
        return text, ()
    run = marks[start:]
    if len(run) < 3 or keys[start:] != letters(len(run)):
        return text, ()
    options = []
    for i, m in enumerate(run):
        end = run[i + 1].start() if i + 1 < len(run) else len(text)
        options.append(Option(m.group(1), " ".join(text[m.end():end].split())))
    return " ".join(text[:run[0].start()].split()), tuple(options)


def question_type(text: str) -> QuestionType:
    """The type rules, most specific first."""
    if practice_parts(text)[1]:
        return "practice"
    # "how should I compare candidate models": how to run a comparison, not a difference
    if _COMPARE.search(text) and not _HOW_COMPARE.search(text):
        return "comparison"
    if _TROUBLE.search(text) and not re.search(r"\bhow (?:long|many|much)\b", text, re.I):
        return "troubleshooting"
    if _WHY.search(text):
        return "troubleshooting"
    if _FIGURE.search(text) and not _PROCEDURE.search(text):
        return "figure"
    if _LIST.search(text):
        return "list"
    if _PROCEDURE.search(text):
        return "procedure"
    if _CHOOSE.search(text) or (_VERSUS.search(text) and len(compared_phrases(text)) == 2):
        return "choose"
    return "definition"


def compared_phrases(text: str) -> list[str]:
    """The two (or, "A vs B vs C", three) things a comparison or choice sets side by side,
    as the learner wrote them."""
    clause = re.split(r"[?!\n]", text.strip())[0]
    m = _BETWEEN.search(clause)
    if m:
        sides = [m.group(1), m.group(2)]
    else:
        # "A vs B vs C": three sides; otherwise the first "vs", "or", "over" ... splits two
        parts = _VS.split(clause)
        if len(parts) != 3:
            parts = _VERSUS.split(clause, maxsplit=1)
        if len(parts) != 2 and len(parts) != 3:
            return []
        left = re.split(r"\b(?:use|choose|pick|between|prefer|is|are|should i|when)\s+",
                        parts[0], flags=re.I)[-1]
        right = re.split(r"\s*,\s*|\s+(?:for|when|to|in|on|if|whats|what'?s|which)\b", parts[-1],
                         maxsplit=1, flags=re.I)[0]
        sides = [left, *parts[1:-1], right]
    out = []
    for side in sides:
        side = " ".join(_FILLER.sub("", side.strip(" ,.:;'\"")).split())
        side = re.sub(r"^(?:sagemaker|amazon|aws)\s+", "", side, flags=re.I)
        if side and len(side) <= 60:
            out.append(side)
    if len(out) != len(sides):
        return []
    # "L1 vs L2 constructs", "local vs global explanations": a one-word left side shares the
    # right side's head noun
    left, right = out[0].split(), out[1].split()
    if len(left) == 1 and len(right) == 2 and not _SIDE_NO_HEAD.match(right[1]):
        out[0] = f"{out[0]} {right[1]}"
    return out


def _catalog_entities(text: str, catalog: Catalog | None) -> list[Entity]:
    if catalog is None:
        return []
    # Learners type service names in lower case; a capitalised copy lets one-word names
    # ("firehose", "glue") match, which the catalog only allows when capitalised.
    found: dict[str, Entity] = {}
    for variant in (text, re.sub(r"\b[a-z]", lambda m: m.group(0).upper(), text)):
        for mention in catalog.mentions(variant):
            if mention.service_id in found:
                continue
            service = catalog.get(mention.service_id)
            found[service.id] = Entity(service.short_name, tuple(service.names()), "service")
    return list(found.values())


_CONCEPTS = tuple(Entity(name, forms, "concept") for name, forms in CONCEPTS.items())
# every form of every concept in one pattern: a text it does not match names no concept,
# which one search tells instead of one per concept
_ANY_CONCEPT = _forms_pattern(tuple(f for e in _CONCEPTS for f in (e.name, *e.forms)))


def _concept_entities(text: str) -> list[Entity]:
    if not _ANY_CONCEPT.search(text):
        return []
    return [entity for entity in _CONCEPTS if entity.named_in(text)]


def _resolve(phrase: str, catalog: Catalog | None) -> Entity:
    """A compared phrase as an entity: its catalog entry or concept when it names one."""
    for entity in _concept_entities(phrase) + _catalog_entities(phrase, catalog):
        # a concept's short form must be the whole phrase or end it: "L1 constructs" is
        # not L1 regularization
        if entity.kind == "concept" and not _ends_with_form(phrase, entity):
            continue
        if entity.named_in(phrase):
            return Entity(entity.name, (*entity.forms, phrase), entity.kind)
    forms = (phrase, phrase[:-1]) if re.search(r"[^s]s$", phrase) else (phrase,)
    return Entity(phrase, forms, "phrase")  # "local explanations" names "a local explanation"


def _ends_with_form(phrase: str, entity: Entity) -> bool:
    """False for a concept form followed by one other word, its own head noun ("L1
    constructs"); a longer phrase ("fine-tuning a foundation model") keeps the concept."""
    tail = [phrase[m.end():].split() for m in entity.pattern().finditer(phrase)]
    return any(len(t) != 1 for t in tail)


def analyse(text: str, catalog: Catalog | None = None) -> Question:
    """The question's type, entities, compared things and (for a practice item) options."""
    catalog = catalog if catalog is not None else default_catalog()
    kind = question_type(text)
    stem, options = practice_parts(text) if kind == "practice" else (text, ())
    entities = _catalog_entities(stem, catalog)
    entities += [e for e in _concept_entities(stem)
                 if not any(e.name.lower() in s.name.lower() for s in entities)]
    compared: tuple[Entity, ...] = ()
    if kind in ("comparison", "choose"):
        phrases = compared_phrases(stem)
        if phrases:
            compared = tuple(_resolve(p, catalog) for p in phrases)
        elif kind == "comparison" and len(entities) >= 2:
            compared = tuple(entities[:2])
    return Question(text=text, type=kind, entities=tuple(entities), compared=compared,
                    stem=stem, options=options, pitfalls=bool(_PITFALL.search(stem)),
                    wants_number=kind == "figure" or bool(_FIGURE.search(stem)),
                    asks_meaning=bool(_MEANING.match(stem)))
