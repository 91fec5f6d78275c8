"""Figure questions: which number in a sentence answers "how many", "how long", "how big".

A figure is a number and the words after it ("two private IP addresses", "300 seconds"); a
sentence gives the figure asked when the words after its number are the question's own unit
("how many IPs") or, for a concept card, a unit of the kind asked ("how long": a time).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tutor.answer.question import Entity
from tutor.text import words

_NUMBER = (r"\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|"
           r"twenty|thirty|sixty|hundred|thousand")
# a number and the (at most three) words after it: "5 private IP addresses", "300 seconds"
# a range counts as one number: "two to fifteen containers", "1 to 10 instances"
QUANTITY = re.compile(
    rf"\b(?:{_NUMBER})(?:\s+to\s+(?:{_NUMBER}))?\b((?:[\s-]+[A-Za-z][\w/]*){{1,3}})", re.I)
_UNIT_STOP = frozenset({"the", "a", "an", "of", "per", "and", "or", "to", "in", "for", "is",
                        "are", "at", "each", "my", "do", "does", "what", "how", "many", "much"})
_FIGURE_WORDS = frozenset({"maximum", "max", "minimum", "min", "size", "limit", "long", "big",
                           "large", "many", "much", "number", "default", "can", "what", "which",
                           "sagemaker", "amazon", "aws", "it", "i", "there", "up", "most",
                           "least", "value", "often", "far", "fast", "small", "whats"})
# what a figure question asks for when it names no unit: "how long" is answered in time
_TIME = ("second", "minute", "hour", "day", "week", "month", "year")
_UNITS_ASKED = (
    (re.compile(r"\bhow (?:long|late|soon|early)\b|\bwhen\b|\bduration\b|\btimeout\b",
                re.I), _TIME),
    (re.compile(r"\bhow (?:big|large|small)\b|\bsize\b|\bpayload\b", re.I),
     ("kb", "mb", "gb", "tb", "kib", "mib", "gib", "tib", "byte")),
    (re.compile(r"\bsave\b|\bsavings?\b|\bdiscount\b|\bshare\b|\bpercent", re.I),
     ("percent", "%")),
)


def stems(text: str) -> set[str]:
    # a plural and its singular count the same thing ("IPs", "ip"; "seconds", "second")
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w
            for w in words(text) if w not in _UNIT_STOP}


def counts_asked(text: str, asked: set[str]) -> bool:
    """Whether a number in ``text`` is followed by a word of the question (its unit)."""
    return any(stems(m.group(1)) & asked for m in QUANTITY.finditer(text))


def figure_words(question_text: str, entities: Sequence[Entity]) -> tuple[set[str], set[str]]:
    # "how many private IPs" is answered by "two private IPs per instance": the question's
    # words that may follow the number (``asked``), and what is measured ("payload" in
    # "maximum payload size for serverless inference"): a question word that is neither a
    # figure word nor part of a name it gives
    asked = stems(question_text)
    return asked, asked - _FIGURE_WORDS - _name_stems(entities)


def _name_stems(entities: Sequence[Entity]) -> set[str]:
    return {w for e in entities for f in (e.name, *e.forms) for w in stems(f)}


def measures(text: str, measured: set[str]) -> bool:
    """Whether a sentence names what is measured, also inside a compound ("ScaleInCooldown")."""
    low = text.lower()
    return any(m in low for m in measured if len(m) >= 4) or bool(measured & stems(low))


def states_figure(text: str, question_text: str, entities: Sequence[Entity] = (), *,
                  by_kind: bool = False) -> bool:
    """Whether a sentence gives the figure asked: a number followed by the question's own unit
    word ("two private IPs" for "how many IPs"). With ``by_kind``, also a number followed by a
    unit of the kind asked (a time for "how long", a size for "how big", a percent for "how
    much can I save"): trusted for a concept card, which answers a question like this one,
    not for a note's sentence, whose duration may be another one ("five minutes" to appear in
    the online store, for a question on the offline store)."""
    if not QUANTITY.search(text):
        return False
    # a word of a name the question gives is not a unit ("500 training seconds" does not
    # answer "how much can managed spot training save")
    asked = stems(question_text) - _name_stems(entities)
    if by_kind:
        asked |= {u for cue, units in _UNITS_ASKED if cue.search(question_text) for u in units}
    return any(stems(" ".join(m.group(1).split()[:2])) & asked for m in QUANTITY.finditer(text))
