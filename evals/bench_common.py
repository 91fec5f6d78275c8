"""Shared pieces of the benchmark: statistics, the corpus and questions, child processes."""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
AWS_DOCS = REPO.parent / "shared" / "aws-docs"
QUESTIONS = REPO / "evals" / "datasets" / "retrieval_awsdocs.jsonl"
RESULT_MARK = "BENCH-RESULT "


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return float(ordered[rank - 1])


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """(wall seconds, result) of ``fn(*args, **kwargs)``."""
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def timed_cpu(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of this process, result). CPU time hardly moves when other
    processes load the machine, so ratios are given in both."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return time.perf_counter() - wall, time.process_time() - cpu, out


def reset_peak_rss() -> bool:
    """Start the peak (VmHWM) afresh from the current RSS; False where Linux does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB.

    Read from VmHWM, which starts afresh at exec; ru_maxrss would carry over the parent's
    peak into a child process.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def tree_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def machine() -> dict[str, Any]:
    """What the figures were measured on, including how busy the machine was."""
    cpu = platform.processor() or platform.machine()
    flags: list[str] = []
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = line.split(":", 1)[1].split()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "simd": [f for f in ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")
                     if f in flags],
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def load_questions(pages: set[str] | None = None) -> list[dict[str, Any]]:
    """The retrieval questions; with ``pages``, only those whose gold lies in that set."""
    rows = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    if pages is None:
        return rows
    return [r for r in rows if set(r["gold"]) & pages]


def quick_corpus(target: Path, n_pages: int) -> Path:
    """Copy a stable subset of aws-docs (gold pages of the first questions first) to ``target``."""
    manifest = [json.loads(line) for line in (AWS_DOCS / "manifest.jsonl").read_text().splitlines()
                if line.strip()]
    chosen: list[str] = []
    for row in load_questions():
        for page in row["gold"]:
            if page not in chosen and len(chosen) < n_pages:
                chosen.append(page)
    if target.exists():
        shutil.rmtree(target)
    for page in chosen:
        (target / page).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(AWS_DOCS / page, target / page)
    keep = set(chosen)
    (target / "manifest.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in manifest if r.get("path") in keep))
    return target


def hit_and_rr(sources: Sequence[str], gold: Sequence[str], k: int = 5) -> tuple[int, float]:
    """(1 if a gold page is among the first k sources else 0, reciprocal rank of the first)."""
    gold_set = set(gold)
    for rank, src in enumerate(sources, start=1):
        if src in gold_set:
            return int(rank <= k), 1.0 / rank
    return 0, 0.0


def run_child(task: str, args: dict[str, Any], *, timeout: float = 7200) -> dict[str, Any]:
    """Run ``evals.bench_worker <task>`` in a fresh interpreter and return its JSON result."""
    payload = json.dumps(args)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.run([sys.executable, "-m", "evals.bench_worker", task, payload],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO,
                          check=False)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK):])
    raise RuntimeError(f"benchmark child '{task}' failed (exit {proc.returncode}):\n"
                       f"{proc.stderr[-3000:]}")


def emit(result: dict[str, Any]) -> None:
    """How a child hands its result back to run_child."""
    print(RESULT_MARK + json.dumps(result), flush=True)
