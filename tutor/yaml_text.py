"""YAML parsing for the corpus files (catalog, cards, note front matter, the practice bank).

libyaml's safe loader when PyYAML was built with it: the pure-Python parser takes ~0.2 s for
the 140 KB service catalog alone, which `tutor ask` reads on every cold start, and seconds
for the ~1 MB practice bank. Both loaders build the same plain data and raise yaml.YAMLError.
"""

from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """Plain data (dicts, lists, strings, numbers, dates) from YAML ``text``."""
    return yaml.load(text, Loader=_LOADER)
