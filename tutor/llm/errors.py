"""Backend failures as one actionable sentence for the learner, and keys kept out of text.

Works on any client library's exception by its status code and class name, so no provider's
error types are imported here.
"""

from __future__ import annotations

import os
import re

from tutor import prompts
from tutor.config import Settings
from tutor.errors import TutorError
from tutor.llm.base import OLLAMA_URL

# Variables whose values must never appear in anything we print or log.
SECRET_VARIABLES = ("OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                    "AWS_BEARER_TOKEN_BEDROCK", "OLLAMA_API_KEY")
_SECRET_SHAPES = re.compile(
    r"(sk-[A-Za-z0-9_\-]{6,}|AKIA[0-9A-Z]{12,}|(?<=Bearer )[^\s'\"]+|"
    r"(?<=api_key=)[^\s&'\"]+)")


def known_secrets(settings: Settings | None) -> list[str]:
    """Secret values that could end up in an exception's text."""
    values = [os.environ.get(v, "") for v in SECRET_VARIABLES]
    if settings is not None and settings.llm_api_key is not None:
        values.append(settings.llm_api_key.get_secret_value())
    return [v for v in values if len(v) >= 4]


def scrub(text: str, settings: Settings | None = None) -> str:
    """``text`` with every known secret and anything shaped like a key replaced by ***."""
    for secret in known_secrets(settings):
        text = text.replace(secret, "***")
    return _SECRET_SHAPES.sub("***", text)


def _status(exc: BaseException) -> int | None:
    for attr in ("status_code", "status"):
        value = getattr(exc, attr, None)
        if isinstance(value, int):
            return value
    response = getattr(exc, "response", None)
    if isinstance(response, dict):  # botocore ClientError
        value = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return value if isinstance(value, int) else None
    return None


def describe_error(exc: BaseException, settings: Settings) -> str:
    """One actionable sentence about a backend failure, free of keys.

    Works on any library's exception by its status code and class name, so this module
    does not import each client's error types.
    """
    if isinstance(exc, TutorError):
        return scrub(str(exc), settings)
    chain = [exc, exc.__cause__, exc.__context__]
    names = " ".join(type(e).__name__ for e in chain if e is not None)
    status = next((s for s in map(_status, [e for e in chain if e is not None]) if s), None)
    provider = settings.llm_provider
    key_hint = {"openai": "OPENAI_API_KEY or TUTOR_LLM_API_KEY",
                "bedrock": "your AWS credentials and Bedrock model access",
                "ollama": "OLLAMA_API_KEY or TUTOR_LLM_API_KEY"}.get(provider, "TUTOR_LLM_API_KEY")
    if "Timeout" in names or isinstance(exc, TimeoutError):
        return prompts.LLM_TIMEOUT.format(seconds=settings.llm_timeout)
    if status in (401, 403) or "NoCredentials" in names or "AccessDenied" in names:
        return prompts.LLM_AUTH.format(key_hint=key_hint)
    if status == 404 or "ResourceNotFound" in names:
        return prompts.LLM_NOT_FOUND.format(model=settings.llm_model or "")
    if status == 429 or "Throttling" in names:
        return prompts.LLM_RATE_LIMIT
    if status is not None and status >= 500:
        return prompts.LLM_SERVER.format(status=status)
    detail = scrub(" ".join(str(exc).split())[:200], settings)
    if status is not None and 400 <= status < 500:
        return prompts.LLM_BAD_REQUEST.format(status=status, detail=detail)
    if "Connect" in names or isinstance(exc, ConnectionError):
        where = settings.llm_base_url or {"ollama": OLLAMA_URL, "bedrock": "Amazon Bedrock"}.get(
            provider, "the model server")
        return prompts.LLM_CONNECT.format(where=scrub(where, settings))
    return prompts.LLM_OTHER.format(kind=type(exc).__name__, detail=detail)
