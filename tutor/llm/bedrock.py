"""The ``bedrock`` provider: Amazon Bedrock's Converse API. The only module importing
langchain_aws."""

from __future__ import annotations

import os
from typing import Any

from langchain_aws import ChatBedrockConverse
from langchain_core.language_models.chat_models import BaseChatModel

from tutor import prompts
from tutor.config import Settings
from tutor.errors import ConfigError
from tutor.llm.base import need_model


def build(settings: Settings) -> BaseChatModel:
    """ChatBedrockConverse; credentials come from the standard AWS chain unless
    TUTOR_LLM_API_KEY holds a Bedrock API key."""
    region = (settings.aws_region or os.environ.get("AWS_REGION")
              or os.environ.get("AWS_DEFAULT_REGION"))
    if not region:
        raise ConfigError(prompts.LLM_NEEDS_REGION)
    kwargs: dict[str, Any] = {}
    if settings.llm_api_key is not None:
        kwargs["bedrock_api_key"] = settings.llm_api_key
    if settings.llm_base_url:
        kwargs["endpoint_url"] = settings.llm_base_url
    return ChatBedrockConverse(model_id=need_model(settings), region_name=region,
                               temperature=settings.llm_temperature,
                               timeout=max(1, round(settings.llm_timeout)),
                               max_retries=settings.llm_max_retries, **kwargs)
