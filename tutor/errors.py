"""The few errors a user can act on. Everything the library raises on purpose derives from
TutorError."""

from __future__ import annotations


class TutorError(Exception):
    """Base class: the message is written for the learner or operator, not for a developer."""


class ConfigError(TutorError):
    """Settings are invalid or contradict each other."""


class LoadError(TutorError):
    """A document could not be read. ``status`` is the ingest-report status it maps to."""

    status = "corrupt"

    def __init__(self, message: str, status: str | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status


class IndexError_(TutorError):
    """The index is missing, damaged or unusable."""


class EmptyIndexError(IndexError_):
    """Nothing has been ingested yet."""


class IndexDamagedError(IndexError_):
    """Files of the index on disk are damaged; a rebuild is needed."""


class ModelMismatchError(IndexError_):
    """The index was built with another embedding model than the one configured."""


class IngestLockedError(TutorError):
    """Another ingest holds the writer lock."""


class BackendError(TutorError):
    """A configured model backend (LLM, remote index) failed or is unreachable."""


class UsageError(TutorError):
    """A command was given something it cannot use (a path that is not a file or folder, an
    unknown task); the CLI exits with status 2."""


class ProgressStoreError(TutorError):
    """The progress database cannot be read or written (busy, read-only, unreachable)."""


class InputError(TutorError):
    """A question or upload was rejected (empty, too long, too large, unsafe name)."""


class AccessDeniedError(TutorError):
    """The signed-in account may not do this: a learner asking for an admin action, or for
    another learner's records."""


class SignInError(TutorError):
    """Sign-in refused: unknown account, wrong password, disabled account, ended session."""


class ThrottledError(SignInError):
    """Too many failed sign-ins for the account or from the address; try again later."""
