"""The shipped study corpus: coverage of the exam guide, valid front-matter, original wording,
catalog links, and a named source for every number with a unit."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from tests.conftest import AWS_DOCS, NOTES, REPO
from tutor.catalog import Catalog, load_catalog
from tutor.currency import paragraphs
from tutor.exam import TASK_SCOPES, TASKS

FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)
LINK = re.compile(r"\]\(catalog:([^)\s]*)\)")
URL = re.compile(r"https?://\S+")
WORD = re.compile(r"[a-z0-9]+")
SHINGLE = 12
# A number with a unit of size or time: "6 MB", "60-second", "1,024 MB", "365 days".
NUMBER_WITH_UNIT = re.compile(
    r"\b\d[\d,.]*(?:\s|-)?(?:KB|MB|GB|TB|KiB|MiB|GiB|seconds?|minutes?|hours?|days?)\b")
# Scenario wording in quotes ("check every 10 minutes") and code (`rate(7 days)`) state no
# fact about a service, so they need no source.
QUOTED = re.compile(r'"[^"\n]*"|“[^”\n]*”|`[^`\n]*`')

NOTE_FILES = sorted(NOTES.rglob("*.md"))
TASK_NOTES = [p for p in NOTE_FILES if p.parent.name != "general"]


def _split(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    m = FRONT.match(text)
    assert m, f"{path.name}: no front-matter block"
    front = yaml.safe_load(m.group(1))
    assert isinstance(front, dict), f"{path.name}: front-matter is not a mapping"
    return front, text[m.end():]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_notes_exist() -> None:
    assert len(NOTE_FILES) >= len(TASKS)


def test_every_task_statement_has_notes() -> None:
    covered: dict[str, list[str]] = {t: [] for t in TASKS}
    for path in TASK_NOTES:
        front, _ = _split(path)
        covered.setdefault(str(front.get("task")), []).append(path.name)
    missing = [t for t in TASKS if not covered[t]]
    assert not missing, f"task statements without notes: {missing}"
    assert set(TASK_SCOPES) == set(TASKS)


@pytest.mark.parametrize("path", NOTE_FILES, ids=lambda p: p.name)
def test_note_front_matter_is_valid(path: Path, catalog: Catalog) -> None:
    front, body = _split(path)
    assert isinstance(front.get("title"), str) and front["title"].strip(), "title must be text"
    if path.parent.name == "general":  # the exam itself, SageMaker's names: no task statement
        assert "domain" not in front and "task" not in front, "general notes have no task"
        assert all(s in catalog.by_id for s in front.get("services") or []), "unknown services"
        assert body.strip(), "the note has no body"
        return
    domain = front.get("domain")
    assert isinstance(domain, int) and not isinstance(domain, bool), "domain must be an integer"
    assert path.parent.name == f"domain-{domain}", "domain must match the folder"
    task = front.get("task")
    assert isinstance(task, str), "task must be quoted text such as \"3.1\""
    assert task in TASKS and task.startswith(f"{domain}."), f"task {task} not in domain {domain}"
    assert path.name.startswith(f"{task}-"), "file name starts with its task"
    services = front.get("services")
    assert isinstance(services, list) and services, "services must be a non-empty list"
    unknown = [s for s in services if s not in catalog.by_id]
    assert not unknown, f"services not in the catalog: {unknown}"
    assert body.strip(), "the note has no body"


def test_catalog_covers_every_service_the_notes_name(catalog: Catalog) -> None:
    """Front-matter ids and catalog: links resolve, every note links into the catalog, and
    every service a note lists in its front-matter is linked somewhere in its body."""
    problems: list[str] = []
    for path in NOTE_FILES:
        front, body = _split(path)
        links = LINK.findall(body)
        if not links:
            problems.append(f"{path.name}: no catalog: link")
        problems += [f"{path.name}: dangling link catalog:{i}" for i in links
                     if i not in catalog.by_id]
        problems += [f"{path.name}: lists {s} but never links it" for s in front["services"]
                     if s not in links]
    assert not problems, "\n".join(problems)
    assert not catalog.problems()


def test_every_catalog_entry_links_its_documentation(catalog: Catalog) -> None:
    missing = [s.id for s in catalog.services
               if not (s.docs or "").startswith("https://docs.aws.amazon.com/")]
    assert not missing, f"catalog entries without a docs URL: {missing}"


def _shingles(text: str) -> set[str]:
    # URLs are facts, not prose: a long docs URL alone makes twelve "words".
    words = WORD.findall(URL.sub(" ", text.lower()))
    return {" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


@lru_cache(maxsize=1)
def _reference_shingles() -> frozenset[str]:
    out: set[str] = set()
    for page in AWS_DOCS.rglob("*.md"):
        out |= _shingles(page.read_text(encoding="utf-8", errors="replace"))
    return frozenset(out)


def test_no_twelve_word_run_shared_with_the_aws_docs() -> None:
    """Our prose (notes, catalog, task scopes, corpus docs) shares no 12-word run with the
    AWS documentation copy. URLs are stripped from both sides before comparing."""
    if not AWS_DOCS.is_dir():
        pytest.skip(f"{AWS_DOCS} is not present")
    reference = _reference_shingles()
    assert len(reference) > 100_000  # the reference really was read
    corpus = REPO / "corpus"
    ours = [*NOTE_FILES, *sorted(corpus.glob("cards/*.yaml")), *sorted(corpus.glob("items/*.yaml")),
            corpus / "services.yaml", corpus / "aws_docs.yaml", corpus / "README.md",
            REPO / "tutor" / "exam.py", REPO / "README.md"]
    shared = {p.relative_to(REPO).as_posix(): sorted(_shingles(p.read_text(encoding="utf-8"))
                                                     & reference)[:3]
              for p in ours}
    shared = {k: v for k, v in shared.items() if v}
    assert not shared, f"12-word runs copied from the AWS docs: {shared}"


def test_shingle_check_catches_a_copied_sentence(tmp_path: Path) -> None:
    """The check above can fail: a sentence lifted from a page is found."""
    if not AWS_DOCS.is_dir():
        pytest.skip(f"{AWS_DOCS} is not present")
    page = (AWS_DOCS / "sagemaker" / "async-inference.md").read_text(encoding="utf-8")
    copied = " ".join(WORD.findall(page.lower())[40:60])
    assert _shingles(f"Our own words first. {copied}") & _reference_shingles()


def unsourced_numbers(body: str) -> list[str]:
    """Paragraphs that state a number with a unit but name no source page ("source:")."""
    bad = []
    for para, following in paragraphs(body):
        if not NUMBER_WITH_UNIT.search(QUOTED.sub(" ", para)):
            continue
        sourced = "source:" in para.lower() or (
            following is not None and following.lstrip().lower().startswith("(source:"))
        if not sourced:
            bad.append(para.strip())
    return bad


def test_source_rule_flags_a_bare_number() -> None:
    body = ("Serverless endpoints accept 4 MB payloads.\n\n"
            "Real-time endpoints accept 6 MB (source: SageMaker Developer Guide, 'Supported "
            "features' page).\n\n- A trap about a \"10 minutes\" requirement.\n"
            "- The 60-second limit bites.\n\n| a | 1 GB |\n\n(source: a page)\n")
    assert unsourced_numbers(body) == ["Serverless endpoints accept 4 MB payloads.",
                                       "- The 60-second limit bites."]


def test_numbers_with_units_name_their_source_page() -> None:
    counted = 0
    problems: list[str] = []
    for path in NOTE_FILES:
        _, body = _split(path)
        counted += sum(bool(NUMBER_WITH_UNIT.search(QUOTED.sub(" ", p)))
                       for p, _ in paragraphs(body))
        problems += [f"{path.name}: {p[:120]}" for p in unsourced_numbers(body)]
    print(f"\n{counted} paragraphs state a number with a unit; {len(problems)} name no source")
    assert counted > 20
    assert not problems, "\n".join(problems)
