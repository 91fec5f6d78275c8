"""Word tokens, option letters and invisible characters, shared by the stages that handle text."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+")

# Characters that render as nothing, or that only reorder what is drawn. Attackers use them to
# hide instructions from a human reader (Unicode tag characters spell text no font shows;
# zero-width marks split or join words) or to make text read differently on screen than in the
# data (a right-to-left override turns "TSEUQER" into "REQUEST"). Each class is removed and
# counted on its own, so a report can say what was found.
INVISIBLE = {
    "zero-width characters": re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]"),
    "text-direction controls": re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"),
    "Unicode tag characters": re.compile("[\U000e0000-\U000e007f]"),
    "invisible format characters": re.compile(
        "[\u2061-\u2064\u206a-\u206f\ufff9-\ufffb\u115f\u1160\u3164\uffa0"
        "\U0001d173-\U0001d17a\U000e0080-\U000e0fff]"),
}
_ANY_INVISIBLE = re.compile("|".join(p.pattern for p in INVISIBLE.values()))


def words(text: str) -> list[str]:
    """Lower-cased runs of letters and digits, in order: the unit every overlap measure uses."""
    return _WORD.findall(text.lower())


@lru_cache(maxsize=16384)
def word_set(text: str) -> frozenset[str]:
    """The distinct ``words`` of a text. Cached: the near-duplicate checks of retrieval and
    composition compare the same passages and sentences question after question."""
    return frozenset(words(text))


def letters(n: int) -> list[str]:
    """Option keys A, B, C ... for ``n`` options (of a quiz item or a pasted question)."""
    return [chr(ord("A") + i) for i in range(n)]


def strip_invisible(text: str) -> tuple[str, dict[str, int]]:
    """``text`` without invisible and reordering characters, and how many of each class went."""
    counts: dict[str, int] = {}
    if not _ANY_INVISIBLE.search(text):
        return text, counts
    for name, pattern in INVISIBLE.items():
        text, n = pattern.subn("", text)
        if n:
            counts[name] = n
    return text, counts


def without_invisible(text: str) -> str:
    """``text`` without invisible and reordering characters (see ``INVISIBLE``)."""
    return _ANY_INVISIBLE.sub("", text)
