"""Chat-model providers by name, and the one function that builds the configured one.

Each provider is a module with ``build(settings) -> BaseChatModel`` that applies the timeout
and the bounded retry count in the client itself; it is imported only when chosen, so a
missing optional client library matters only to the learner who picks that provider. Keys
come from ``settings.llm_api_key`` or the provider's usual variable and are scrubbed from
every message this package writes.

To add a provider: write ``tutor/llm/<name>.py`` with ``build``, register it below, and add
its name to ``LLMProvider`` in tutor/config.py (a test checks the two lists agree).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage

from tutor import prompts
from tutor.config import Settings
from tutor.errors import BackendError, ConfigError, TutorError
from tutor.llm.base import missing_package
from tutor.llm.errors import describe_error, scrub

LLM_EXTRA = "'mla-tutor[llm]'"


@dataclass(frozen=True)
class Provider:
    """A registered chat-model provider."""

    module: str = ""  # the module whose build(settings) makes the model
    package: str = ""  # the pip package it needs, named in the error when it is missing
    extra: str = LLM_EXTRA  # what to pip install for it

    def builder(self) -> Callable[[Settings], BaseChatModel]:
        build: Callable[[Settings], BaseChatModel] = importlib.import_module(self.module).build
        return build


PROVIDERS: dict[str, Provider] = {
    "ollama": Provider("tutor.llm.ollama", "langchain-ollama"),
    "openai": Provider("tutor.llm.openai", "langchain-openai"),
    "bedrock": Provider("tutor.llm.bedrock", "langchain-aws"),
    "llamacpp": Provider("tutor.llm.gguf", "llama-cpp-python", "'mla-tutor[gguf]'"),
    # A deterministic model for tests and offline demos (see the README).
    "scripted": Provider("tutor.testing", "", ""),
}


def backend_label(settings: Settings) -> str:
    """Short provider:model name shown with answers, e.g. 'openai:gpt-4o-mini'."""
    return f"{settings.llm_provider}:{settings.llm_model or 'default'}"


def make_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model named by ``settings.llm_provider``.

    Raises ConfigError for incomplete settings and BackendError when the provider's package
    is not installed; neither message contains a key. Creating a model never opens a
    network connection.
    """
    provider = PROVIDERS.get(settings.llm_provider)
    if provider is None:
        raise ConfigError(prompts.LLM_NONE.format(provider=settings.llm_provider))
    try:
        return provider.builder()(settings)
    except ImportError:
        raise missing_package(settings.llm_provider, provider.package, provider.extra) from None
    except TutorError:
        raise
    except Exception as exc:  # noqa: BLE001 - client constructors raise many kinds
        raise ConfigError(scrub(prompts.LLM_SETUP_FAILED.format(
            provider=settings.llm_provider, detail=exc), settings)) from None


def ping(settings: Settings) -> str:
    """Send the configured model one tiny request; say who answered and how fast.

    Raises ConfigError or BackendError with an actionable, key-free message.
    """
    model = make_chat_model(settings)
    started = time.perf_counter()
    try:
        model.invoke([HumanMessage(prompts.LLM_PING)])
    except Exception as exc:  # noqa: BLE001 - every failure becomes one readable message
        raise BackendError(describe_error(exc, settings)) from None
    return f"{backend_label(settings)} replied in {time.perf_counter() - started:.1f} s"
