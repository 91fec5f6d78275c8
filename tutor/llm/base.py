"""What every chat-model provider shares: the lazy handle callers hold, and the settings
helpers the provider modules use."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from langchain_core.language_models.chat_models import BaseChatModel

from tutor import prompts
from tutor.config import Settings
from tutor.errors import BackendError, ConfigError

OLLAMA_URL = "http://localhost:11434"


class LazyChatModel:
    """A chat model built on first use and then shared by its holders (the answerer and the
    follow-up rewriter). A backend that cannot be built fails when it is first asked, where
    the caller falls back, instead of when the tutor starts; the next call tries again."""

    def __init__(self, source: BaseChatModel | Callable[[], BaseChatModel]):
        self._model = source if isinstance(source, BaseChatModel) else None
        self._factory = None if isinstance(source, BaseChatModel) else source
        self._lock = threading.Lock()

    def __call__(self) -> BaseChatModel:
        if self._model is None:
            with self._lock:
                if self._model is None and self._factory is not None:
                    self._model = self._factory()
        assert self._model is not None
        return self._model


def api_key(settings: Settings, variable: str) -> str | None:
    """``settings.llm_api_key``, else the provider's own environment variable."""
    if settings.llm_api_key is not None:
        return settings.llm_api_key.get_secret_value()
    return os.environ.get(variable) or None


def need_model(settings: Settings) -> str:
    """The configured model name; ConfigError when the provider needs one and none is set."""
    if not settings.llm_model:
        raise ConfigError(prompts.LLM_NEEDS_MODEL.format(provider=settings.llm_provider))
    return settings.llm_model


def missing_package(provider: str, package: str, extra: str) -> BackendError:
    """The error for a provider whose client library is not installed."""
    return BackendError(prompts.LLM_MISSING_PACKAGE.format(provider=provider, package=package,
                                                           extra=extra))
