"""Library functions behind the app: escaping, follow-up suggestions, uploads, saved settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tutor import prompts
from tutor.errors import ConfigError, InputError
from tutor.types import Answer, Citation

# ---- showing untrusted text --------------------------------------------------------------

def test_answer_markdown_keeps_markers_and_neutralises_markup():
    from ui.safe_text import answer_markdown, escape, quote_markdown

    hostile = ("See [here](javascript:alert(1)) <img src=x onerror=alert(1)> for $5 or $6, "
               "[the guide](https://docs.aws.amazon.com/sagemaker/) and [2]")
    rendered = answer_markdown(hostile)
    assert rendered.endswith("**\\[2\\]**")
    assert "<img" not in rendered  # no raw HTML
    assert re.search(r"(?<!\\)\$", rendered) is None  # no LaTeX between dollar signs
    links = re.findall(r"(?<!\\)\[([^\]]*)\]\(([^)]*)\)", rendered)
    assert links == [("the guide", "https://docs.aws.amazon.com/sagemaker/")]  # allowed host only
    assert escape("a_b*c") == "a\\_b\\*c"
    assert quote_markdown("line <b>one</b>\n\nline two") == "> line &lt;b>one&lt;/b>\n> line two"


def test_streamed_pieces_cannot_join_into_markup():
    from ui.safe_text import escape

    pieces = ["x\\", "[lab", "el](javascript:alert(1))", "<im", "g src=x>"]
    joined = "".join(escape(p) for p in pieces)
    assert re.search(r"(?<!\\)[\[\]()<>]", joined.replace("\\\\", "")) is None


@pytest.mark.parametrize("url, safe", [
    ("https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference.html", True),
    ("http://example.com/x", True),
    ("javascript:alert(1)", False),
    ("data:text/html;base64,xx", False),
    ("//evil.example/x", False),
    ("", False),
    (None, False),
])
def test_only_http_links_are_offered(url, safe):
    from ui.safe_text import safe_url

    assert (safe_url(url) is not None) is safe


# ---- follow-up questions -----------------------------------------------------------------

def _cite(n: int, heading: str, passage: str) -> Citation:
    return Citation(n=n, chunk_id=f"c{n}", source="domain-4/4.1.md", title="Monitoring",
                    heading=heading, quote=passage.split(".")[0], passage=passage)


def test_followups_come_from_catalog_neighbours_and_cited_headings():
    from tutor.answer.followups import suggest_followups
    from tutor.catalog import load_catalog

    catalog = load_catalog()
    answer = Answer(
        question="What does Amazon SageMaker Model Monitor check?",
        text="It compares captured traffic with a baseline. [1]",
        citations=[
            _cite(1, "Monitoring > Data quality baselines",
                  "Model Monitor compares captured traffic with a baseline. Alarms go to "
                  "Amazon CloudWatch."),
        ],
    )
    got = suggest_followups(answer, catalog, limit=3)
    monitor = catalog.get("sagemaker-model-monitor")
    rivals = {catalog.get(r).label for r in monitor.confused_with}
    assert len(got) == 3 and len(set(got)) == 3
    compare = got[0]
    assert compare.startswith(f"How does {monitor.label} differ from ")
    # CloudWatch is both a confusable neighbour and named by the cited passage, so it wins.
    assert compare == prompts.FOLLOWUP_COMPARE.format(a=monitor.label,
                                                      b=catalog.get("cloudwatch").label)
    assert compare.split(" from ")[1].rstrip("?") in rivals
    assert prompts.FOLLOWUP_SERVICE.format(name=catalog.get("cloudwatch").label) in got
    assert prompts.FOLLOWUP_HEADING.format(heading="Data quality baselines") in got


def test_no_followups_without_citations():
    from tutor.answer.followups import suggest_followups
    from tutor.catalog import load_catalog

    answer = Answer(question="What is Amazon S3?", text=prompts.NOT_FOUND, status="not_found")
    assert suggest_followups(answer, load_catalog()) == []


# ---- uploads -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("notes.md", "notes.md"),
    ("../../etc/cron.d/evil.md", "evil.md"),
    ("/abs/path/guide.pdf", "guide.pdf"),
    ("..\\..\\windows\\page.html", "page.html"),
    (".hidden.md", "hidden.md"),
    ("my notes (v2).md", "my notes _v2_.md"),
])
def test_upload_names_are_reduced_to_one_safe_component(name, expected):
    from tutor.library import safe_upload_name

    assert safe_upload_name(name) == expected


@pytest.mark.parametrize("name", ["..", "../", "/", ".md", "payload.exe", "noextension"])
def test_unusable_upload_names_are_refused(name):
    from tutor.library import safe_upload_name

    with pytest.raises(InputError):
        safe_upload_name(name)


def test_uploads_never_write_outside_the_uploads_folder(settings, tmp_path: Path):
    from tutor.library import save_upload

    outside = settings.home / "evil.md"
    saved = save_upload(settings, "../evil.md", b"# Title\n\nText.\n")
    assert saved.parent == settings.uploads_dir.resolve()
    assert saved.read_bytes() == b"# Title\n\nText.\n"
    assert not outside.exists()
    assert sorted(p.name for p in settings.home.rglob("*")
                  if p.is_file() and not p.name.startswith(".")) == ["evil.md"]


def test_oversized_upload_is_refused_and_nothing_written(tmp_path: Path):
    from tutor.config import load_settings
    from tutor.library import save_upload

    small = load_settings(home=tmp_path / "h", max_file_mb=0.001)
    with pytest.raises(InputError, match="limit"):
        save_upload(small, "big.md", b"x" * 2048)
    assert not small.uploads_dir.exists() or not any(small.uploads_dir.iterdir())


def test_rebuild_sources_follow_the_index_or_fall_back(settings, hash_embedder, tmp_path):
    from ingest.job import run_ingest
    from tutor.catalog import DEFAULT_NOTES_DIR
    from tutor.library import library_overview, rebuild_sources

    # nothing indexed yet: the shipped notes and concept cards
    assert rebuild_sources(settings) == [DEFAULT_NOTES_DIR, DEFAULT_NOTES_DIR.parent / "cards"]
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "a.md").write_text("# Alpha\n\nAmazon S3 stores objects in buckets.\n")
    run_ingest([folder], settings, embedder=hash_embedder)
    assert rebuild_sources(settings) == [folder.resolve()]
    ov = library_overview(settings)
    assert ov.indexed and ov.documents == 1 and ov.chunks >= 1
    assert [f.source for f in ov.files] == ["a.md"]
    assert ov.last_report is not None and ov.last_report.chunks_total == ov.chunks


# ---- saved settings ----------------------------------------------------------------------

def test_settings_are_validated_before_they_are_saved(settings):
    from tutor.config import load_settings
    from tutor.config_file import config_path, save_settings

    saved = save_settings({"llm_provider": "ollama", "llm_model": "llama3.2", "k": 5},
                          settings.home)
    assert (saved.llm_provider, saved.llm_model, saved.k) == ("ollama", "llama3.2", 5)
    path = config_path(settings.home)
    before = path.read_text()
    with pytest.raises(ConfigError, match="k"):
        save_settings({"k": 0}, settings.home)
    assert path.read_text() == before
    assert load_settings().llm_model == "llama3.2"  # the app reads the file back
    save_settings({"llm_model": None}, settings.home)
    assert load_settings().llm_model is None


def test_secrets_are_never_written(settings):
    from tutor.config_file import config_path, save_settings

    with pytest.raises(ConfigError, match="environment"):
        save_settings({"llm_api_key": "sk-should-not-be-stored"}, settings.home)
    assert not config_path(settings.home).exists()
