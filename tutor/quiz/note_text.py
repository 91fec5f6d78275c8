"""Text helpers shared by the quiz modules: Markdown to plain text, sentences, content words."""

from __future__ import annotations

import re

from tutor.text import words

_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_SOURCE_NOTE = re.compile(r"\s*\((?:source|sources|see)\s*:(?:[^()]|\([^()]*\))*\)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\s+-\s+(?=[A-Z0-9\"'(`*])")

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can cannot could did do does doing down during each either
    few for from further had has have having he her here hers him his how however i if in into is
    it its itself just may me might more most must my no nor not now of off on once only or other
    our ours out over own same she should so some such than that the their theirs them then there
    these they this those through to too under until up use used uses using very via was we were
    what when where which while who whom why will with within without would you your team needs
    need needed company engineer engineers machine learning ml aws amazon want wants one two
    three each every many much""".split()
)


def plain_text(markdown: str) -> str:
    """Markdown to readable text: links keep their label, emphasis and code marks go, and
    headings, table rows and code fences are dropped. Line structure is kept."""
    out: list[str] = []
    in_fence = False
    for raw in markdown.splitlines():
        line = raw.strip()
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence or line.startswith(("#", "|")):
            continue
        line = re.sub(r"^([-*+]|\d+\.)\s+", "", line)
        line = _LINK.sub(r"\1", line)
        line = _EMPHASIS.sub("", line)
        out.append(line)
    return "\n".join(out)


def strip_source_notes(text: str) -> str:
    """Remove '(source: ...)' attributions, which name documentation pages, not facts."""
    return _SOURCE_NOTE.sub("", text)


def sentences(markdown: str) -> list[str]:
    """Sentences of a Markdown passage, each on one line, in reading order.

    Paragraphs and list items are split separately, so a bullet never merges with the next one.
    """
    found: list[str] = []
    for block in re.split(r"\n\s*\n|\n(?=\S)", plain_text(markdown)):
        block = " ".join(block.split())
        if not block:
            continue
        found.extend(s.strip() for s in _SENTENCE_END.split(block) if s.strip())
    return found


def fix_articles(text: str) -> str:
    """'a AWS' -> 'an AWS' and 'an CloudWatch' -> 'a CloudWatch' after a name was swapped in;
    decided by the next capitalised word's first sound."""

    def pick(m: re.Match[str]) -> str:
        article, word = m.group(1), m.group(2)
        letters = word.replace("-", "")
        acronym = (len(word) > 1 and letters.isupper()) or any(c.isdigit() for c in word)
        # acronyms are read letter by letter: "an S3 bucket", "an EMR cluster", "a KMS key"
        vowel = word[0].upper() in ("AEFHILMNORSX" if acronym else "AEIOU")
        wanted = "an" if vowel else "a"
        if article[0].isupper():
            wanted = wanted.capitalize()
        return f"{wanted} {word}"

    return re.sub(r"\b([Aa]n?) ((?:Amazon|AWS)\b|[A-Z][\w-]*)", pick, text)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    """Crudely stemmed tokens of three or more characters that are not stop words."""
    return {_stem(t) for t in words(text) if len(t) >= 3 and t not in STOPWORDS}


def overlap(a: str, b: str) -> int:
    """How many content words two texts share."""
    return len(content_words(a) & content_words(b))


def coverage(part: str, whole: str) -> float:
    """Share of the content words of ``part`` that also occur in ``whole`` (1.0 if none)."""
    words = content_words(part)
    if not words:
        return 1.0
    return len(words & content_words(whole)) / len(words)


def normalise(text: str) -> str:
    """Form used to compare option texts for duplicates."""
    return " ".join(words(text))
