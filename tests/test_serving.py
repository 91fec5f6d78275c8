"""What serving loads, and what it needs from setup (issue 17).

`tutor ask`, `tutor search` and the app answer from a fresh interpreter without torch,
sentence-transformers, transformers, LangChain or chromadb (dense search reads the matrix copy
of the vectors), and without the quiz, ingest or eval code; the ONNX export is made by setup,
once, and an index built by torch stays searchable with the default runtime.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO

QUESTION = "What does SageMaker Model Monitor compare live traffic against?"
# Top-level modules the default serving path must not load, and why not.
NEVER = {
    "torch": "the ONNX runtime serves without PyTorch",
    "sentence_transformers": "only the torch runtime needs it",
    "transformers": "only the torch runtime needs it",
    "langchain_core": "the offline answerer needs no LangChain",
    "langchain_openai": "no provider is configured", "langchain_ollama": "no provider",
    "langchain_aws": "no provider", "ingest": "ingest is not run", "evals": "evals are not run",
    "bs4": "no HTML is loaded", "pypdf": "no PDF is loaded",
    "chromadb": "dense search reads the generation's matrix copy (the app's start-up check "
                "opens the store in a child process)",
}
NEVER_SUBMODULES = ("tutor.quiz", "tutor.progress")

_RUN_CLI = """
import json, sys, threading
from tutor.cli import main
sys.argv = ["tutor", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
for t in threading.enumerate():  # what a second thread loaded counts too (not daemons:
    if t is not threading.main_thread() and not t.daemon:  # tqdm's monitor never ends)
        t.join()
print("\\nMODULES " + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

_RUN_APP = """
import json, sys, threading
from pathlib import Path
from streamlit.testing.v1 import AppTest
from ui import state
at = AppTest.from_file(str(Path("ui/app.py").resolve()), default_timeout=300).run()
at.chat_input[0].set_value(sys.argv[1]).run()
turns = at.session_state[state.CHAT]
for t in threading.enumerate():
    if t.name.startswith("warm-"):
        t.join()
print("\\nMODULES " + json.dumps({"code": 0 if turns[0].answer else 1,
                                  "exception": bool(at.exception),
                                  "modules": sorted(sys.modules)}))
"""


def _fresh_interpreter(code: str, home: Path, *args: str) -> tuple[str, dict]:
    import os

    env = {**os.environ, "TUTOR_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], env=env,
                          cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    marker = [line for line in done.stdout.splitlines() if line.startswith("MODULES ")]
    assert marker, f"no report from the child:\n{done.stderr[-3000:]}"
    return done.stdout, json.loads(marker[-1][len("MODULES "):])


def _assert_light(modules: list[str]) -> None:
    top = {m.split(".")[0] for m in modules}
    loaded = {name: why for name, why in NEVER.items() if name in top}
    assert loaded == {}, f"the serving path loaded {loaded}"
    assert [m for m in modules if m.startswith(NEVER_SUBMODULES)] == []
    assert "onnxruntime" in top  # the default runtime


@pytest.fixture
def home(notes_home: Path, tmp_path: Path) -> Path:
    """A private copy of the session's notes index (children open it for themselves)."""
    return Path(shutil.copytree(notes_home, tmp_path / "home",
                                ignore=shutil.ignore_patterns("cache")))


@pytest.mark.server
@pytest.mark.parametrize("command", ["ask", "search"])
def test_the_cli_answers_without_loading_what_it_does_not_need(home: Path,
                                                               command: str) -> None:
    out, report = _fresh_interpreter(_RUN_CLI, home, command, QUESTION)
    assert report["code"] in (0, None), out
    assert "Model Monitor" in out
    _assert_light(report["modules"])


@pytest.mark.server
def test_the_app_answers_without_loading_what_it_does_not_need(home: Path) -> None:
    out, report = _fresh_interpreter(_RUN_APP, home, QUESTION)
    assert report["code"] == 0 and not report["exception"], out
    _assert_light(report["modules"])


def test_an_index_built_by_torch_is_searched_by_the_default_runtime(
        minilm_torch, tmp_path: Path) -> None:
    from ingest.job import run_ingest
    from tutor.config import load_settings
    from tutor.embed.onnx_runtime import OnnxEmbedder
    from tutor.service import Tutor

    folder = tmp_path / "notes"
    shutil.copytree(REPO / "corpus" / "notes" / "domain-4", folder)
    built = load_settings(home=tmp_path / "home", embed_backend="torch")
    run_ingest([folder], built, embedder=minilm_torch)
    served = Tutor(load_settings(home=tmp_path / "home"))  # the defaults: onnx
    assert isinstance(served.embedder.inner, OnnxEmbedder)  # type: ignore[attr-defined]
    by_torch = Tutor(built, embedder=minilm_torch)
    for mode in ("dense", "hybrid"):
        got = [h.chunk.id for h in served.search(QUESTION, k=5, mode=mode)]
        want = [h.chunk.id for h in by_torch.search(QUESTION, k=5, mode=mode)]
        assert got == want, mode
    assert served.ask(QUESTION).citations


@pytest.mark.model
def test_setup_exports_once_and_serving_finds_the_export(settings) -> None:
    from tests.conftest import ENCODERS
    from tutor.config import load_settings
    from tutor.embed import make_embedder, prepare_runtime

    prepare_runtime(settings)  # the session's shared export (made here if this runs first)
    announced: list[Path] = []
    [graph] = prepare_runtime(settings, announced.append)
    assert graph.is_file() and graph.is_relative_to(ENCODERS)
    assert announced == []  # already exported: nothing announced, nothing redone
    served = make_embedder(settings).inner
    assert served.exported and served.prepare() == graph  # type: ignore[attr-defined]
    assert prepare_runtime(load_settings(embed_backend="torch")) == []
    elsewhere = load_settings(encoder_dir=settings.home / "no-export-yet")
    assert not make_embedder(elsewhere).inner.exported  # type: ignore[attr-defined]


def test_the_tutor_chain_gives_what_ask_gives(tmp_path: Path, hash_embedder) -> None:
    """``ask`` runs retrieve and answer directly; the LangChain runnable composes the same."""
    from ingest.job import run_ingest
    from tutor.config import load_settings
    from tutor.service import Tutor

    folder = tmp_path / "notes"
    shutil.copytree(REPO / "corpus" / "notes" / "domain-4", folder)
    settings = load_settings(home=tmp_path / "home", vector_store="memory")
    run_ingest([folder], settings, embedder=hash_embedder)
    tutor = Tutor(settings, embedder=hash_embedder)
    direct = tutor.ask(QUESTION)
    chained = tutor.chain.invoke({"question": QUESTION, "history": [], "filters": None})
    assert chained.model_dump() == direct.model_dump()
    assert direct.citations


def test_a_pasted_practice_item_is_searched_without_embedding_the_paste(
        tmp_path: Path, hash_embedder) -> None:
    """A paste is as long as a passage: encoding it as a query cost more than the rest of the
    answer. The item is searched with its stem's vector, embedded (as a document) with its
    options, which the answer weighs anyway; any other question is embedded as a query."""
    import numpy as np

    from ingest.job import run_ingest
    from tutor.config import load_settings
    from tutor.service import Tutor
    from tutor.testing import CountingEmbedder

    folder = tmp_path / "notes"
    shutil.copytree(REPO / "corpus" / "notes" / "domain-4", folder)
    settings = load_settings(home=tmp_path / "home", vector_store="memory")
    run_ingest([folder], settings, embedder=hash_embedder)
    spy = CountingEmbedder(hash_embedder)
    tutor = Tutor(settings, embedder=spy)
    stem = ("A company must keep the training data in Amazon S3 encrypted with a key it "
            "controls. Which solution meets these requirements?")
    item = (f"{stem}\nA. SSE-KMS with a customer managed key\nB. SSE-S3\n"
            "C. Client-side encryption with a key in the code\nD. No encryption")
    answer = tutor.ask(item)
    assert answer.citations and "**A. SSE-KMS with a customer managed key:**" in answer.text
    assert spy.queries == 0
    asked = " ".join(item.split())  # as ask cleans it
    state = tutor._retrieve_step({"question": asked, "history": [], "filters": None})
    assert np.allclose(state["vector"], hash_embedder.embed_documents([stem])[0])
    assert spy.queries == 0
    tutor.ask(QUESTION)
    assert spy.queries == 1


def test_the_command_line_loads_commands_when_they_run() -> None:
    """quiz, progress and the plugin commands are listed and run, though not imported."""
    from typer.testing import CliRunner

    from tutor.cli import app

    listing = CliRunner().invoke(app, ["--help"])
    assert listing.exit_code == 0
    for name in ("ask", "search", "status", "quiz", "progress", "ingest", "docs", "eval",
                 "bench"):
        assert f" {name} " in listing.output, name
    helped = CliRunner().invoke(app, ["eval", "retrieval", "--help"])
    assert helped.exit_code == 0 and "--dataset" in helped.output
    unknown = CliRunner().invoke(app, ["no-such-command"])
    assert unknown.exit_code == 2
