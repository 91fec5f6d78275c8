"""AWS documentation on demand: fetch the pages named in corpus/aws_docs.yaml and ingest them.

Pages are cached under ``settings.docs_dir`` ($TUTOR_HOME/docs) as ``<guide>/<slug>.html``
(downloaded) or ``<guide>/<slug>.md`` (copied from a local folder with the same slugs), with
a ``manifest.jsonl`` beside them that maps each cached file to its URL and title; the ingest
walker reads that file, so every chunk carries the page URL and citations link to it. The
index is only touched after all fetching is done, through the normal ingest job, so a fetch
that cannot reach the network leaves the index exactly as it was.

httpx is imported here only.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from tutor import prompts, yaml_text
from tutor.auth.access import User, require_admin
from tutor.config import Settings
from tutor.embed import Embedder
from tutor.errors import TutorError
from tutor.types import IngestReport

DEFAULT_MANIFEST = Path(__file__).resolve().parents[1] / "corpus" / "aws_docs.yaml"
CORPUS_NAME = "aws-docs"
USER_AGENT = ("mla-tutor/0.1 (offline study tutor; fetches a curated list of AWS "
              "documentation pages once and caches them)")
TIMEOUT_SECONDS = 15.0
DELAY_SECONDS = 0.25  # pause between requests: a few hundred pages, one at a time


class DocsError(TutorError):
    """The docs manifest is unusable, a selection names no page, or the network failed."""


class DocPage(BaseModel):
    path: str = Field(pattern=r"^[a-z0-9-]+/[^/]+\.md$",
                      description="guide-folder/slug.md, as in a local copy of the docs.")
    title: str = Field("", description="Page title; when empty the page's own heading is used.")
    url: str = Field("", pattern=r"^(https?://.*)?$",
                     description="Empty: the guide's url_base + slug + '.html'.")
    tasks: list[str] = Field(default_factory=list)

    @field_validator("tasks", mode="before")
    @classmethod
    def _tasks_as_text(cls, value: object) -> object:
        return [str(v) for v in value] if isinstance(value, list) else value

    @property
    def guide(self) -> str:
        return self.path.split("/", 1)[0]

    @property
    def stem(self) -> str:
        """guide/slug without the extension: the cache name before the suffix."""
        return self.path.removesuffix(".md")


class DocGuide(BaseModel):
    id: str
    title: str
    url_base: str
    license: str
    license_note: str | None = None
    repository: str | None = None
    pages: list[DocPage]

    @model_validator(mode="after")
    def _page_urls(self) -> DocGuide:
        # The manifest stores slugs, not URLs: a page's URL is the guide's base plus its slug.
        for page in self.pages:
            if not page.url:
                page.url = f"{self.url_base}{Path(page.path).stem}.html"
        return self


class DocsManifest(BaseModel):
    version: int = 1
    guides: list[DocGuide]

    def pages(self) -> list[DocPage]:
        return [p for g in self.guides for p in g.pages]


def load_manifest(path: Path | str | None = None) -> DocsManifest:
    """Read and validate a docs manifest (default: the shipped corpus/aws_docs.yaml)."""
    target = Path(path) if path is not None else DEFAULT_MANIFEST
    try:
        raw = yaml_text.safe_load(target.read_text(encoding="utf-8"))
        return DocsManifest.model_validate(raw)
    except FileNotFoundError as exc:
        raise DocsError(prompts.DOCS_NO_MANIFEST.format(path=target)) from exc
    except (yaml.YAMLError, ValidationError) as exc:
        raise DocsError(prompts.DOCS_BAD_MANIFEST.format(path=target, detail=exc)) from exc


def select_pages(manifest: DocsManifest, *, only: Iterable[str] = (),
                 guides: Iterable[str] = (), tasks: Iterable[str] = ()) -> list[DocPage]:
    """Pages matching every given filter; all pages when none is given.

    ``only`` takes page paths with or without ``.md`` ("sagemaker/async-inference"),
    ``guides`` guide ids ("firehose"), ``tasks`` task statements ("3.1"). An unknown page or
    guide is a DocsError, so a typo never silently fetches nothing.
    """
    pages = manifest.pages()
    wanted = {w.strip().removesuffix(".md") for w in only if w.strip()}
    known = {p.stem for p in pages}
    if unknown := sorted(wanted - known):
        raise DocsError(prompts.DOCS_UNKNOWN_PAGES.format(names=", ".join(unknown)))
    guide_ids = {g.strip() for g in guides if g.strip()}
    if unknown := sorted(guide_ids - {g.id for g in manifest.guides}):
        raise DocsError(prompts.DOCS_UNKNOWN_GUIDES.format(
            names=", ".join(unknown), known=", ".join(g.id for g in manifest.guides)))
    task_ids = {t.strip() for t in tasks if t.strip()}
    chosen = [p for p in pages
              if (not wanted or p.stem in wanted) and (not guide_ids or p.guide in guide_ids)
              and (not task_ids or task_ids & set(p.tasks))]
    if not chosen:
        raise DocsError(prompts.DOCS_NOTHING_SELECTED)
    return chosen


PageStatus = Literal["fetched", "cached", "copied", "missing", "failed"]


class PageResult(BaseModel):
    path: str = Field(description="Cached file, relative to the docs folder.")
    url: str
    status: PageStatus
    message: str | None = None


class FetchReport(BaseModel):
    """What a docs fetch did: one line per page, then the ingest report (if it ran)."""

    docs_dir: str
    pages: list[PageResult] = Field(default_factory=list)
    ingest: IngestReport | None = None

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in self.pages:
            out[p.status] = out.get(p.status, 0) + 1
        return out

    @property
    def usable(self) -> int:
        return sum(p.status in ("fetched", "cached", "copied") for p in self.pages)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")  # hidden, so an ingest never walks it
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _cached(docs_dir: Path, page: DocPage) -> Path | None:
    for suffix in (".html", ".md"):
        candidate = docs_dir / f"{page.stem}{suffix}"
        if candidate.is_file() and candidate.stat().st_size > 0:
            return candidate
    return None


def _store(docs_dir: Path, page: DocPage, suffix: str, data: bytes) -> str:
    """Write one page to the cache, dropping the other format's copy of the same page."""
    rel = f"{page.stem}{suffix}"
    _write_atomic(docs_dir / rel, data)
    other = docs_dir / f"{page.stem}{'.md' if suffix == '.html' else '.html'}"
    other.unlink(missing_ok=True)
    return rel


def copy_pages(pages: list[DocPage], source_dir: Path, docs_dir: Path) -> list[PageResult]:
    """Copy pages from a local folder laid out as guide/slug.md into the cache."""
    if not source_dir.is_dir():
        raise DocsError(prompts.DOCS_NO_FOLDER.format(path=source_dir))
    results: list[PageResult] = []
    for page in pages:
        src = source_dir / page.path
        if not src.is_file():
            results.append(PageResult(path=page.path, url=page.url, status="missing",
                                      message=prompts.DOCS_NOT_IN_FOLDER.format(path=src)))
            continue
        rel = _store(docs_dir, page, ".md", src.read_bytes())
        results.append(PageResult(path=rel, url=page.url, status="copied"))
    return results


def download_pages(pages: list[DocPage], docs_dir: Path, *, refresh: bool = False,
                   timeout: float = TIMEOUT_SECONDS, delay: float = DELAY_SECONDS,
                   max_bytes: int = 20 * 2**20,
                   progress: Callable[[int, int], None] | None = None) -> list[PageResult]:
    """Download pages over HTTP(S) into the cache; pages already cached are kept unless
    ``refresh``. A page the server refuses (404, 500) is reported and skipped; a network
    failure (no route, DNS, timeout) stops the whole run with DocsError, since every later
    request would fail the same way.
    """
    import httpx

    results: list[PageResult] = []
    requested = False
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html"}
    with httpx.Client(headers=headers, timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
                      follow_redirects=True) as client:
        for n, page in enumerate(pages, 1):
            if progress:
                progress(n, len(pages))
            cached = None if refresh else _cached(docs_dir, page)
            if cached is not None:
                results.append(PageResult(path=cached.relative_to(docs_dir).as_posix(),
                                          url=page.url, status="cached"))
                continue
            if requested and delay > 0:
                time.sleep(delay)
            requested = True
            try:
                response = client.get(page.url)
            except httpx.TransportError as exc:
                done = sum(r.status == "fetched" for r in results)
                raise DocsError(prompts.DOCS_OFFLINE.format(
                    url=page.url, detail=f"{type(exc).__name__}: {exc}" if str(exc)
                    else type(exc).__name__, done=done)) from exc
            problem = _response_problem(response, max_bytes)
            if problem:
                results.append(PageResult(path=page.path, url=page.url, status="failed",
                                          message=problem))
                continue
            rel = _store(docs_dir, page, ".html", response.content)
            results.append(PageResult(path=rel, url=page.url, status="fetched"))
    return results


def _response_problem(response, max_bytes: int) -> str | None:
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    kind = response.headers.get("content-type", "")
    if "html" not in kind:
        return f"expected an HTML page, got '{kind or 'no content type'}'"
    if len(response.content) > max_bytes:
        return f"page is larger than {max_bytes // 2**20} MB"
    if not response.content.strip():
        return "empty page"
    return None


def write_url_manifest(docs_dir: Path, manifest: DocsManifest) -> int:
    """(Re)write docs_dir/manifest.jsonl for every cached page of ``manifest``; return rows.

    Covering every cached page, not only this run's, keeps URLs on pages fetched earlier;
    rows of an earlier manifest whose file is still cached are kept as well.
    """
    from ingest.walk import read_url_manifest

    rows = {path: row for path, row in read_url_manifest(docs_dir).items()
            if (docs_dir / path).is_file()}
    for page in manifest.pages():
        cached = _cached(docs_dir, page)
        if cached is None:
            continue
        rel = cached.relative_to(docs_dir).as_posix()
        rows[rel] = {"path": rel, "url": page.url, "title": page.title, "tasks": page.tasks}
    docs_dir.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(rows[k], ensure_ascii=False) + "\n" for k in sorted(rows))
    _write_atomic(docs_dir / "manifest.jsonl", text.encode("utf-8"))
    return len(rows)


def fetch_docs(settings: Settings, pages: list[DocPage], *, manifest: DocsManifest,
               source_dir: Path | None = None, refresh: bool = False, ingest: bool = True,
               embedder: Embedder | None = None, timeout: float = TIMEOUT_SECONDS,
               delay: float = DELAY_SECONDS, show_progress: bool = False,
               progress: Callable[[int, int], None] | None = None,
               user: User | None = None) -> FetchReport:
    """Fetch (or copy from ``source_dir``) the pages, then ingest the docs cache.

    Raises DocsError before the index is touched when the network fails or no page could be
    obtained. The ingest covers every page in the cache, so pages fetched by earlier runs
    stay indexed. In team mode only an admin ``user`` may (AccessDeniedError).
    """
    require_admin(settings, user, "fetch documentation into the library")
    docs_dir = settings.docs_dir
    if source_dir is not None:
        results = copy_pages(pages, source_dir, docs_dir)
    else:
        results = download_pages(pages, docs_dir, refresh=refresh, timeout=timeout,
                                 delay=delay, max_bytes=int(settings.max_file_mb * 2**20),
                                 progress=progress)
    report = FetchReport(docs_dir=str(docs_dir), pages=results)
    if report.usable == 0:
        raise DocsError(prompts.DOCS_NOTHING_FETCHED.format(counts=report.counts()))
    write_url_manifest(docs_dir, manifest)
    if ingest:
        from ingest.job import run_ingest

        report.ingest = run_ingest([docs_dir], settings, embedder=embedder, corpus=CORPUS_NAME,
                                   show_progress=show_progress, user=user)
    return report
