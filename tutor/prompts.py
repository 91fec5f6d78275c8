"""Every prompt and fixed user-facing answer string, in one place.

Tests match the sentinels, never model prose.
"""

from __future__ import annotations

NOT_FOUND = "Not in my sources."
NOT_FOUND_DETAIL = (
    "I could not find this in the indexed study notes or documentation, so I will not guess. "
    "Try rephrasing with the AWS service or concept name, or add material on it to the library."
)
EMPTY_QUESTION = "Please type a question."
QUESTION_TOO_LONG = "That question is {n:,} characters long; please keep it under {limit:,}."
EMPTY_INDEX = "Nothing is indexed yet. Run `tutor ingest corpus/notes` or open the Library page."
INDEX_DAMAGED = "The index on disk is damaged ({detail}). Rebuild it from the Library page or with `tutor ingest --rebuild`."
BACKEND_FALLBACK = (
    "The answer model ({backend}) is unavailable ({detail}); showing the offline extractive "
    "answer instead."
)
