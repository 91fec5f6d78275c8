"""The ``ollama`` provider: a local (or remote) Ollama server. The only module importing
langchain_ollama."""

from __future__ import annotations

from typing import Any

import httpx
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_ollama import ChatOllama

from tutor.config import Settings
from tutor.llm.base import OLLAMA_URL, api_key, need_model


def build(settings: Settings) -> BaseChatModel:
    """ChatOllama with the timeout in its HTTP client and connection retries in its transport."""
    client: dict[str, Any] = {"timeout": settings.llm_timeout}
    key = api_key(settings, "OLLAMA_API_KEY")
    if key:
        client["headers"] = {"Authorization": f"Bearer {key}"}
    # A local server that is restarting refuses connections for a moment; httpx retries
    # only connection failures, which is what a local server needs.
    retries = settings.llm_max_retries
    return ChatOllama(model=need_model(settings), base_url=settings.llm_base_url or OLLAMA_URL,
                      temperature=settings.llm_temperature, client_kwargs=client,
                      sync_client_kwargs={"transport": httpx.HTTPTransport(retries=retries)},
                      async_client_kwargs={"transport": httpx.AsyncHTTPTransport(retries=retries)})
