"""Load: file -> Document (Markdown, text, HTML, PDF), text normalised, failures as statuses.

The loaders (and their parsers: BeautifulSoup, pypdf) are imported on first use, so code that
only needs ``tutor.load.normalize`` (answering a question) does not pay for them.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tutor.load.files import SUPPORTED, load_file

__all__ = ["SUPPORTED", "load_file"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from tutor.load import files

        return getattr(files, name)
    raise AttributeError(f"module 'tutor.load' has no attribute {name!r}")
