"""The team-mode load test: simulated learners over nginx and the app processes of
``make team``, through the app processes' own JSON API (ui/api.py).

What it drives, and why: each learner is an HTTP client with its own cookie jar (so nginx
keeps it on one app process, as it keeps a browser) that signs in, asks questions
(POST /api/v1/ask: retrieval and the extractive answer, the work of a chat turn) and answers
practice items (GET /api/v1/quiz, then POST /api/v1/attempts, graded and stored in
PostgreSQL). The API runs in the same processes, over the same Tutor, index and store as the
Streamlit pages; Streamlit's websocket protocol is private to its browser client and would
measure a protocol emulation rather than the tutor.

It is bounded: a fixed number of learners, questions and items, every request with a
timeout, at most ``RETRIES`` retries of one request (with the same idempotency key), and an
overall deadline. Traffic goes to 127.0.0.1 only.

    python -m deploy.loadtest --learners 50 --questions 5 --items 20 --kill-one
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from deploy.team import REPO, Team, alive

RETRIES = 4
PASSWORD = "load-test-password"
DATASET = REPO / "evals" / "datasets" / "answers.jsonl"


@dataclass
class Tally:
    """What the clients saw, for the report."""

    ask_ms: list[float] = field(default_factory=list)
    sent: set[str] = field(default_factory=set)  # attempt keys sent at least once
    acknowledged: int = 0
    errors: list[str] = field(default_factory=list)  # final error responses and failures
    retried: int = 0
    served_by: dict[str, set[str]] = field(default_factory=dict)  # learner -> upstreams


def questions(n: int) -> list[str]:
    rows = [json.loads(line) for line in DATASET.read_text().splitlines() if line.strip()]
    return [r["question"] for r in rows[:n]]


def answer_for(item: dict[str, Any], rng: random.Random) -> Any:
    """A plausible answer: right or wrong does not matter, every attempt must be stored."""
    keys = [o["key"] for o in item["options"]]
    if item["type"] == "ordering":
        return rng.sample(keys, len(keys))
    if item["type"] == "matching":
        targets = item.get("targets") or []
        return {k: rng.choice(targets) for k in keys} if targets else {}
    return rng.sample(keys, max(1, item.get("answer_count") or 1))


async def call(client: httpx.AsyncClient, tally: Tally, who: str, method: str, path: str,
               **kwargs: Any) -> httpx.Response | None:
    """One request, retried on transport errors and 502/503/504 (same body, same key)."""
    for attempt in range(RETRIES + 1):
        try:
            reply = await client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            problem = f"{type(exc).__name__}"
        else:
            tally.served_by.setdefault(who, set()).add(reply.headers.get("x-upstream", "?"))
            if reply.status_code not in (502, 503, 504):
                if reply.status_code >= 400:
                    tally.errors.append(f"{who} {method} {path}: {reply.status_code} "
                                        f"{reply.text[:200]}")
                    return None
                return reply
            problem = f"HTTP {reply.status_code}"
        if attempt < RETRIES:
            tally.retried += 1
            await asyncio.sleep(0.5 * (attempt + 1))
    tally.errors.append(f"{who} {method} {path}: gave up after {RETRIES} retries ({problem})")
    return None


async def learner(base: str, name: str, asks: list[str], items: int, tally: Tally,
                  progress: asyncio.Queue[int]) -> None:
    rng = random.Random(name)
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        reply = await call(client, tally, name, "POST", "/api/v1/signin",
                           json={"name": name, "password": PASSWORD})
        if reply is None:
            return
        headers = {"Authorization": f"Bearer {reply.json()['token']}"}
        for q in asks:
            started = time.perf_counter()
            if await call(client, tally, name, "POST", "/api/v1/ask", json={"question": q},
                          headers=headers) is not None:
                tally.ask_ms.append(1000 * (time.perf_counter() - started))
                await progress.put(1)
        if not items:
            return
        reply = await call(client, tally, name, "GET", "/api/v1/quiz", headers=headers,
                           params={"count": items, "seed": rng.randrange(10**6)})
        if reply is None:
            return
        for item in reply.json()["items"]:
            key = uuid.uuid4().hex
            tally.sent.add(key)
            if await call(client, tally, name, "POST", "/api/v1/attempts", headers=headers,
                          json={"item_id": item["id"], "answer": answer_for(item, rng),
                                "key": key, "seconds": 1.0}) is not None:
                tally.acknowledged += 1


def answered_by(upstreams: set[str]) -> set[str]:
    """The processes that answered: nginx's X-Upstream lists every one it tried ("a, b" when
    it passed a request on), and the last of them answered."""
    return {u.rsplit(", ", 1)[-1] for u in upstreams}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ensure_accounts(team: Team, names: list[str]) -> dict[str, int]:
    """Learner accounts for the run (made once; a rerun reuses them). Their ids."""
    from tutor.auth.access import Role
    from tutor.auth.accounts import Accounts
    from tutor.config import load_settings
    from tutor.errors import InputError

    accounts = Accounts(load_settings(home=team.home, database_url=team.cluster.url,
                                      chroma_url=team.env()["TUTOR_CHROMA_URL"]))
    ids = {}
    for name in names:
        try:
            ids[name] = accounts.add(name, Role.learner, PASSWORD).id
        except InputError:
            ids[name] = accounts.get(name).id
    return ids


def stored_attempts(team: Team, ids: list[int]) -> int:
    from tutor.progress.postgres_store import PostgresProgressStore

    return sum(n for i in ids for n, _ in
               PostgresProgressStore(team.cluster.url, i).totals().values())


async def run(team: Team, learners: int, asks: int, items: int, kill_one: bool,
              deadline: float) -> dict[str, Any]:
    base = team.url
    names = [f"load-{n:03d}" for n in range(learners + 1)]
    ids = ensure_accounts(team, names)
    before = stored_attempts(team, list(ids.values()))
    qs = questions(asks)
    # The single-learner figure, in the same run: one learner alone, same questions.
    solo = Tally()
    await asyncio.wait_for(learner(base, names[0], qs, 0, solo, asyncio.Queue()), deadline)
    tally = Tally()
    progress: asyncio.Queue[int] = asyncio.Queue()
    killed: dict[str, Any] = {}

    async def killer() -> None:
        """SIGKILL, once half the questions are answered, the app process serving the most
        learners: they still have questions, their quiz and every attempt ahead of them. (The
        last process, always, was killed with none of them at times: the route hash and nginx's
        passive health checks can send every learner to the other.)"""
        done, half = 0, max(1, learners * asks // 2)
        while done < half:
            done += await progress.get()
        served = [sum(1 for ups in tally.served_by.values()
                      if f"127.0.0.1:{port}" in answered_by(ups))
                  for port in team.ports.apps]
        n = max(range(len(served)), key=lambda i: (served[i], i))
        name, port = f"app{n + 1}", team.ports.apps[n]
        pid = team.pids.get(name)
        if pid and alive(pid):
            os.killpg(pid, signal.SIGKILL)
            killed.update(process=name, port=port, after_answers=done, learners_on_it=served[n],
                          at_s=round(time.perf_counter() - started, 1))

    started = time.perf_counter()
    tasks = [learner(base, name, qs, items, tally, progress) for name in names[1:]]
    watcher = asyncio.create_task(killer()) if kill_one else None
    await asyncio.wait_for(asyncio.gather(*tasks), deadline)
    seconds = time.perf_counter() - started
    if watcher is not None:
        watcher.cancel()
    stored = stored_attempts(team, list(ids.values())) - before
    dead = f"127.0.0.1:{killed['port']}" if killed else None
    # a learner moved when the dead process answered it and, later, another one did
    moved = sum(1 for ups in tally.served_by.values()
                if dead in answered_by(ups) and len(answered_by(ups)) > 1)
    p95, solo_p95 = percentile(tally.ask_ms, 95), percentile(solo.ask_ms, 95)
    return {
        "learners": learners, "questions_each": asks, "items_each": items,
        "seconds": round(seconds, 1), "app_processes": len(team.ports.apps),
        "asks": len(tally.ask_ms), "attempts_sent": len(tally.sent),
        "attempts_acknowledged": tally.acknowledged, "attempts_stored": stored,
        "lost": len(tally.sent) - stored, "error_responses": len(tally.errors),
        "errors": tally.errors[:20], "retried_requests": tally.retried,
        "killed": killed or None, "learners_moved_to_other_process": moved,
        "ask_ms": {"p50": round(percentile(tally.ask_ms, 50)), "p95": round(p95),
                   "max": round(max(tally.ask_ms, default=0))},
        "single_learner_ask_ms": {"p50": round(percentile(solo.ask_ms, 50)),
                                  "p95": round(solo_p95)},
        "p95_ratio": round(p95 / solo_p95, 1) if solo.ask_ms else None,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--kill-one", action="store_true",
                        help="SIGKILL the last app process when half the questions are answered")
    parser.add_argument("--deadline", type=float, default=1200.0, help="Seconds at most.")
    args = parser.parse_args(argv)
    home = Path(os.environ.get("TUTOR_HOME") or REPO / ".team-home").resolve()
    team = Team.load(home)
    result = asyncio.run(run(team, args.learners, args.questions, args.items, args.kill_one,
                             args.deadline))
    (team.folder / "loadtest.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    ok = result["lost"] == 0 and result["error_responses"] == 0
    print("PASS" if ok else "FAIL", "- report in", team.folder / "loadtest.json")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
