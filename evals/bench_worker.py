"""Benchmark work that must run in a fresh process: ingest (with its raw-encoder floor in the
same process), the plain LangChain pipeline, cold starts and the memory of a serving app.

Run by evals.bench_common.run_child as ``python -m evals.bench_worker TASK JSON``; prints one
result line. Not meant to be run by hand.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from evals.bench_common import emit, hit_and_rr, peak_rss_mb, reset_peak_rss, timed, timed_cpu


def _settings(home: str, args: dict[str, Any]):
    from tutor.config import load_settings

    return load_settings(home=Path(home), embed_backend=args["backend"],
                         embed_batch_size=args["batch_size"],
                         encoder_dir=Path(args["encoder_dir"]))


def ingest(args: dict[str, Any]) -> dict[str, Any]:
    """Ingest runs on fresh homes with empty caches; after each, the raw encoder on the same
    chunk texts (same model object, same batch size), then a re-ingest of the unchanged corpus."""
    from ingest.job import run_ingest
    from tutor.embed import make_embedder
    from tutor.index.generations import current_name, read_chunks

    paths = [Path(p) for p in args["paths"]]
    runs: list[dict[str, Any]] = []
    rss_after_first = None
    load_s = None
    peak_reset = False
    last_home = None
    for r in range(args["runs"]):
        home = Path(args["work"]) / f"ingest-{r}"
        shutil.rmtree(home, ignore_errors=True)
        settings = _settings(str(home), args)
        embedder = make_embedder(settings)
        base = embedder.inner
        if load_s is None:  # the model loads once per process, as in the app
            load_s, _ = timed(lambda b=base: (b.embed_query("warm up"),
                                              b.embed_documents(["warm up"])))
            # A first onnx run exports the model once per machine (torch, ~1 GB for seconds);
            # that is setup, not ingest, so the ingest peak starts after it.
            peak_reset = reset_peak_rss()
        ingest_s, ingest_cpu, report = timed_cpu(run_ingest, paths, settings, embedder=embedder)
        if rss_after_first is None:
            rss_after_first = peak_rss_mb()
        gen = current_name(settings)
        assert gen is not None
        texts = [c.embed_text() for c in read_chunks(settings, gen)]
        raw_s, raw_cpu, _ = timed_cpu(base.embed_documents, texts)
        again_s, again = timed(run_ingest, paths, settings, embedder=embedder)
        runs.append({"ingest_s": ingest_s, "raw_s": raw_s, "reingest_s": again_s,
                     "ingest_cpu_s": ingest_cpu, "raw_cpu_s": raw_cpu,
                     "chunks": report.chunks_total, "embedded": report.embedded,
                     "reembedded": again.embedded, "files": len(report.files),
                     "ok_files": sum(1 for f in report.files if f.status.value == "ok")})
        if last_home is not None:
            shutil.rmtree(last_home, ignore_errors=True)
        last_home = home
    return {"runs": runs, "model_load_s": load_s, "model_id": embedder.model_id,
            "peak_rss_mb_ingest": rss_after_first, "peak_reset_after_load": peak_reset,
            "home": str(last_home)}


def langchain(args: dict[str, Any]) -> dict[str, Any]:
    """The pipeline a user would otherwise write: read the same files, split by characters,
    embed with HuggingFaceEmbeddings on the bundled model, store with Chroma.from_documents."""
    import logging

    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from ingest.walk import walk
    from tutor.embed import bundled_model_path

    logging.getLogger("chromadb").setLevel(logging.ERROR)
    files = [sf for sf in walk([Path(p) for p in args["paths"]]) if sf.path.suffix == ".md"]
    embeddings = HuggingFaceEmbeddings(
        model_name=str(bundled_model_path()), model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True, "batch_size": args["batch_size"]})
    embeddings.embed_query("warm up")
    # About the same size as our 200-word-piece chunks (~4 characters per word piece).
    splitter = RecursiveCharacterTextSplitter(chunk_size=800, chunk_overlap=130)
    runs = []
    for r in range(args["runs"]):
        folder = Path(args["work"]) / f"langchain-{r}"
        shutil.rmtree(folder, ignore_errors=True)

        def pipeline(folder: Path) -> int:
            docs = [Document(page_content=sf.path.read_text(encoding="utf-8", errors="replace"),
                             metadata={"source": sf.source}) for sf in files]
            pieces = splitter.split_documents(docs)
            Chroma.from_documents(pieces, embeddings, persist_directory=str(folder),
                                  collection_metadata={"hnsw:space": "cosine"})
            return len(pieces)

        seconds, cpu, chunks = timed_cpu(pipeline, folder)
        runs.append({"seconds": seconds, "cpu_s": cpu, "chunks": chunks, "files": len(files)})
        shutil.rmtree(folder, ignore_errors=True)
    return {"runs": runs, "peak_rss_mb": peak_rss_mb()}


def cold_app(args: dict[str, Any]) -> dict[str, Any]:
    """A new process's first answer through the library, on an existing index (timed by
    the parent, spawn to exit: evals/bench_serve.py)."""
    from tutor.service import Tutor

    tutor = Tutor(_settings(args["home"], args))
    tutor.warm_up()
    answer = tutor.ask(args["question"])
    return {"status": answer.status, "citations": len(answer.citations),
            "torch_loaded": "torch" in sys.modules}


def cold_ui(args: dict[str, Any]) -> dict[str, Any]:
    """A new process's first answer through the Streamlit app's own script, run by
    Streamlit's AppTest (no browser), a question typed into the chat box."""
    os.environ.update({"TUTOR_HOME": args["home"], "TUTOR_EMBED_BACKEND": args["backend"],
                       "TUTOR_ENCODER_DIR": args["encoder_dir"]})
    from streamlit.testing.v1 import AppTest

    import ui
    from ui import state

    app = AppTest.from_file(str(Path(ui.__file__).parent / "app.py"), default_timeout=600).run()
    app.chat_input[0].set_value(args["question"]).run()
    turns = app.session_state[state.CHAT] if state.CHAT in app.session_state else []  # noqa: SIM401 - AppTest's session state has no get()
    answer = turns[0].answer if turns else None
    return {"status": answer.status if answer else "none", "exception": bool(app.exception),
            "torch_loaded": "torch" in sys.modules}


def serve(args: dict[str, Any]) -> dict[str, Any]:
    """Peak memory of an app process that loads the index and answers questions."""
    from tutor.service import Tutor

    tutor = Tutor(_settings(args["home"], args))
    hits = 0
    for row in args["questions"]:
        answer = tutor.ask(row["question"])
        hits += hit_and_rr([c.source for c in answer.citations], row["gold"])[0]
    return {"peak_rss_mb": peak_rss_mb(), "questions": len(args["questions"]), "cited_gold": hits,
            "torch_loaded": "torch" in sys.modules}


TASKS = {"ingest": ingest, "langchain": langchain, "cold_app": cold_app, "cold_ui": cold_ui,
         "serve": serve}

if __name__ == "__main__":
    emit(TASKS[sys.argv[1]](json.loads(sys.argv[2])))
