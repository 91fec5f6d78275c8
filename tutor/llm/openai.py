"""The ``openai`` provider: OpenAI or any OpenAI-compatible server (vLLM, the llama.cpp
server, LM Studio). The only module importing langchain_openai."""

from __future__ import annotations

import os

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_openai import ChatOpenAI

from tutor import prompts
from tutor.config import Settings
from tutor.errors import ConfigError
from tutor.llm.base import api_key, need_model


def build(settings: Settings) -> BaseChatModel:
    """ChatOpenAI with the timeout and retry count applied in the client."""
    model = need_model(settings)
    key = api_key(settings, "OPENAI_API_KEY")
    base_url = settings.llm_base_url or os.environ.get("OPENAI_BASE_URL")
    if key is None:
        if not base_url:
            raise ConfigError(prompts.LLM_NEEDS_KEY)
        # Local servers ignore the key, but the client insists on having one.
        key = "not-needed"
    return ChatOpenAI(model=model, base_url=base_url, api_key=key,
                      timeout=settings.llm_timeout, max_retries=settings.llm_max_retries,
                      temperature=settings.llm_temperature, stream_usage=False)
