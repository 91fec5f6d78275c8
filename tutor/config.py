"""One Settings object for the whole application.

Values come, in increasing priority, from defaults, an optional TOML file
(``$TUTOR_CONFIG`` or ``$TUTOR_HOME/config.toml``) and ``TUTOR_*`` environment variables.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from tutor.errors import ConfigError

DEFAULT_EMBED_MODEL = "all-MiniLM-L6-v2"
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
RetrievalMode = Literal["dense", "bm25", "hybrid"]
LexicalAnalyzer = Literal["identifiers", "words"]
LLMProvider = Literal["none", "ollama", "openai", "bedrock", "llamacpp", "scripted"]


def default_home() -> Path:
    """The user data folder for state, when TUTOR_HOME does not name one."""
    return Path(user_data_dir("mla-tutor", appauthor=False))


def _config_file() -> Path | None:
    explicit = os.environ.get("TUTOR_CONFIG")
    if explicit:
        return Path(explicit)
    home = Path(os.environ.get("TUTOR_HOME") or default_home())
    candidate = home / "config.toml"
    return candidate if candidate.is_file() else None


class Settings(BaseSettings):
    """Every tunable of the tutor. Environment variables use the ``TUTOR_`` prefix."""

    # An empty TUTOR_* variable counts as unset: TUTOR_HOME= must not make the current folder
    # the home, and TUTOR_LLM_API_KEY= must not hide the provider's own key variable.
    model_config = SettingsConfigDict(env_prefix="TUTOR_", extra="forbid", validate_default=True,
                                      env_ignore_empty=True)

    home: Path = Field(default_factory=default_home, description="Folder holding all state.")

    # embedding
    embed_model: str = Field(
        DEFAULT_EMBED_MODEL,
        description="'all-MiniLM-L6-v2' (bundled, offline), a local sentence-transformers "
        "folder, or a model name a hub can serve (needs network on first use).",
    )
    embed_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        "onnx", description="Encoder runtime: 'onnx' (the torch vectors through onnxruntime "
        "from a local export made once at setup; serving never imports torch), 'torch' "
        "(sentence-transformers in PyTorch; any sentence-transformers model) or 'onnx-int8' "
        "(documents through int8 matrix multiplications, ~1.6x faster ingest; queries stay "
        "fp32, so either kind of index can be searched, but switching needs tutor ingest "
        "--rebuild).")
    embed_batch_size: int = Field(32, ge=1, le=1024, description="Texts per encoder call.")
    embed_threads: int = Field(0, ge=0, description="Encoder threads; 0 keeps the library default.")
    embed_query_threads: int = Field(
        1, ge=0, description="Threads for encoding one query; 0 uses embed_threads. One query "
        "is too small to split, and a split waits on every core, so one thread is fastest.")
    encoder_dir: Path | None = Field(
        None, description="Where local ONNX exports of the model are kept; "
        "default $TUTOR_HOME/cache/encoders.")

    # chunking, in the encoder's own word pieces
    chunk_tokens: int = Field(200, ge=32, le=512, description="Maximum word pieces per chunk.")
    chunk_overlap: int = Field(32, ge=0, description="Word pieces shared by consecutive chunks.")

    # index
    vector_store: Literal["chroma", "memory"] = Field(
        "chroma", description="Where vectors live: 'chroma' (embedded under $TUTOR_HOME, or "
        "the server at chroma_url) or 'memory' (exact search held by this process only, "
        "gone when it exits; for tests and demos).")
    chroma_url: str | None = Field(None, description="http://host:port of a Chroma server; "
                                   "unset keeps an embedded store under $TUTOR_HOME.")
    collection: str = Field("tutor", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{1,40}$",
                            description="Collection name (on a server, the prefix of one "
                            "collection per index generation).")

    # team mode (docs/ARCHITECTURE.md, "Team mode"): state on servers, sign-in and roles
    database_url: SecretStr | None = Field(
        None, description="postgresql://user:password@host:port/db: team mode. Accounts, "
        "learner progress, index manifests, chunks and the serving-generation pointer live in "
        "PostgreSQL (vectors in the Chroma server at chroma_url); unset keeps single-user mode "
        "(SQLite and files under $TUTOR_HOME, no sign-in).")
    auth: Literal["password", "oidc"] = Field(
        "password", description="How learners sign in in team mode: 'password' (accounts "
        "made with tutor users add, argon2 hashes) or 'oidc' (Streamlit's st.login with the "
        "provider in .streamlit/secrets.toml; the account name is the e-mail the provider "
        "returns). Single-user mode never asks.")
    session_hours: float = Field(12.0, gt=0, le=24 * 30, description="A sign-in is valid "
                                 "for this long; then the learner signs in again.")
    signin_max_failures: int = Field(
        5, ge=1, le=1000, description="Failed sign-ins allowed per account and per network "
        "address within signin_window_minutes; further attempts are refused until it passes.")
    signin_window_minutes: float = Field(15.0, gt=0, description="The window over which "
                                         "failed sign-ins are counted.")

    # retrieval
    retrieval_mode: RetrievalMode = Field(
        "hybrid", description="'dense' (vectors), 'bm25' (words) or 'hybrid' (both, fused).")
    k: int = Field(6, ge=1, le=100, description="Hits returned.")
    candidates: int = Field(40, ge=1, le=500, description="Hits per ranker before fusion; at "
                            "least k.")
    fusion: Literal["scores", "rrf"] = Field(
        "scores", description="How hybrid mode fuses the rankers: 'scores' (each ranker's "
        "scores scaled to 0-1 over its candidates, then a weighted sum) or 'rrf' (reciprocal "
        "rank fusion).")
    dense_weight: float = Field(0.5, ge=0, le=1, description="Share of the dense score in "
                                "'scores' fusion; BM25 gets the rest.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    page_hits: int = Field(
        2, ge=0, le=100, description="Hits kept per page (source), best first: a page ranks by "
        "its best chunk, and its weaker chunks give way to other pages; 1 returns distinct "
        "pages, 0 keeps every chunk. Two keep a second passage for the answerer.")
    card_hits: int = Field(
        1, ge=0, le=100, description="Concept cards kept among the hits at most, best first; "
        "0 keeps every card. A card's question form can outscore the notes on wording alone, "
        "so beyond this many the places go to the notes.")
    clean_queries: bool = Field(
        True, description="Search without what cannot match a page (URLs, ARNs, request and "
        "account ids, timestamps) and with code blocks and stack traces reduced to the names "
        "in them.")
    sub_queries: int = Field(
        0, ge=0, le=5, description="For a question of several paragraphs, also search up to "
        "this many of its paragraphs on their own and fuse every result by reciprocal rank; "
        "0: search the whole question only.")
    lexical_analyzer: LexicalAnalyzer = Field(
        "identifiers", description="BM25 terms: 'identifiers' (words, plus camelCase and "
        "snake_case names split into parts and kept whole) or 'words' (plain words). An index "
        "built with the other one is re-analysed in memory until the next ingest.")
    prf_terms: int = Field(
        0, ge=0, le=50, description="Pseudo-relevance feedback: BM25 searches again with this "
        "many terms added, the ones that weigh most in the prf_docs best first-pass hits, and "
        "the result is fused anew; 0: off.")
    prf_docs: int = Field(3, ge=1, le=20, description="Best first-pass hits that feedback "
                          "terms are drawn from (prf_terms).")
    reranker: str | None = Field(
        None, description="A sentence-transformers cross-encoder (local folder, or a name a "
        "hub can serve, which needs network on first use) that re-scores the best "
        "rerank_candidates hits; unset: no reranking.")
    rerank_candidates: int = Field(20, ge=1, le=200, description="Fused hits the reranker "
                                   "re-scores.")
    min_relevance: float = Field(
        0.30, ge=-1, le=1, description="Cosine below which the best hit counts as unrelated."
    )

    # automatic exam-task tags for chunks whose document declares none (tutor.tagging)
    tag_min_similarity: float = Field(
        0.35, ge=-1, le=1, description="Cosine to the closest task profile below which a "
        "chunk stays untagged.")

    # answers
    answer_sentences: int = Field(6, ge=1, le=12,
                                  description="Sentences the extractive answerer quotes at most.")
    answer_hits: int = Field(
        12, ge=1, le=100, description="Hits the answerer reads (at least k): the best note "
        "passages and any concept cards among them, so short cards never crowd notes out.")
    card_match: float = Field(
        0.7, ge=-1, le=1, description="Cosine between the question and a concept card's "
        "question at which the card's answer leads the extractive answer (tuned for precision "
        "on evals/datasets/answers.jsonl).")
    sentence_vectors_at_ingest: list[str] = Field(
        default_factory=lambda: ["notes", "cards"],
        description="Source sets (corpus names) whose sentences ingest embeds ahead of time "
        "for the extractive answerer; other sets are embedded when first quoted, then cached.")
    max_question_chars: int = Field(2000, ge=10, description="Longer questions are refused.")

    # ingest limits
    max_file_mb: float = Field(50.0, gt=0, description="Larger files are reported too_large "
                               "without being read; also the upload limit.")
    max_pdf_pages: int = Field(2000, ge=1, description="PDFs with more pages are too_large.")

    # generative answers (tutor.llm)
    llm_provider: LLMProvider = Field(
        "none", description="'none' (offline extractive answers) or a chat-model provider "
        "registered in tutor.llm.providers.")
    llm_model: str | None = Field(None, description="Model name, Bedrock model id, or path "
                                  "to a .gguf file.")
    llm_base_url: str | None = Field(None, description="Server URL: Ollama, an "
                                     "OpenAI-compatible server, or a Bedrock endpoint override.")
    llm_api_key: SecretStr | None = Field(None, description="Else read from the provider's "
                                          "variable; never saved or shown.")
    llm_timeout: float = Field(60.0, gt=0, description="Seconds to wait for the model.")
    llm_max_retries: int = Field(2, ge=0, le=10, description="Retries on timeouts, HTTP 429 "
                                 "and 5xx, done by the client with back-off.")
    llm_temperature: float = Field(0.1, ge=0, le=2, description="Sampling temperature.")
    aws_region: str | None = Field(None, description="Region for Bedrock; else AWS_REGION.")
    link_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts that rendered answers may link to besides the AWS docs hosts, "
        "e.g. your own documentation site; full host names only. A document cannot add "
        "one: a cited source on any other host is shown as text.")

    @field_validator("link_hosts")
    @classmethod
    def _full_host_names(cls, hosts: list[str]) -> list[str]:
        out = []
        for raw in hosts:
            host = raw.strip().lower().rstrip(".")
            labels = host.split(".")
            if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels) \
                    or labels[-1].isdigit():
                raise ValueError(f"'{raw}' is not a full host name such as docs.example.org "
                                 "(no scheme, port, path, wildcard or bare domain ending)")
            out.append(host)
        return out

    @field_validator("llm_base_url", "chroma_url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        try:
            parts = urlsplit(url.strip())
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError as exc:
            raise ValueError(f"'{url}' is not a valid URL ({exc})") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"'{url}' is not an http:// or https:// URL with a host")
        return url.strip()

    @field_validator("home")
    @classmethod
    def _folder(cls, home: Path) -> Path:
        if home.exists() and not home.is_dir():
            raise ValueError(f"{home} exists and is not a folder")
        return home

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.chunk_overlap >= self.chunk_tokens:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be smaller than chunk_tokens "
                f"({self.chunk_tokens})"
            )
        if self.candidates < self.k:
            raise ValueError(f"candidates ({self.candidates}) must be at least k ({self.k}): "
                             "each ranker must find at least as many hits as are returned")
        if self.database_url is not None:
            url = self.database_url.get_secret_value()
            if not url.startswith(("postgresql://", "postgres://")):
                raise ValueError("database_url must start with postgresql://")
            if self.vector_store == "chroma" and not self.chroma_url:
                raise ValueError("team mode (database_url) keeps vectors in a Chroma server "
                                 "that every app process reaches: set chroma_url too")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_file()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    # where things live under home
    @property
    def team(self) -> bool:
        """Team mode: shared state in PostgreSQL and the Chroma server, sign-in required."""
        return self.database_url is not None

    @property
    def database(self) -> str:
        """The PostgreSQL URL (team mode only; ConfigError in single-user mode)."""
        if self.database_url is None:
            raise ConfigError("this needs team mode: set TUTOR_DATABASE_URL=postgresql://...")
        return self.database_url.get_secret_value()

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def progress_db(self) -> Path:
        return self.home / "progress.sqlite3"

    @property
    def uploads_dir(self) -> Path:
        return self.home / "uploads"

    @property
    def docs_dir(self) -> Path:
        return self.home / "docs"


def load_settings(**overrides: object) -> Settings:
    """Build and validate settings; raise ConfigError with every problem listed."""
    import tomllib

    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"Invalid settings: {problems}") from exc
    except SettingsError as exc:  # a TUTOR_* variable that should hold JSON does not
        cause = f" ({exc.__cause__})" if exc.__cause__ else ""
        raise ConfigError(f"Invalid settings: {exc}{cause}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Invalid settings: {_config_file()} is not valid TOML ({exc})") from exc
    except OSError as exc:
        raise ConfigError(f"Invalid settings: the config file cannot be read ({exc})") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings, read once."""
    return load_settings()
