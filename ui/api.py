"""A thin, authenticated JSON API served by the app process itself (ui/server.py), beside
the Streamlit UI, over the same settings, Tutor, index and progress store the pages use.

It exists for scripts and for the load test: Streamlit's websocket protocol is not meant to
be driven by a client other than the browser. Team mode only (single-user mode has no
accounts); every route but sign-in and health needs ``Authorization: Bearer TOKEN``.

    POST /api/v1/signin          {"name", "password"}         -> {"token", "role", "expires"}
    GET  /api/v1/health                                       -> {"generation", "pid"}
    POST /api/v1/ask             {"question"}                 -> the `tutor ask --json` shape
    GET  /api/v1/quiz?count=N&domain=D&task=T&seed=S          -> {"items": [...]} (no answers)
    POST /api/v1/attempts        {"item_id", "answer", "key"} -> {"correct", "expected", "box"}
    GET  /api/v1/attempts/{id}                                -> one of the caller's attempts
    GET  /api/v1/progress                                     -> totals and review boxes
    POST /api/v1/library/files   {"name", "text"} (admin)     -> the ingest report

``key`` makes an attempt idempotent: a client that lost the reply (its app process died)
sends it again, to any process, and it is stored once.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tutor.auth import User
from tutor.errors import AccessDeniedError, InputError, SignInError, ThrottledError, TutorError

Handler = Callable[[Request], Awaitable[JSONResponse]]


class NotFoundError(InputError):
    """No such record among the caller's."""


STATUS = [(ThrottledError, 429), (SignInError, 401), (AccessDeniedError, 403),
          (NotFoundError, 404), (InputError, 400), (TutorError, 503)]


def _settings() -> Any:
    from ui import resources

    settings = resources.settings()
    if not settings.team:
        raise AccessDeniedError("the HTTP API serves team mode only")
    return settings


def _user(request: Request, settings: Any) -> User:
    from tutor.auth.accounts import Accounts

    header = request.headers.get("authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else None
    user = Accounts(settings).user(token)
    if user is None:
        raise SignInError("sign in first: POST /api/v1/signin, then send the token as "
                          "Authorization: Bearer TOKEN")
    return user


def endpoint(work: Callable[[Request, dict[str, Any]], Any]) -> Handler:
    """An async route that runs ``work`` (blocking: database, model) in a worker thread and
    maps the project's errors to HTTP status codes with the message as the body."""

    async def handle(request: Request) -> JSONResponse:
        body: dict[str, Any] = {}
        if request.method == "POST":
            try:
                body = await request.json()
            except ValueError:
                return JSONResponse({"error": "the body must be JSON"}, status_code=400)
        try:
            return JSONResponse(await run_in_threadpool(work, request, body))
        except TutorError as exc:
            code = next(c for kind, c in STATUS if isinstance(exc, kind))
            return JSONResponse({"error": str(exc)}, status_code=code)

    return handle


def signin(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    from tutor.auth.accounts import Accounts

    settings = _settings()
    address = request.headers.get("x-real-ip") or (request.client.host if request.client
                                                   else "unknown")
    signed = Accounts(settings).sign_in(str(body.get("name", "")),
                                        str(body.get("password", "")), address)
    return {"token": signed.token, "name": signed.user.name, "role": signed.user.role.value,
            "expires": signed.user.expires.isoformat() if signed.user.expires else None}


def health(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    from tutor.index import current_name

    return {"generation": current_name(_settings()), "pid": os.getpid()}


def ask(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    from tutor.cli.ask import answer_json
    from ui import resources

    settings = _settings()
    _user(request, settings)
    answer = resources.tutor(settings).ask(str(body.get("question", "")))
    return answer_json(answer)


def quiz(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    from tutor.progress.postgres_store import remember_items
    from tutor.quiz.grade import match_targets
    from tutor.quiz.session import build_quiz
    from ui import resources

    settings = _settings()
    _user(request, settings)
    q = request.query_params
    domain = int(q["domain"]) if q.get("domain") else None
    seed = int(q["seed"]) if q.get("seed") else None
    count = max(1, min(int(q.get("count", "10")), 50))
    built = build_quiz(resources.catalog(), resources.quiz_chunks(settings), domain=domain,
                       task=q.get("task") or None, count=count, seed=seed)
    remember_items(settings.database, built.items)
    return {"items": [{"id": i.id, "type": i.type, "domain": i.domain, "task": i.task,
                       "stem": i.stem, "options": [{"key": o.key, "text": o.text}
                                                   for o in i.options],
                       "answer_count": i.answer_count,
                       "targets": match_targets(i) if i.type == "matching" else []}
                      for i in built.items]}


def record(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    from tutor.progress.postgres_store import PostgresProgressStore, issued_item
    from tutor.quiz.grade import grade

    settings = _settings()
    user = _user(request, settings)
    item = issued_item(settings.database, str(body.get("item_id", "")))
    if item is None:
        raise InputError("unknown item: ask GET /api/v1/quiz for items first")
    result = grade(item, body.get("answer") or [])
    key = str(body["key"]) if body.get("key") else None
    store = PostgresProgressStore(settings.database, user.id)
    card = store.record(item, result.given, result.correct, seconds=body.get("seconds"),
                        key=key)
    return {"correct": result.correct, "expected": result.expected,
            "box": card.box if card else None}


def attempt(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    from tutor.progress import open_progress_store

    settings = _settings()
    user = _user(request, settings)
    found = open_progress_store(settings, user).attempt(int(request.path_params["id"]))
    if found is None:
        raise NotFoundError("no such attempt among yours")
    return found.model_dump(mode="json")


def progress(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    from tutor.progress import open_progress_store

    settings = _settings()
    store = open_progress_store(settings, _user(request, settings))
    totals = store.totals()
    return {"attempts": sum(n for n, _ in totals.values()),
            "correct": sum(c for _, c in totals.values()),
            "by_domain": {str(d): {"attempts": n, "correct": c} for d, (n, c) in totals.items()},
            "review": store.review_counts()}


def add_file(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    from ingest.job import run_ingest
    from tutor.library import save_upload
    from ui import resources

    settings = _settings()
    user = _user(request, settings)
    path = save_upload(settings, str(body.get("name", "")),
                       str(body.get("text", "")).encode("utf-8"), user=user)
    report = run_ingest([path.parent], settings, embedder=resources.embedder(settings),
                        corpus="uploads", user=user)
    return report.model_dump(mode="json")


routes = [
    Route("/api/v1/signin", endpoint(signin), methods=["POST"]),
    Route("/api/v1/health", endpoint(health), methods=["GET"]),
    Route("/api/v1/ask", endpoint(ask), methods=["POST"]),
    Route("/api/v1/quiz", endpoint(quiz), methods=["GET"]),
    Route("/api/v1/attempts", endpoint(record), methods=["POST"]),
    Route("/api/v1/attempts/{id:int}", endpoint(attempt), methods=["GET"]),
    Route("/api/v1/progress", endpoint(progress), methods=["GET"]),
    Route("/api/v1/library/files", endpoint(add_file), methods=["POST"]),
]
