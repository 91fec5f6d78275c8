"""Wordings the answer grader counts as the same fact.

A must-group is matched as a substring, so an answer that says "seven days" misses the must
"7 days" and "Load-test" misses "load test", though each states the fact the question asked
for. Two rewrites, applied alike to the answer and the must term, make those match ("seven
by default" still misses "7 days": which noun a bare number counts is not read):

- a number word up to twenty, a tens word, or a tens word joined to a unit ("twenty-five")
  becomes its digits, as a whole word only ("someone" keeps its "one");
- hyphens and spaces inside a phrase are dropped, so "load-test", "load test" and "loadtest"
  read alike; a space between two numbers is kept so "1 7" does not become "17". A camelCase
  identifier keeps a mark between its parts, on either side, so prose about a concept
  ("vanishing gradients") does not name the API's rule (``VanishingGradient``).

A term whose rewritten form starts or ends with a digit must not touch another digit in the
text: "seventy" (70) is not "seven" (7). The grader tries the plain substring first
(``metrics.contains``), so these rewrites only ever add matches.
"""

from __future__ import annotations

import re

_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
          "fourteen fifteen sixteen seventeen eighteen nineteen twenty").split()
_TENS = {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90, "twenty": 20}
_VALUE = {word: n for n, word in enumerate(_UNITS)} | _TENS
# a tens word with an optional unit after a hyphen or space ("twenty-five"), or any number word
_NUMBER = re.compile(
    r"\b(?:(" + "|".join(_TENS) + r")[- ](one|two|three|four|five|six|seven|eight|nine)"
    r"|(" + "|".join(sorted(_VALUE, key=len, reverse=True)) + r"))\b")
_JOINER = re.compile(r"[\s\-\u2010\u2011]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_MARK = "\x00"


def _digits(match: re.Match[str]) -> str:
    if match.group(3):
        return str(_VALUE[match.group(3)])
    return str(_TENS[match.group(1)] + _VALUE[match.group(2)])


def normal(text: str) -> str:
    """``text`` (markup removed, case kept) in lower case with number words as digits and the
    joins of a compound removed, except between two numbers; camelCase parts stay marked."""
    text = " ".join(_CAMEL.sub(_MARK, text).lower().split())
    parts = _JOINER.split(_NUMBER.sub(_digits, text))
    out = parts[0]
    for part in parts[1:]:
        if out and part and out[-1].isdigit() and part[0].isdigit():
            out += " "
        out += part
    return out


def same_fact(text: str, term: str) -> bool:
    """Whether ``term`` occurs in ``text`` once both are in ``normal`` form, a digit at the
    term's edge not continuing a number of the text."""
    needle = normal(term)
    if not needle:
        return False
    pattern = re.escape(needle)
    if needle[0].isdigit():
        pattern = r"(?<!\d)" + pattern
    if needle[-1].isdigit():
        pattern += r"(?!\d)"
    return re.search(pattern, normal(text)) is not None
