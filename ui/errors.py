"""Turning failures into messages a learner can act on, never a traceback.

The library's errors (tutor.errors) carry messages written for people; anything else is
logged with its traceback for the operator and shown as a short apology.
"""

from __future__ import annotations

import logging

import streamlit as st

from tutor import prompts
from tutor.errors import (
    BackendError,
    ConfigError,
    EmptyIndexError,
    IndexDamagedError,
    IngestLockedError,
    InputError,
    TutorError,
)
from ui.safe_text import markdown

log = logging.getLogger("ui")

LIBRARY_PAGE = "views/library.py"


def message_for(exc: BaseException, action: str) -> tuple[str, str]:
    """(kind, text) for an exception: kind is one of info, warning, error."""
    if isinstance(exc, EmptyIndexError):
        return "info", prompts.EMPTY_INDEX
    if isinstance(exc, IndexDamagedError):
        return "error", prompts.INDEX_DAMAGED.format(detail=str(exc).rstrip("."))
    if isinstance(exc, BackendError):
        return "error", prompts.UI_BACKEND_DOWN.format(detail=str(exc).rstrip("."))
    if isinstance(exc, ConfigError):
        return "error", prompts.UI_CONFIG_INVALID.format(detail=str(exc).rstrip("."))
    if isinstance(exc, (InputError, IngestLockedError)):
        return "warning", str(exc)
    if isinstance(exc, TutorError):
        return "error", str(exc)
    log.error("unexpected error while %s", action, exc_info=exc)
    return "error", prompts.UI_UNEXPECTED.format(action=action)


def show(kind: str, text: str) -> None:
    """An alert; its text (which may quote a file name, a server's reply or a document) goes
    through the safe renderer: formatting kept, no image, no link to an outside host."""
    alert = {"info": st.info, "warning": st.warning, "success": st.success}.get(kind, st.error)
    alert(markdown(text))


def library_link(exc: BaseException) -> None:
    """A link to the Library page when ``exc`` is an index problem the Library can fix."""
    if not isinstance(exc, (EmptyIndexError, IndexDamagedError)):
        return
    try:
        st.page_link(LIBRARY_PAGE, label="Open the Library", icon=":material/library_books:")
    except Exception:  # noqa: BLE001 - a page run alone, outside st.navigation, has no links
        log.debug("no link to the Library page outside st.navigation")


def show_error(exc: BaseException, action: str) -> None:
    """Render the message for ``exc``; index problems get a link to the Library page."""
    show(*message_for(exc, action))
    library_link(exc)
