"""Load: file -> Document (Markdown, text, HTML, PDF), text normalised, failures as statuses."""

from tutor.load.files import SUPPORTED, load_file

__all__ = ["SUPPORTED", "load_file"]
