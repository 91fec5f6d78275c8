"""Performance benchmark: the encoder floor, ingest, query latency, cold start, scale, memory.

    python -m evals.bench [--quick] [--runs N] [--out DIR]      (or: tutor bench ...)

Prints a table and writes ``DIR/bench.json`` and ``DIR/scale.png``. Every figure is the
median of several runs, and every ratio is taken between figures measured in the same run,
because absolute times on a shared machine drift. ``--quick`` uses a subset of the pages and
fewer runs, to iterate; the full run over ../shared/aws-docs takes a long while on 2 cores.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import typer

from evals import bench_common as bc
from evals import bench_encoder, bench_query, bench_serve

QUICK_PAGES = 40
FACTORS = (1, 4, 16)
DEFAULT_OUT = Path("bench-results")


def _log(message: str) -> None:
    """Progress on stderr: the full run takes long enough that silence looks like a hang."""
    import sys

    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _chunk_texts(corpus: Path, settings: Any, embedder: Any) -> tuple[list[str], list[str]]:
    """Embedded texts and sources of the corpus, chunked exactly as an ingest chunks them."""
    from ingest.walk import walk
    from tutor.chunk import Chunker
    from tutor.errors import LoadError
    from tutor.load import load_file

    chunker = Chunker(embedder.count_tokens, settings.chunk_tokens, settings.chunk_overlap,
                      window=embedder.window)
    texts, sources = [], []
    for sf in walk([corpus]):
        try:
            doc = load_file(sf.path, sf.source)
        except LoadError:
            continue
        for c in chunker.chunk(doc):
            if c.text.strip():
                texts.append(c.embed_text())
                sources.append(sf.source)
    return texts, sources


def _encoder_section(corpus: Path, settings: Any, quick: bool, runs: int,
                     cache: Path) -> dict[str, Any]:
    encs = bench_encoder.encoders(settings.embed_batch_size, settings.embed_threads,
                                  cache / "encoders")
    texts, sources = _chunk_texts(corpus, settings, encs["torch"])
    step = max(1, len(texts) // (48 if quick else 256))
    sample = texts[::step]
    out: dict[str, Any] = {"corpus_chunks": len(texts), "sample": len(sample)}
    out["throughput"] = bench_encoder.throughput(encs, sample, runs)
    out["fidelity"] = bench_encoder.fidelity(encs, sample[:64])
    unsorted, grouped = bench_encoder.padding_overhead(encs["torch"], texts,
                                                       settings.embed_batch_size, 256)
    out["padding"] = {"arrival_order": unsorted, "sorted_per_256": grouped}
    pages = None if not quick else set(sources)
    questions = bc.load_questions(pages)
    out["quality"] = {name: bench_encoder.quality(encs[name], texts, sources, questions,
                                                  cache / "vectors")
                      for name in ("torch", "onnx-int8")}
    return out


SECTIONS = ("encoder", "ingest", "langchain", "int8", "query", "cold", "app", "runtimes",
            "scale")
NEED_INGEST = {"ingest", "langchain", "int8", "query", "scale"}  # these use its index or runs


def run_bench(*, quick: bool = False, runs: int | None = None, out: Path = DEFAULT_OUT,
              backend: str | None = None, cache: Path | None = None,
              sections: set[str] | None = None, pages: int = QUICK_PAGES,
              torch_seed: Path | None = None) -> dict[str, Any]:
    """Run the benchmark sections and return (and write) every figure."""
    from tutor.config import load_settings

    settings = load_settings()
    backend = backend or settings.embed_backend
    runs = runs or (2 if quick else 3)
    cache = cache or Path.home() / ".cache" / "mla-tutor" / "bench"
    sections = sections or set(SECTIONS)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="tutor-bench-"))
    corpus = bc.quick_corpus(work / "aws-docs", pages) if quick else bc.AWS_DOCS
    child = {"backend": backend, "batch_size": settings.embed_batch_size,
             "encoder_dir": str(cache / "encoders"), "work": str(work)}
    result: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M"), "quick": quick,
                              "pages": pages if quick else None,
                              "runs": runs, "backend": backend, "corpus": str(corpus),
                              "machine_start": bc.machine()}
    try:
        if "encoder" in sections:
            _log("encoder runtimes: throughput, fidelity, retrieval quality")
            result["encoder"] = _encoder_section(corpus, settings, quick, runs, cache)
        if sections & NEED_INGEST:
            _log(f"ingest x{runs} with the raw-encoder floor and a re-ingest ({backend})")
            result["ingest"] = bc.run_child("ingest", {**child, "paths": [str(corpus)],
                                                       "runs": runs})
        if "langchain" in sections:
            _log(f"plain LangChain pipeline x{runs}")
            result["langchain"] = bc.run_child("langchain", {**child, "paths": [str(corpus)],
                                                             "runs": runs})
        if "int8" in sections and backend != "onnx-int8":
            # The opt-in fast runtime through the same pipeline, against the same LangChain runs.
            _log(f"ingest x{runs} with embed_backend=onnx-int8")
            result["ingest_int8"] = bc.run_child(
                "ingest", {**child, "backend": "onnx-int8", "paths": [str(corpus)], "runs": runs})
        questions = bc.load_questions()
        home = Path(result["ingest"]["home"]) if "ingest" in result else work
        if "query" in sections:
            _log(f"query latency over {len(questions)} questions")
            from tutor.service import Tutor

            tutor = Tutor(load_settings(home=home, embed_backend=backend,
                                        encoder_dir=cache / "encoders"))
            result["query"] = bench_query.latency(tutor, questions, 1 if quick else runs)
            result["query"]["threads_ab"] = bench_query.query_threads_ab(tutor.embedder, questions)
        if sections & {"cold", "app"}:
            notes = bench_serve.notes_home(cache / f"notes-{backend}", lambda h: load_settings(
                home=h, embed_backend=backend, encoder_dir=cache / "encoders"))
        if "cold" in sections:
            _log(f"cold start x{runs}: tutor ask, library, app script against the floor")
            result["cold"] = bench_serve.cold_starts(notes, cache / "encoders", backend,
                                                     bench_serve.first_question(), runs)
        if "app" in sections and bench_serve.CHROMIUM.exists():
            _log("the app in a browser: first question after the page loads, then 19 more")
            result["app"] = bench_serve.app_first_answer(
                notes, cache / "encoders", bench_serve.questions(20), out / "streamlit.log")
        if "runtimes" in sections:
            _log("retrieval eval, onnx against torch, on both datasets")
            from evals import bench_runtimes

            seeds = {"awsdocs": torch_seed} if torch_seed else {}
            result["runtimes"] = bench_runtimes.compare(
                work / "runtimes", cache / "encoders", out, seeds,
                ("notes",) if quick else tuple(bench_runtimes.DATASETS))
        if "scale" in sections:
            _log(f"scale {FACTORS} and memory")
            result["scale"] = _scale(home, work, child, questions, quick, runs, out)
    finally:
        result["machine_end"] = bc.machine()
        (out / "bench.json").write_text(json.dumps(result, indent=1))
        shutil.rmtree(work, ignore_errors=True)
    return result


def _scale(home: Path, work: Path, child: dict[str, Any], questions: list[dict[str, Any]],
           quick: bool, runs: int, out: Path) -> dict[str, Any]:
    from tutor.config import load_settings
    from tutor.service import Tutor

    def settings_for(h: Path):
        return load_settings(home=h, embed_backend=child["backend"],
                             encoder_dir=Path(child["encoder_dir"]))

    points = []
    sample = questions if not quick else questions[:100]
    for factor in FACTORS:
        _log(f"scale {factor}x")
        dst = work / f"scale-{factor}x"
        point = bench_query.replicate(home, dst, factor, settings_for)
        point.update(bench_query.query_p95(Tutor(settings_for(dst)), sample, runs))
        if factor in (FACTORS[0], FACTORS[-1]):
            mem = bc.run_child("serve", {**child, "home": str(dst),
                                         "questions": questions[:20 if quick else 50]})
            point["serve_peak_rss_mb"] = mem["peak_rss_mb"]
            point["serve_imports_torch"] = mem["torch_loaded"]
        points.append(point)
        if factor != FACTORS[-1] and factor != FACTORS[0]:
            shutil.rmtree(dst, ignore_errors=True)
    bench_query.plot(points, out / "scale.png")
    return {"points": points, "plot": str(out / "scale.png")}


def _ingest_rows(add: Any, ing: dict[str, Any], lc: dict[str, Any] | None, label: str) -> None:
    runs = ing["runs"]
    ours = bc.median([x["chunks"] / x["ingest_s"] for x in runs])
    floor = bc.median([x["raw_s"] / x["ingest_s"] for x in runs])
    cpu = [x["raw_cpu_s"] / x["ingest_cpu_s"] for x in runs if x.get("ingest_cpu_s")]
    add(f"ingest vs raw encoder{label}", f"{ours:.1f} chunks/s ({runs[0]['chunks']} chunks)",
        f"{floor:.2f} of raw" + (f" (CPU {bc.median(cpu):.2f})" if cpu else ""),
        floor >= 0.85, ">=0.85")
    re_x = bc.median([x["ingest_s"] / x["reingest_s"] for x in runs])
    add(f"re-ingest unchanged{label}", f"{bc.median([x['reingest_s'] for x in runs]):.2f} s",
        f"{re_x:.0f}x faster", re_x >= 20, ">=20x")
    add(f"ingest peak RSS{label}", f"{ing['peak_rss_mb_ingest']:.0f} MB", "",
        ing["peak_rss_mb_ingest"] < 1536, "<1.5 GB")
    if lc:
        pairs = list(zip(runs, lc["runs"], strict=False))
        x = bc.median([(o["files"] / o["ingest_s"]) / (lcr["files"] / lcr["seconds"])
                       for o, lcr in pairs])
        cpu = [(lcr["cpu_s"] / lcr["files"]) / (o["ingest_cpu_s"] / o["files"])
               for o, lcr in pairs if o.get("ingest_cpu_s") and lcr.get("cpu_s")]
        add(f"ingest vs LangChain{label}",
            f"LC {bc.median([lcr['seconds'] for lcr in lc['runs']]):.0f} s, "
            f"{lc['runs'][0]['chunks']} chunks",
            f"{x:.2f}x" + (f" (CPU {bc.median(cpu):.2f}x)" if cpu else ""), x >= 1.5, ">=1.5x")


def summary(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(what, figure, ratio, target met?) rows for the table and the README."""
    rows: list[tuple[str, str, str, str]] = []

    def add(what: str, figure: str, ratio: str, ok: bool | None, target: str) -> None:
        mark = "" if ok is None else ("yes" if ok else "NO")
        rows.append((what, figure, ratio, f"{target} {mark}".strip()))

    enc = r.get("encoder")
    if enc:
        for name, t in enc["throughput"].items():
            fid = enc["fidelity"][name]
            add(f"encoder {name}", f"{t['chunks_per_s']:.1f} chunks/s",
                f"{t['speedup_vs_torch']:.2f}x torch (CPU {t['cpu_speedup_vs_torch']:.2f}x)",
                None, f"cos>={fid['min_cosine']:.4f}")
        for name, q in enc["quality"].items():
            add(f"dense quality {name}", f"hit@5 {q['hit@5']:.1f}  MRR@10 {q['mrr@10']:.1f}",
                f"{q['questions']} questions", None, "")
        pad = enc["padding"]
        add("padding waste", f"{100 * pad['arrival_order']:.0f}% unsorted",
            f"{100 * pad['sorted_per_256']:.0f}% sorted per call", None, "")
        t = enc["throughput"]
        best = max(t, key=lambda n: t[n]["speedup_vs_torch"])
        dq = enc["quality"]["torch"]["hit@5"] - enc["quality"]["onnx-int8"]["hit@5"]
        add("encoder target", best, f"{t[best]['speedup_vs_torch']:.2f}x", 
            t[best]["speedup_vs_torch"] >= 2 and dq <= 1, ">=2x at <=1 pt")
    if r.get("ingest"):
        _ingest_rows(add, r["ingest"], r.get("langchain"), f" ({r['backend']})")
    if r.get("ingest_int8"):
        _ingest_rows(add, r["ingest_int8"], r.get("langchain"), " (onnx-int8)")
    q = r.get("query")
    if q:
        add("query embedding", f"p50 {q['embed']['p50_ms']:.1f} ms", "1.00 (floor)", None, "")
        # answer: issue 13 asks for a p95 within 3x one query embedding (an earlier issue, 5x)
        for key, limit in (("dense", None), ("bm25", None), ("hybrid", 3), ("answer", 3)):
            v = q[key]
            add(f"{key} latency", f"p50 {v['p50_ms']:.1f} / p95 {v['p95_ms']:.1f} ms",
                f"p95 {v['p95_x_embed']:.1f}x embed", None if limit is None
                else v["p95_x_embed"] <= limit, "" if limit is None else f"<={limit}x")
    ab = (q or {}).get("threads_ab")
    if ab:
        add("query embed threads", f"all {ab['all_threads']['p95_ms']:.1f} ms p95",
            f"{ab['threads']} thread: {ab['query_threads']['p95_ms']:.1f} ms p95", None, "")
    bench_serve.rows(r, add)
    from evals import bench_runtimes

    bench_runtimes.rows(r, add)
    s = r.get("scale")
    if s:
        p = s["points"]
        for pt in p:
            add(f"scale {pt['factor']}x", f"{pt['chunks']} chunks, {pt['index_s']:.1f} s, "
                f"{pt['index_mb']:.0f} MB", f"hybrid p95 {pt['hybrid_p95_ms']:.1f} ms", None, "")
        growth = p[-1]["hybrid_p95_ms"] / p[0]["hybrid_p95_ms"]
        add("query p95 growth", f"{p[-1]['factor']}x vs 1x", f"{growth:.2f}x", growth <= 2, "<=2x")
        for pt in (p[0], p[-1]):
            if "serve_peak_rss_mb" in pt:
                ok = pt["serve_peak_rss_mb"] < 1024 if pt is p[0] else None
                add(f"app peak RSS {pt['factor']}x", f"{pt['serve_peak_rss_mb']:.0f} MB", "", ok,
                    "<1 GB" if pt is p[0] else "")
    return rows


def render(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    m = result["machine_start"]
    table = Table(title=f"tutor bench {result['date']} - {m['cpu']}, {m['cores']} cores, "
                  f"load {m['load_average'][0]} - backend {result['backend']}"
                  + (" (quick)" if result["quick"] else ""))
    for col in ("what", "figure (median)", "ratio (same run)", "target"):
        table.add_column(col)
    for row in summary(result):
        table.add_row(*row)
    Console().print(table)


def markdown(result: dict[str, Any]) -> str:
    """The summary as a Markdown table, for the README (section Performance)."""
    lines = ["| what | figure (median) | ratio (same run) | target |", "| --- | --- | --- | --- |"]
    lines += [f"| {' | '.join(row)} |" for row in summary(result)]
    return "\n".join(lines)


def bench(
    quick: bool = typer.Option(False, "--quick", help="A subset of pages and fewer runs."),
    runs: int | None = typer.Option(None, min=1, help="Runs per figure (default 3, quick 2)."),
    out: Path = typer.Option(DEFAULT_OUT, help="Folder for the results."),
    backend: str | None = typer.Option(None, help="Encoder runtime (default: configured)."),
    only: list[str] | None = typer.Option(
        None, help="Sections: encoder ingest langchain int8 query cold app runtimes scale "
        "(ingest runs with any of the four after it)."),
    pages: int = typer.Option(QUICK_PAGES, min=2, help="Pages in the --quick subset."),
    torch_seed: Path | None = typer.Option(
        None, help="A torch-built TUTOR_HOME of ../shared/aws-docs whose embedding cache "
        "saves the runtimes section embedding the docs with torch again."),
) -> None:
    """Measure ingest, retrieval, cold start, the app, scale and memory against their floors."""
    unknown = set(only or ()) - set(SECTIONS)
    if unknown:
        raise typer.BadParameter(f"unknown sections {sorted(unknown)}", param_hint="--only")
    result = run_bench(quick=quick, runs=runs, out=out, backend=backend,
                       sections=set(only) if only else None, pages=pages, torch_seed=torch_seed)
    render(result)
    typer.echo(f"wrote {out / 'bench.json'}")
    (out / "bench.md").write_text(markdown(result) + "\n")


def register(app: typer.Typer) -> None:
    """Entry point for the `tutor` command (group tutor.commands)."""
    app.command("bench")(bench)


if __name__ == "__main__":
    typer.run(bench)
