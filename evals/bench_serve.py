"""What a learner waits for: `tutor ask` from a cold process against its floor, and the
first answer of the real app in a real browser; with the memory each takes.

The CLI floor is a bare Python process that loads the ONNX session and the tokenizer and
embeds one query: what any process answering a question must do at least. The two kinds of
process run in turns, so that load on the machine hits both alike; every ratio divides
figures of the same turn. Peak RSS comes from ``wait4`` (the child's own maximum).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from evals.bench_common import REPO, median

NOTES = REPO / "corpus" / "notes"
NOTES_QUESTIONS = REPO / "evals" / "datasets" / "retrieval_notes.jsonl"
# Run with `python -c` in a child process. It uses onnxruntime and tokenizers directly, not
# tutor.embed.onnx_runtime, on purpose: the floor is what the libraries alone cost, with none
# of tutor's imports or settings (tests/test_architecture.py reads import statements, not this).
FLOOR_CODE = """
import sys
import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer
opts = ort.SessionOptions()
opts.intra_op_num_threads = 1
session = ort.InferenceSession(sys.argv[1], opts, providers=["CPUExecutionProvider"])
ids = np.array([Tokenizer.from_file(sys.argv[2]).encode(sys.argv[3]).ids], dtype=np.int64)
session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
"""
APP_WAIT_S = 180


def questions(n: int) -> list[str]:
    """The first ``n`` questions of the notes retrieval set: what learners ask the notes."""
    rows = [json.loads(line) for line in NOTES_QUESTIONS.read_text().splitlines() if line]
    return [r["question"] for r in rows[:n]]


def first_question() -> str:
    return questions(1)[0]


def notes_home(home: Path, settings_for: Any) -> Path:
    """``home`` with the shipped notes indexed (kept between benchmark runs, and brought up
    to date by an incremental ingest, which embeds only what changed)."""
    from ingest.job import run_ingest

    run_ingest([NOTES], settings_for(home), corpus="notes")
    return home


def _env(home: Path, encoder_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
    env.update(TUTOR_HOME=str(home), TUTOR_ENCODER_DIR=str(encoder_dir), HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    return env


# Runs one measured command (argv[1], JSON) and reports on the pipe whose fd is argv[2].
# Linux starts a child's ru_maxrss at the RSS of the process that spawned it (subprocess
# uses vfork: the parent's peak), so a child spawned by this process, which may have made a
# ~1 GB ONNX export, would report at least that; spawned by this small launcher, it reports
# its own peak.
LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(json.loads(sys.argv[1]))
_, status, usage = os.wait4(proc.pid, 0)
os.write(int(sys.argv[2]), json.dumps({"seconds": time.perf_counter() - start,
                                       "cpu_s": usage.ru_utime + usage.ru_stime,
                                       "peak_rss_mb": usage.ru_maxrss / 1024,
                                       "code": os.waitstatus_to_exitcode(status)}).encode())
"""


def _run_measured(cmd: Sequence[str], env: dict[str, str]) -> dict[str, Any]:
    """Wall seconds from spawn to exit, CPU seconds, peak RSS (MiB) and output of one child
    process, spawned and reaped by ``LAUNCHER`` (stderr goes to a file, so no pipe fills)."""
    read, write = os.pipe()
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                [sys.executable, "-c", LAUNCHER, json.dumps(list(cmd)), str(write)],
                env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=err, pass_fds=(write,))
        except BaseException:
            os.close(read)
            raise
        finally:
            os.close(write)
        out = proc.stdout.read() if proc.stdout else b""
        proc.wait()
        with os.fdopen(read, "rb") as pipe:
            report = json.loads(pipe.read() or b"{}")
        if proc.returncode != 0 or report.get("code") != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(cmd[:4])} failed (exit {report.get('code')}): "
                               f"{err.read().decode(errors='replace')[-2000:]}")
    return {"seconds": report["seconds"], "cpu_s": report["cpu_s"],
            "peak_rss_mb": report["peak_rss_mb"], "stdout": out.decode(errors="replace")}


def floor_command(backend: str, settings: Any, question: str) -> list[str]:
    """The bare process a cold start is measured against: the ONNX session and tokenizer
    loaded and one query embedded (torch: the sentence-transformers model loaded)."""
    from tutor.embed.base import bundled_model_path

    if backend == "torch":
        code = ("import sys; from sentence_transformers import SentenceTransformer; "
                "SentenceTransformer(sys.argv[1], device='cpu').encode([sys.argv[2]])")
        return [sys.executable, "-c", code, str(bundled_model_path()), question]
    from tutor.embed import prepare_runtime

    graph = prepare_runtime(settings)[-1]  # the fp32 graph, which embeds every query
    return [sys.executable, "-c", FLOOR_CODE, str(graph),
            str(bundled_model_path() / "tokenizer.json"), question]


def cold_starts(home: Path, encoder_dir: Path, backend: str, question: str,
                runs: int) -> dict[str, Any]:
    """From spawn to exit, in turns: the floor, `tutor ask QUESTION`, the library answering
    it (``Tutor.ask``) and the Streamlit app's script answering it (AppTest, no browser)."""
    from evals.bench_common import RESULT_MARK
    from tutor.config import load_settings

    settings = load_settings(home=home, encoder_dir=encoder_dir, embed_backend=backend)
    env = {**_env(home, encoder_dir), "TUTOR_EMBED_BACKEND": backend}
    tutor_cmd = Path(sys.executable).with_name("tutor")
    worker = [sys.executable, "-m", "evals.bench_worker"]
    payload = json.dumps({"home": str(home), "backend": backend, "question": question,
                          "encoder_dir": str(encoder_dir), "batch_size": 32})
    commands = {
        "floor": floor_command(backend, settings, question),
        "cli": ([str(tutor_cmd)] if tutor_cmd.exists() else [sys.executable, "-m", "tutor.cli"])
        + ["ask", question],
        "library": [*worker, "cold_app", payload],
        "ui": [*worker, "cold_ui", payload],
    }
    for cmd in commands.values():  # a first pass compiles byte code and fills the page cache
        _run_measured(cmd, env)
    turns = [{name: _run_measured(cmd, env) for name, cmd in commands.items()}
             for _ in range(runs)]
    out: dict[str, Any] = {"question": question, "runs": runs, "backend": backend,
                           "load_average": [round(x, 2) for x in os.getloadavg()]}
    for name in commands:
        out[name] = {"seconds": [t[name]["seconds"] for t in turns],
                     "cpu_s": [t[name]["cpu_s"] for t in turns],
                     "peak_rss_mb": max(t[name]["peak_rss_mb"] for t in turns)}
        if name != "floor":
            out[name]["ratio"] = median([t[name]["seconds"] / t["floor"]["seconds"]
                                         for t in turns])
            # CPU seconds move less with the load of other processes than wall time.
            out[name]["cpu_ratio"] = median([t[name]["cpu_s"] / t["floor"]["cpu_s"]
                                             for t in turns])
    out["cli"]["answered"] = all("[1]" in t["cli"]["stdout"] for t in turns)
    for name in ("library", "ui"):
        results = [json.loads(line[len(RESULT_MARK):]) for t in turns
                   for line in t[name]["stdout"].splitlines() if line.startswith(RESULT_MARK)]
        out[name]["answered"] = len(results) == runs and all(
            r["status"] == "answered" for r in results)
        out[name]["torch_loaded"] = any(r["torch_loaded"] for r in results)
    return out

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
# The last assistant message is complete: the caption under an answer, or a message instead.
_ANSWERED = """n => {
  const msgs = document.querySelectorAll('[data-testid=stChatMessage]');
  const app = document.querySelector('[data-testid=stApp]');
  if (msgs.length < 2 * n || app?.getAttribute('data-test-script-state') === 'running')
    return false;
  const last = msgs[msgs.length - 1];
  return last.innerText.includes('Answered by')
    || last.querySelector('[data-testid=stAlert]') !== null;
}"""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def vm_hwm_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a running process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def running_app(home: Path, encoder_dir: Path, log: Path) -> Iterator[tuple[int, str]]:
    """`python -m ui` (what `make run` starts) on a free loopback port: (pid, url) once healthy."""
    import urllib.request

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "ui", "--server.port", str(port), "--server.address",
           "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=_env(home, encoder_dir), cwd=REPO, stdout=out,
                                stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + APP_WAIT_S
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the app did not start:\n{log.read_text()[-2000:]}")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                        break
                except OSError:
                    time.sleep(0.2)
            yield proc.pid, url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def ask_in_browser(page: Any, question: str, n: int) -> float:
    """Type the ``n``-th question of the page into the chat box; seconds from pressing Enter
    to its complete answer."""
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    start = time.perf_counter()
    box.press("Enter")
    page.wait_for_function(_ANSWERED, arg=n, timeout=APP_WAIT_S * 1000, polling=20)
    return time.perf_counter() - start


def app_first_answer(home: Path, encoder_dir: Path, questions: Sequence[str],
                     log: Path) -> dict[str, Any]:
    """The first question asked as soon as the page has loaded, submit to complete answer,
    then the rest in the same session; the server's peak RSS after all of them."""
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    with running_app(home, encoder_dir, log) as (pid, url), sync_playwright() as pw:
        healthy_s = time.perf_counter() - started
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(url)
            page.get_by_test_id("stChatInputTextArea").wait_for(timeout=APP_WAIT_S * 1000)
            loaded_s = time.perf_counter() - started
            times = [ask_in_browser(page, q, n) for n, q in enumerate(questions, start=1)]
            texts = page.get_by_test_id("stChatMessage").all_inner_texts()
            rss = vm_hwm_mb(pid)
        finally:
            browser.close()
    return {"first_answer_s": times[0], "later_p50_s": median(times[1:]),
            "questions": len(times), "answered": sum("Answered by" in t for t in texts[1::2]),
            "start_to_healthy_s": healthy_s, "start_to_page_s": loaded_s,
            "peak_rss_mb": rss, "load_average": [round(x, 2) for x in os.getloadavg()]}


def rows(r: dict[str, Any], add: Any) -> None:
    """Summary rows of the cold-start and app sections (see evals.bench.summary)."""
    c = r.get("cold")
    if c:
        floor = median(c["floor"]["seconds"])
        load = f"load {c['load_average'][0]}"
        for name, what in (("cli", "cold start, tutor ask"), ("library", "cold start, library"),
                           ("ui", "cold start, app script")):
            fig = f"{median(c[name]['seconds']):.2f} s, floor {floor:.2f} s ({load})"
            if not c[name].get("answered", True):
                fig += " (NOT answered)"
            ok = c[name]["ratio"] <= 1.5 and c[name].get("answered", True)
            cpu = f" (CPU {c[name]['cpu_ratio']:.2f}x)" if "cpu_ratio" in c[name] else ""
            add(what, fig, f"{c[name]['ratio']:.2f}x floor{cpu}", ok if name == "cli" else None,
                "<=1.5x" if name == "cli" else "")
        rss = c["cli"]["peak_rss_mb"]
        add("tutor ask peak RSS", f"{rss:.0f} MB", f"floor {c['floor']['peak_rss_mb']:.0f} MB",
            rss <= 400, "<=400 MB")
    a = r.get("app")
    if a:
        first = a["first_answer_s"]
        add("app first answer", f"{first:.2f} s after submit ({a['load_average'][0]} load)",
            f"later p50 {a['later_p50_s']:.2f} s; page ready {a['start_to_page_s']:.1f} s "
            "after start", first <= 1.5, "<=1.5 s")
        add(f"app peak RSS after {a['questions']} questions", f"{a['peak_rss_mb']:.0f} MB",
            f"{a['answered']} answered", a["peak_rss_mb"] <= 700, "<=700 MB")
