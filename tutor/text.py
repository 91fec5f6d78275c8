"""Word tokens shared by the stages that compare texts without an encoder."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """Lower-cased runs of letters and digits, in order: the unit every overlap measure uses."""
    return _WORD.findall(text.lower())
