"""The text that is searched for a question as pasted: what cannot match any page removed.

Real questions carry URLs, ARNs, account and request ids, timestamps, code blocks and stack
traces. Ids and timestamps match nothing in the documentation and pull a dense query towards
whatever page happens to quote similar noise; code and traces matter only through the names in
them (``CreateTrainingJob``, ``ResourceLimitExceeded``, a function name), so a block is reduced
to its error lines and identifiers.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"```[^\n]*\n(.*?)(?:```|\Z)", re.S)
_URL = re.compile(r"\bhttps?://\S+")
_ARN = re.compile(r"\barn:aws[\w-]*:[^\s\"',)\]]*")
_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?"
                        r"(?:Z|[+-]\d{2}:?\d{2})?")
# long hex runs with a digit (request ids, UUIDs, digests) and numbers of six digits or more
# (account ids, byte counts, epoch times)
_HEX_ID = re.compile(r"\b(?=[0-9a-f-]*\d)[0-9a-f]{8,}(?:-[0-9a-f]{4,})*\b", re.I)
_LONG_NUMBER = re.compile(r"\b\d{6,}\b")
# stack-trace frames: Python `File "x.py", line 3, in name` and JVM `at pkg.Class.method(F.java:3)`
_PY_FRAME = re.compile(r'^\s*File "[^"]*", line \d+(?:, in (\S+))?.*$', re.M)
_JVM_FRAME = re.compile(r"^\s*at ([\w$.]+)\([^)]*\)\s*$", re.M)
_TRACE_HEAD = re.compile(r"^\s*Traceback \(most recent call last\):\s*$", re.M)
_ERROR_LINE = re.compile(r"\b\w*(?:Error|Exception|Exceeded|Denied|Fault|Failed)\b")
_NAME = re.compile(r"[A-Za-z_][\w.:]*[A-Za-z0-9]")
_IDENTIFIER = re.compile(r"[_.:]|[a-z][A-Z]|[A-Z]{2}[a-z]")
_PARAGRAPH = re.compile(r"\n\s*\n")
SUB_QUERY_WORDS = 5  # a shorter paragraph ("Thanks!", "Any idea?") is no query of its own


def _names(code: str) -> str:
    """A code block as its error lines, kept whole, and the identifiers of the rest."""
    keep: list[str] = []
    seen: set[str] = set()
    for line in code.splitlines():
        if _ERROR_LINE.search(line):
            keep.append(line.strip())
            continue
        for name in _NAME.findall(line):
            if _IDENTIFIER.search(name) and name not in seen:
                seen.add(name)
                keep.append(name)
    return " ".join(keep)


def _frame(match: re.Match[str]) -> str:
    """A stack frame as the name of its function (JVM: class and method)."""
    name = match.group(1) or ""
    if not name or name.startswith("<"):
        return " "
    return " " + ".".join(name.split(".")[-2:]) + " "


def _cleaned(question: str) -> str:
    """The question with noise removed; paragraph breaks (blank lines) kept."""
    text = _FENCE.sub(lambda m: " " + _names(m.group(1)) + " ", question)
    text = _TRACE_HEAD.sub(" ", text)
    text = _PY_FRAME.sub(_frame, text)
    text = _JVM_FRAME.sub(_frame, text)
    for pattern in (_URL, _ARN, _TIMESTAMP, _HEX_ID, _LONG_NUMBER):
        text = pattern.sub(" ", text)
    return text


def search_text(question: str) -> str:
    """The question with noise removed, on one line; the question itself if nothing is left."""
    cleaned = " ".join(_cleaned(question).split())
    return cleaned or " ".join(question.split())


def sub_queries(question: str, limit: int, min_words: int = SUB_QUERY_WORDS) -> list[str]:
    """Up to ``limit`` paragraphs of a multi-paragraph question, cleaned, each of at least
    ``min_words`` words; none for a question of one such paragraph (the whole question is
    searched anyway). A long question often tells a story first and asks last, and one
    embedding of all of it is pulled towards the story."""
    parts = [" ".join(p.split()) for p in _PARAGRAPH.split(_cleaned(question))]
    parts = [p for p in parts if len(p.split()) >= min_words]
    return parts[:limit] if len(parts) > 1 else []
