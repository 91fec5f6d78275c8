"""A small OpenAI-compatible chat-completions server for tests, on 127.0.0.1 with a free port.

It speaks just enough of the API for the real ``openai`` client (and so LangChain's
``ChatOpenAI``): ``POST /v1/chat/completions`` with or without ``"stream": true`` (server-sent
events ending in ``[DONE]``) and ``GET /v1/models``. Each request takes the next scripted
``Step`` (a reply, an HTTP error, a delay longer than the client's timeout, or a stream cut
short); with the script empty it answers with ``default(request) -> text``. Every request
body and its headers are recorded.

A fixture, not a fake of this project's code: it stands in for a third-party service on
loopback so that the real client runs, and so it lives in tests/ rather than tutor/testing.py.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Step:
    """What the server does with one request."""

    text: str = ""
    status: int = 200
    delay: float = 0.0
    cut_after: int | None = None  # streaming: drop the connection after this many pieces


class FakeOpenAIServer:
    def __init__(self, default: Callable[[dict[str, Any]], str] | str = "Hello.",
                 piece_chars: int = 6, piece_delay: float = 0.0):
        self.default = default
        self.piece_chars = piece_chars
        self.piece_delay = piece_delay  # seconds between streamed pieces (a slow model)
        self.script: list[Step] = []
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakeOpenAIServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    # scripting ---------------------------------------------------------------------------
    def push(self, *steps: Step | str) -> None:
        with self._lock:
            self.script += [s if isinstance(s, Step) else Step(text=s) for s in steps]

    def reset(self) -> None:
        with self._lock:
            self.script.clear()
            self.requests.clear()
            self.headers.clear()

    def _next(self, body: dict[str, Any], headers: dict[str, str]) -> Step:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            if self.script:
                return self.script.pop(0)
        text = self.default(body) if callable(self.default) else self.default
        return Step(text=text)


NOT_FOUND = {"error": {"message": "not found", "type": "invalid_request_error"}}


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
    payload = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
               "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(payload)}\n\n".encode()


def _handler(owner: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _json(self, status: int, data: dict[str, Any],
                  extra: dict[str, str] | None = None) -> None:
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                self._json(200, {"object": "list",
                                 "data": [{"id": "fake-model", "object": "model"}]})
            else:
                self._json(404, NOT_FOUND)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._json(404, NOT_FOUND)
                return
            step = owner._next(body, {k.lower(): v for k, v in self.headers.items()})
            try:
                if step.delay:
                    time.sleep(step.delay)
                if step.status != 200:
                    # A tiny retry-after keeps the client's bounded retries fast in tests.
                    self._json(step.status, {"error": {"message": f"scripted {step.status}",
                                                       "type": "server_error"}},
                               {"retry-after-ms": "5"})
                elif body.get("stream"):
                    self._stream(body.get("model", "fake-model"), step)
                else:
                    self._json(200, {
                        "id": "chatcmpl-fake", "object": "chat.completion", "created": 0,
                        "model": body.get("model", "fake-model"),
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": step.text}}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a scripted timeout); nothing to tell it

        def _stream(self, model: str, step: Step) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(_chunk(model, {"role": "assistant", "content": ""}))
            pieces = [step.text[i:i + owner.piece_chars]
                      for i in range(0, len(step.text), owner.piece_chars)]
            for n, piece in enumerate(pieces):
                if step.cut_after is not None and n >= step.cut_after:
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(_chunk(model, {"content": piece}))
                self.wfile.flush()
                if owner.piece_delay:
                    time.sleep(owner.piece_delay)
            self.wfile.write(_chunk(model, {}, "stop"))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

    return Handler
