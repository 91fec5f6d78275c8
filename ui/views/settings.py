"""Settings: the answer backend and retrieval options, validated and saved to config.toml."""

from __future__ import annotations

from typing import Any, get_args

import streamlit as st

from tutor import prompts
from tutor.config import LLMProvider, RetrievalMode
from tutor.config_file import config_path, env_overrides, save_settings, set_aside
from ui import auth, resources, state
from ui.errors import message_for, show, show_error
from ui.safe_text import escape

PROVIDERS: tuple[str, ...] = get_args(LLMProvider)
PROVIDER_LABELS = {
    "none": "Offline extractive (no model)",
    "ollama": "Ollama (local server)",
    "openai": "OpenAI-compatible API",
    "bedrock": "Amazon Bedrock",
    "llamacpp": "llama.cpp (GGUF file in this process)",
    "scripted": "Scripted demo model (for testing)",
}


def current(settings: Any) -> None:
    key = prompts.UI_SECRET_SET if settings.llm_api_key is not None else prompts.UI_SECRET_UNSET
    rows = [
        ("Home folder", str(settings.home)),
        ("Config file", str(config_path(settings.home))),
        ("Embedding model", settings.embed_model),
        ("Vector index", settings.chroma_url or "embedded Chroma"),
        ("Retrieval", f"{settings.retrieval_mode}, top {settings.k}"),
        ("Answer backend", PROVIDER_LABELS.get(settings.llm_provider, settings.llm_provider)),
        ("Model", settings.llm_model or "–"),
        ("Server URL", settings.llm_base_url or "–"),
        ("API key", key),
    ]
    st.dataframe([{"Setting": k, "Value": v} for k, v in rows], hide_index=True,
                 width="stretch")


FORM_FIELDS = ("llm_provider", "llm_model", "llm_base_url", "aws_region", "llm_temperature",
               "llm_timeout", "llm_max_retries", "retrieval_mode", "k", "answer_sentences")


def editor(settings: Any) -> None:
    fixed = [f for f in env_overrides() if f in FORM_FIELDS]
    if fixed:
        st.warning("Set by TUTOR_* environment variables, which win over what is saved here: "
                   + escape(", ".join(fixed)))
    with st.form("settings.form"):
        st.subheader("Answer backend")
        provider = st.selectbox("Backend", PROVIDERS, index=PROVIDERS.index(settings.llm_provider),
                                format_func=lambda p: PROVIDER_LABELS.get(p, p),
                                key="settings.provider")
        model = st.text_input("Model", value=settings.llm_model or "", key="settings.model",
                              help="e.g. llama3.2 for Ollama, gpt-4o-mini for OpenAI, a Bedrock "
                              "model id, or a .gguf path for llama.cpp.")
        base_url = st.text_input("Server URL", value=settings.llm_base_url or "",
                                 key="settings.base_url",
                                 help="Leave empty for the provider's default.")
        region = st.text_input("AWS region (Bedrock)", value=settings.aws_region or "",
                               key="settings.region")
        cols = st.columns(3)
        temperature = cols[0].slider("Temperature", 0.0, 2.0, float(settings.llm_temperature),
                                     0.05, key="settings.temperature")
        timeout = cols[1].number_input("Timeout (s)", 1.0, 600.0, float(settings.llm_timeout),
                                       key="settings.timeout")
        retries = cols[2].number_input("Retries", 0, 10, int(settings.llm_max_retries),
                                       key="settings.retries")
        st.caption("API keys are never shown or saved here: set TUTOR_LLM_API_KEY or the "
                   "provider's own variable (e.g. OPENAI_API_KEY) before starting the app.")
        st.subheader("Retrieval")
        modes: tuple[str, ...] = get_args(RetrievalMode)
        cols = st.columns(3)
        mode = cols[0].selectbox("Mode", modes, index=modes.index(settings.retrieval_mode),
                                 key="settings.mode")
        k = cols[1].number_input("Passages per answer", 1, 100, int(settings.k),
                                 key="settings.k")
        sentences = cols[2].number_input("Sentences per extractive answer", 1, 12,
                                         int(settings.answer_sentences), key="settings.sentences")
        saved = st.form_submit_button("Save", type="primary")
    if not saved:
        return
    updates = {"llm_provider": provider, "llm_model": model.strip() or None,
               "llm_base_url": base_url.strip() or None, "aws_region": region.strip() or None,
               "llm_temperature": float(temperature), "llm_timeout": float(timeout),
               "llm_max_retries": int(retries), "retrieval_mode": mode, "k": int(k),
               "answer_sentences": int(sentences)}
    try:
        save_settings(updates, settings.home)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message (ui/errors.py)
        show_error(exc, "saving the settings")
        return
    state.flash("success", "Settings saved. New questions use them.")
    st.rerun()


def connection_test(settings: Any) -> None:
    st.subheader("Connection")
    if not st.button("Test connection", key="settings.test"):
        return
    if settings.llm_provider == "none":
        st.info(prompts.UI_NO_LLM)
        return
    from tutor.llm import ping

    with st.spinner("Contacting the backend…"):
        try:
            st.success(f"Connected: {escape(ping(settings))}")
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message
            show(*message_for(exc, "testing the connection"))


def broken_config() -> None:
    """When the config file cannot be used, offer to move it aside (it is kept as .bak)."""
    path = config_path()
    if not path.is_file():
        return
    st.caption(f"Config file: {escape(str(path))}")
    if st.button("Set this file aside and use the defaults", key="settings.set_aside"):
        backup = set_aside(path)
        state.flash("success", f"The old settings were kept in {backup}.")
        st.rerun()


def main() -> None:
    st.title("Settings")
    settings = resources.page_settings()
    if settings is None:
        broken_config()
        return
    if not auth.admin_only(settings, "change the settings"):
        return
    current(settings)
    editor(settings)
    connection_test(settings)


main()
