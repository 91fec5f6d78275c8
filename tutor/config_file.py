"""Saving settings to the TOML file that tutor.config reads.

Only plain values are written (text, numbers, booleans); secrets never are, so an API key
stays in the environment where the provider's own variable or TUTOR_LLM_API_KEY holds it.
The merged file is validated with ``load_settings`` before anything is written, and written
atomically, so a bad value never leaves a broken config behind.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

from tutor.config import Settings, default_home, load_settings
from tutor.errors import ConfigError

SECRET_FIELDS = frozenset({"llm_api_key", "database_url"})


def config_path(home: Path | None = None) -> Path:
    """The file settings are read from: ``$TUTOR_CONFIG`` or ``<home>/config.toml``.

    Works without loading the settings, so it can point at a file that does not validate;
    ``home`` defaults to ``$TUTOR_HOME`` or the default home folder.
    """
    explicit = os.environ.get("TUTOR_CONFIG")
    if explicit:
        return Path(explicit)
    if home is None:
        home = Path(os.environ.get("TUTOR_HOME") or default_home())
    return Path(home) / "config.toml"


def read_config(path: Path) -> dict[str, Any]:
    """The file's values; empty when it does not exist. ConfigError when it is not TOML."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read as TOML: {exc}") from exc


def env_overrides() -> list[str]:
    """Setting names fixed by TUTOR_* variables, which win over the file."""
    names = set(Settings.model_fields)
    return sorted(k[len("TUTOR_"):].lower() for k, v in os.environ.items()
                  if k.startswith("TUTOR_") and k[len("TUTOR_"):].lower() in names and v)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON string escapes are valid TOML
    raise ConfigError(f"cannot save a value of type {type(value).__name__} to the config file")


def save_settings(updates: dict[str, Any], home: Path | None = None) -> Settings:
    """Merge ``updates`` into the config file and return the settings that result.

    A value of None removes the key (back to its default). Raises ConfigError, writing
    nothing, for an unknown or secret field or when the merged settings do not validate.
    """
    unknown = sorted(set(updates) - set(Settings.model_fields))
    if unknown:
        raise ConfigError(f"unknown settings: {', '.join(unknown)}")
    if SECRET_FIELDS & set(updates):
        raise ConfigError("secrets are not saved to the config file; set them in the "
                          "environment (e.g. TUTOR_LLM_API_KEY)")
    path = config_path(home)
    merged = read_config(path)
    for key, value in updates.items():
        if value is None or value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    result = load_settings(**({"home": home} if home is not None else {}), **merged)
    body = "".join(f"{k} = {_toml_value(v)}\n" for k, v in sorted(merged.items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("# Written by the tutor's Settings page; TUTOR_* variables override it.\n"
                   + body, encoding="utf-8")
    os.replace(tmp, path)
    return result


def set_aside(path: Path) -> Path:
    """Rename an unusable config file to ``<name>.bak`` (replacing an older one), so the
    defaults apply again and nothing the learner wrote is deleted. Returns the new path."""
    backup = path.with_name(path.name + ".bak")
    os.replace(path, backup)
    return backup
