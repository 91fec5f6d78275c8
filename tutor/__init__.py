"""The MLA-C01 study tutor as a library: load -> chunk -> embed -> index -> retrieve ->
answer / quiz -> progress. See docs/ARCHITECTURE.md.

The public API: ``Tutor`` (ask, stream, search), ``Settings`` and how to load them, the
domain types passed between the stages, and the errors a caller can act on. ``Tutor`` is
imported on first use, because it loads LangChain and the embedder's runtime; everything
else here is light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tutor.config import Settings, get_settings, load_settings
from tutor.errors import (
    BackendError,
    ConfigError,
    EmptyIndexError,
    IndexDamagedError,
    IngestLockedError,
    InputError,
    LoadError,
    ModelMismatchError,
    TutorError,
)
from tutor.types import (
    Answer,
    Chunk,
    Citation,
    Document,
    FileReport,
    FileStatus,
    Filters,
    Hit,
    IngestReport,
    QuizItem,
    QuizOption,
    Section,
)

if TYPE_CHECKING:
    from tutor.service import Tutor

__all__ = [
    "Answer", "BackendError", "Chunk", "Citation", "ConfigError", "Document", "EmptyIndexError",
    "FileReport", "FileStatus", "Filters", "Hit", "IndexDamagedError", "IngestLockedError",
    "IngestReport", "InputError", "LoadError", "ModelMismatchError", "QuizItem", "QuizOption",
    "Section", "Settings", "Tutor", "TutorError", "get_settings", "load_settings",
]


def __getattr__(name: str) -> Any:
    if name == "Tutor":
        from tutor.service import Tutor

        return Tutor
    raise AttributeError(f"module 'tutor' has no attribute {name!r}")
