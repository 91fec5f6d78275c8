"""Issue 9 case 19: API keys set in the environment never appear in output, logs, error
messages, eval reports or the UI, even when a model server echoes the key back.

The CLI runs as real child processes against a loopback server that puts the bearer token
it received into every error message and reply: the worst a backend can do.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.fixtures.relkit import child_env

pytestmark = pytest.mark.server  # starts processes (see pyproject.toml)

KEY = "sk-leak-canary-7f3a9c1e5b2d4086"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYLEAKCANARY"


class LeakyServer:
    """An OpenAI-compatible endpoint that answers with ``status`` and echoes the key (a
    loopback fixture for the real client, not a fake of our code: it stays in tests/)."""

    def __init__(self) -> None:
        self.status = 400
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: object) -> None:
                pass

            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                token = self.headers.get("Authorization", "")
                reply = f"SageMaker Clarify measures bias; your key is {token} [1]."
                if owner.status == 200 and request.get("stream"):
                    self._stream(reply)
                    return
                body = {"error": {"message": f"bad key {token}", "type": "invalid_request_error"}}
                if owner.status == 200:
                    body = {"id": "x", "object": "chat.completion", "created": 0, "model": "m",
                            "choices": [{"index": 0, "finish_reason": "stop", "message": {
                                "role": "assistant", "content": reply}}]}
                raw = json.dumps(body).encode()
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _stream(self, text: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                for i in range(0, len(text), 8):
                    chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0,
                             "model": "m", "choices": [{"index": 0, "finish_reason": None,
                                                        "delta": {"content": text[i:i + 8]}}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"


@pytest.fixture(scope="module")
def leaky() -> Iterator[LeakyServer]:
    srv = LeakyServer()
    yield srv
    srv.server.shutdown()
    srv.server.server_close()


def _env(home: Path, leaky: LeakyServer, **extra: str) -> dict[str, str]:
    # BM25 retrieval keeps the children from loading the embedding model: the secrets'
    # paths do not depend on it, and each child stays a few seconds.
    return child_env(home, OPENAI_API_KEY=KEY, TUTOR_LLM_API_KEY=KEY,
                     AWS_SECRET_ACCESS_KEY=AWS_SECRET, TUTOR_LLM_PROVIDER="openai",
                     TUTOR_LLM_MODEL="fake-model", TUTOR_LLM_BASE_URL=leaky.url,
                     TUTOR_LLM_MAX_RETRIES="0", TUTOR_RETRIEVAL_MODE="bm25", **extra)


def _files_text(*roots: Path) -> str:
    out = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file():
                out.append(path.read_bytes().decode("latin-1"))
    return "\n".join(out)


def _assert_clean(text: str) -> None:
    plain = text.replace("\\", "")  # the UI shows text Markdown-escaped
    for secret in (KEY, KEY[-12:], AWS_SECRET):  # not even a recognisable tail
        assert secret not in plain


@pytest.mark.parametrize(("status", "args"), [
    (400, ["ask", "--json", "What does SageMaker Clarify do?"]),
    (401, ["ask", "How does Model Monitor detect drift?"]),
    (500, ["ask", "--json", "What does SageMaker Clarify do?"]),
    pytest.param(200, ["ask", "--json", "What does SageMaker Clarify do?"]),
])
def test_cli_never_prints_the_key(status: int, args: list[str], leaky: LeakyServer,
                                  notes_home: Path, tmp_path: Path) -> None:
    leaky.status = status
    home = tmp_path / "home"
    shutil_copy_index(notes_home, home)
    done = subprocess.run([sys.executable, "-m", "tutor.cli", *args], env=_env(home, leaky),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    if "--json" in args:
        answer = json.loads(_first_json(done.stdout))
        assert answer["status"] == ("answered" if status == 200 else "fallback")
        assert status == 200 or answer["notice"]  # the user is told why, without the key
    _assert_clean(done.stdout + done.stderr)
    _assert_clean(_files_text(home))


def test_eval_report_never_contains_the_key(leaky: LeakyServer, notes_home: Path,
                                            tmp_path: Path) -> None:
    leaky.status = 401
    home = tmp_path / "home"
    shutil_copy_index(notes_home, home)
    dataset = tmp_path / "answers.jsonl"
    dataset.write_text(json.dumps({"question": "What does SageMaker Clarify measure?",
                                   "must": [["bias"]], "task": "4.2"}) + "\n")
    out = tmp_path / "report" / "answers.json"
    done = subprocess.run(
        [sys.executable, "-m", "tutor.cli", "eval", "answers", "--dataset", str(dataset),
         "--out", str(out)],
        env=_env(home, leaky), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert out.is_file()
    _assert_clean(done.stdout + done.stderr)
    _assert_clean(_files_text(out.parent, home))


@pytest.mark.parametrize("status", [401, 200])
def test_chat_and_settings_pages_never_show_the_key(
        status: int, leaky: LeakyServer, notes_home: Path, minilm, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.ui_support import PAGES, app_factory, texts

    leaky.status = status
    home = tmp_path / "home"
    shutil_copy_index(notes_home, home)
    env = {k: v for k, v in _env(home, leaky).items()
           if k.startswith(("TUTOR_", "OPENAI", "AWS_")) and k != "TUTOR_HOME"}
    with app_factory(monkeypatch) as make:
        at = make(home, minilm, **env).run()
        at.chat_input[0].set_value("What does SageMaker Clarify measure?").run()
        assert not at.exception
        shown = texts(at)
        at.switch_page(PAGES["settings"]).run()
        assert not at.exception
        shown += texts(at) + [str(t.value) for t in at.text_input]
    assert any("Clarify" in t for t in shown)  # the page did show an answer
    _assert_clean("\n".join(shown))


def _first_json(text: str) -> str:
    """The JSON document at the start of the CLI's stdout (warnings may follow on stderr)."""
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "{"
        depth -= ch == "}"
        if depth == 0 and ch == "}":
            return text[: i + 1]
    return text


def shutil_copy_index(src: Path, dst: Path) -> None:
    """A private copy of a session home (the tests write config and logs into it)."""
    import shutil

    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("cache"))
