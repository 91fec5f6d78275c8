"""LLM: chat models by provider name (ollama, openai, bedrock, llamacpp, scripted), the lazy
handle answerers share, the connection test, and backend errors as readable, key-free text."""

from tutor.llm.base import LazyChatModel
from tutor.llm.errors import describe_error, scrub
from tutor.llm.providers import PROVIDERS, backend_label, make_chat_model, ping

__all__ = ["PROVIDERS", "LazyChatModel", "backend_label", "describe_error", "make_chat_model",
           "ping", "scrub"]
