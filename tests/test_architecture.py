"""The layout the code must keep (docs/ARCHITECTURE.md): small modules, the library below its
front ends, and each third-party backend behind exactly one module of tutor/."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import REPO

TUTOR = REPO / "tutor"
MAX_LINES = 400
# Each backend library (top-level import name) must be imported by exactly one module of
# tutor/. The optional ones are checked once a module imports them. Not listed, because
# several modules share them on purpose: numpy, pydantic, yaml, typer, langchain_core (the
# chat-model interface), filelock, and tokenizers (the runtimes and chunking count word pieces).
# torch, transformers and sentence_transformers are the torch runtime's alone (an optional
# extra); onnx and safetensors the export's graph builder's; onnxruntime the onnx runtime's.
BACKENDS = ["chromadb", "bm25s", "Stemmer", "pypdf", "bs4", "sentence_transformers", "torch",
            "transformers", "safetensors", "onnxruntime", "onnx", "langchain_openai",
            "langchain_ollama", "langchain_aws", "llama_cpp", "sqlite3", "argon2"]
OPTIONAL_BACKENDS = ["genanki", "psycopg", "psycopg_pool"]
FRONT_ENDS = ["ingest", "ui", "evals", "deploy"]


def _python_files(*roots: Path) -> list[Path]:
    return sorted(p for root in roots for p in root.rglob("*.py") if ".venv" not in p.parts)


@cache
def _imports(path: Path) -> frozenset[str]:
    """Top-level names of every module ``path`` imports, wherever the statement sits."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return frozenset(names)


def test_no_module_is_over_400_lines() -> None:
    roots = [REPO / d for d in ("tutor", "ingest", "ui", "evals", "tests")]
    long = {str(p.relative_to(REPO)): n for p in _python_files(*roots)
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_the_library_imports_none_of_its_front_ends() -> None:
    offenders = {str(p.relative_to(REPO)): sorted(_imports(p) & {"ingest", "ui", "evals"})
                 for p in _python_files(TUTOR)}
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("library", BACKENDS + OPTIONAL_BACKENDS)
def test_each_backend_library_is_imported_by_one_module(library: str) -> None:
    users = [str(p.relative_to(REPO)) for p in _python_files(TUTOR) if library in _imports(p)]
    if library in OPTIONAL_BACKENDS and not users:
        pytest.skip(f"nothing in tutor/ uses {library}")
    assert len(users) == 1, f"{library} is imported by {users or 'no module'}"


def test_the_front_ends_reach_backends_only_through_the_library() -> None:
    """ingest/, ui/, evals/ and deploy/ import no backend library (evals/bench_serve.py's
    floor runs onnxruntime in a bare child process, from a code string, on purpose)."""
    libraries = set(BACKENDS + OPTIONAL_BACKENDS)
    offenders = {str(p.relative_to(REPO)): sorted(_imports(p) & libraries)
                 for p in _python_files(*(REPO / d for d in FRONT_ENDS))}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_every_subpackage_says_what_it_owns() -> None:
    for init in sorted(TUTOR.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc, f"{init.relative_to(REPO)} has no docstring"
