"""Library: what is indexed, adding files, fetching AWS docs and rebuilding the index."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import streamlit as st

from tutor import prompts
from tutor.catalog import DEFAULT_NOTES_DIR
from tutor.exam import TASKS
from tutor.library import (
    UPLOAD_SUFFIXES,
    LibraryOverview,
    library_overview,
    rebuild_sources,
    report_json,
    safe_upload_name,
    save_upload,
)
from tutor.types import IngestReport
from ui import auth, resources, state
from ui.errors import message_for, show, show_error
from ui.safe_text import escape

REPORT = "library.report"
STAGES = {
    "walked": "Listed the files.",
    "chunked": "Read and split the files into passages.",
    "embedded": "Embedded the new passages.",
    "written": "Wrote the new index; switching over.",
}


def run_ingest_live(settings: Any, paths: list[Path], label: str, *, rebuild: bool = False,
                    corpus: str | None = None,
                    carry: list[tuple[str, str]] | None = None) -> None:
    """Run one ingest under a status box that follows its stages; on success keep the report
    for this session and redraw the page, on failure say why (the index is left as it was)."""
    from ingest.job import run_ingest

    batches = 0
    with st.status(label, expanded=True) as status:
        def hook(stage: str) -> None:
            nonlocal batches
            if stage == "batch":
                batches += 1
                status.update(label=f"{label} (embedding batch {batches})")
            elif stage in STAGES:
                status.write(STAGES[stage])

        try:
            report = run_ingest(paths, settings, embedder=resources.embedder(settings),
                                rebuild=rebuild, corpus=corpus, hook=hook,
                                user=auth.current_user())
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message (ui/errors.py)
            kind, text = message_for(exc, "updating the index")
            status.update(label="The index was not changed.", state="error")
            show(kind, text)
            return
        status.update(label=f"Done: {report.chunks_total} passages indexed.", state="complete",
                      expanded=False)
    st.session_state[REPORT] = report
    for kind, text in carry or []:
        state.flash(kind, text)
    state.flash("success", f"Index updated: {report.chunks_total} passages from "
                           f"{len(report.files)} files in this run.")
    st.rerun()  # redraw the overview above from the new index


def show_report(report: IngestReport) -> None:
    for warning in report.warnings:
        show("warning", warning)
    counts = ", ".join(f"{n} {s}" for s, n in sorted(report.counts().items()))
    st.markdown(f"**Last ingest:** {len(report.files)} files ({counts}); "
                f"{report.chunks_added} passages added, {report.chunks_removed} removed, "
                f"{report.embedded} embedded, {report.seconds:.1f} s.")
    st.dataframe(
        [{"File": f.path, "Status": f.status.value, "Change": f.change, "Passages": f.chunks,
          "Message": f.message or "; ".join(f.warnings)} for f in report.files],
        hide_index=True, width="stretch",
    )
    st.download_button("Download the report (JSON)", report_json(report),
                       file_name="ingest-report.json", mime="application/json",
                       key=f"library.report.json.{id(report)}")


def overview_section(ov: LibraryOverview) -> None:
    if ov.error:
        show("error", prompts.INDEX_DAMAGED.format(detail=ov.error.rstrip(".")))
        return
    if not ov.indexed:
        st.info(prompts.UI_LIBRARY_EMPTY)
        return
    cols = st.columns(4)
    cols[0].metric("Documents", ov.documents)
    cols[1].metric("Passages", ov.chunks)
    cols[2].metric("Vectors", f"{ov.dim}-d")
    cols[3].metric("Updated", datetime.fromtimestamp(ov.created or 0).strftime("%d %b %H:%M"),
                   help="When the index in use was built.")
    st.caption(escape(f"Embedding model: {ov.model} · index: {ov.backend} · generation "
                      f"{ov.generation}"))
    st.caption(escape("Passages by source set: " + ", ".join(f"{k} {v}" for k, v in
                                                             sorted(ov.chunks_by_corpus.items()))
                      + " · files by status: " + ", ".join(f"{k} {v}" for k, v in
                                                           sorted(ov.statuses.items()))))
    with st.expander(f"All {ov.documents} files"):
        st.dataframe([{"File": f.source, "Set": f.corpus, "Status": f.status.value,
                       "Passages": f.chunks, "Message": f.message} for f in ov.files],
                     hide_index=True, width="stretch")


def upload_section(settings: Any) -> None:
    st.subheader("Add your own files")
    files = st.file_uploader(
        f"PDF, Markdown, HTML or text, up to {settings.max_file_mb:g} MB each",
        type=list(UPLOAD_SUFFIXES), accept_multiple_files=True, key="library.upload",
        max_upload_size=max(1, int(settings.max_file_mb)),
    )
    if not st.button("Add to the library", key="library.add", disabled=not files):
        return
    saved = 0
    problems: list[tuple[str, str]] = []
    for f in files or []:
        try:
            path = save_upload(settings, f.name, f.getvalue(), user=auth.current_user())
            saved += 1
            if path.name != safe_upload_name(f.name):
                # Escaped whole: these messages quote a file name, shown as it was given.
                problems.append(("info", escape(prompts.UI_UPLOAD_RENAMED.format(
                    name=f.name, saved=path.name))))
                show(*problems[-1])
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
            kind, text = message_for(exc, f"saving {f.name}")
            problems.append((kind, escape(text)))
            show(*problems[-1])
    if saved:
        run_ingest_live(settings, [settings.uploads_dir], f"Adding {saved} file(s)…",
                        corpus="uploads", carry=problems)


def maintenance_section(settings: Any, ov: LibraryOverview) -> None:
    st.subheader("Maintenance")
    cols = st.columns(2)
    if cols[0].button("Index the shipped study notes", key="library.notes",
                      disabled=ov.indexed and ov.error is None
                      and "notes" in ov.chunks_by_corpus):
        run_ingest_live(settings, [DEFAULT_NOTES_DIR], "Indexing the study notes…")
    confirm = cols[1].checkbox("I want to re-embed everything", key="library.rebuild_ok")
    if cols[1].button("Rebuild the index", key="library.rebuild", disabled=not confirm):
        sources = rebuild_sources(settings)
        run_ingest_live(settings, sources, f"Rebuilding from {len(sources)} folder(s)…",
                        rebuild=True)


def docs_section(settings: Any) -> None:
    """Fetch the curated AWS documentation pages (or copy them from a local folder), then
    index them; the index is only touched once the pages are in the cache."""
    from ingest.docs import fetch_docs, load_manifest, select_pages

    st.subheader("AWS documentation")
    try:
        manifest = load_manifest()
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message (ui/errors.py)
        show_error(exc, "reading the documentation list")
        return
    titles = {g.id: g.title for g in manifest.guides}
    st.caption(f"{len(manifest.pages())} curated pages from {len(titles)} guides. Downloading "
               "needs a network connection; a local copy laid out as guide/page.md works offline.")
    guides = st.multiselect("Guides", list(titles), format_func=lambda g: titles[g],
                            key="library.docs.guides", placeholder="All guides")
    tasks = st.multiselect("Only pages for these task statements", list(TASKS),
                           key="library.docs.tasks", placeholder="All task statements")
    folder = st.text_input("Copy from a local folder instead (optional)",
                           key="library.docs.folder").strip()
    if not st.button("Fetch and index", key="library.docs.fetch"):
        return
    bar = st.progress(0.0, text="Fetching pages…")

    def progress(n: int, total: int) -> None:
        bar.progress(n / max(total, 1), text=f"Page {n} of {total}")

    try:
        pages = select_pages(manifest, guides=guides, tasks=tasks)
        with st.spinner("Fetching and indexing the pages…"):
            report = fetch_docs(settings, pages, manifest=manifest,
                                source_dir=Path(folder).expanduser() if folder else None,
                                embedder=resources.embedder(settings), progress=progress,
                                user=auth.current_user())
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message (ui/errors.py)
        bar.empty()
        show_error(exc, "fetching the documentation")
        return
    counts = ", ".join(f"{n} {s}" for s, n in sorted(report.counts().items()))
    state.flash("success", f"AWS documentation: {counts}.")
    if report.ingest is not None:
        st.session_state[REPORT] = report.ingest
    st.rerun()


def main() -> None:
    st.title("Library")
    settings = resources.page_settings()
    if settings is None:
        return
    if not auth.admin_only(settings, "manage the library"):
        return
    ov = library_overview(settings)
    overview_section(ov)
    upload_section(settings)
    docs_section(settings)
    maintenance_section(settings, ov)
    report = st.session_state.get(REPORT) or ov.last_report
    if report is not None:
        st.subheader("Ingest report")
        show_report(report)


main()
