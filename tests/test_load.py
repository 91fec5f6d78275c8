"""Loaders: Markdown front-matter and headings, HTML structure, AWS-docs anchors and escapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.errors import LoadError
from tutor.load import load_file

AWS_DOCS = Path(__file__).resolve().parents[2] / "shared" / "aws-docs"


def test_front_matter_tags_and_catalog_links(tmp_path: Path) -> None:
    p = tmp_path / "n.md"
    p.write_text('---\ntitle: Inference options\ndomain: 3\ntask: "3.1"\nservices: [a, b]\n---\n'
                 "# Heading\n\nUse [Async Inference](catalog:sagemaker-async-inference) for big "
                 "payloads. ![diagram](x.png)\n")
    doc = load_file(p, "n.md")
    assert (doc.title, doc.domain, doc.task, doc.services) == (
        "Inference options", 3, "3.1", ["a", "b"])
    text = doc.sections[0].text
    assert "Use Async Inference for big payloads." in text
    assert "catalog:" not in text and "diagram" not in text


def test_invalid_tags_are_dropped_with_a_warning(tmp_path: Path) -> None:
    p = tmp_path / "n.md"
    p.write_text("---\ndomain: 7\ntask: banana\n---\nSome body text.\n")
    doc = load_file(p, "n.md")
    assert doc.domain is None and doc.task is None
    assert any("task" in w for w in doc.warnings) and any("domain" in w for w in doc.warnings)


def test_code_fences_do_not_start_sections(tmp_path: Path) -> None:
    p = tmp_path / "c.md"
    p.write_text("# Title\n\nText.\n\n```bash\n# not a heading\necho hi\n```\n\n## Real\n\nMore.\n")
    doc = load_file(p, "c.md")
    assert [s.heading_path for s in doc.sections] == [["Title"], ["Title", "Real"]]
    assert "# not a heading" in doc.sections[0].text


def test_html_headings_title_and_scripts(tmp_path: Path) -> None:
    p = tmp_path / "page.html"
    p.write_text("<html><head><title>Feature Store</title><style>p{}</style></head><body>"
                 "<h1>Feature Store</h1><p>Online store serves low latency reads.</p>"
                 "<script>alert('x')</script><h2>Offline store</h2><p>Keeps history in S3.</p>"
                 "</body></html>")
    doc = load_file(p, "page.html")
    assert doc.title == "Feature Store"
    assert [s.heading_path for s in doc.sections] == [["Feature Store"],
                                                      ["Feature Store", "Offline store"]]
    joined = " ".join(s.text for s in doc.sections)
    assert "alert" not in joined and "p{}" not in joined
    assert "Keeps history in S3." in joined


@pytest.mark.skipif(not AWS_DOCS.is_dir(), reason="../shared/aws-docs not present")
def test_aws_docs_escapes_anchors_and_url(tmp_path: Path) -> None:
    src = AWS_DOCS / "sagemaker" / "async-inference.md"
    doc = load_file(src, "sagemaker/async-inference.md",
                    meta={"url": "https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference.html"})
    assert doc.title == "Asynchronous inference"
    assert doc.url.endswith("async-inference.html")
    text = " ".join(s.text for s in doc.sections)
    assert "\\." not in text and "\\-" not in text and "<a name" not in text
    assert any(s.anchor == "async-inference-how-it-works" for s in doc.sections)


def test_unsupported_and_empty(tmp_path: Path) -> None:
    (tmp_path / "x.docx").write_bytes(b"PK")
    (tmp_path / "e.md").write_text("   \n\n")
    with pytest.raises(LoadError) as e1:
        load_file(tmp_path / "x.docx", "x.docx")
    assert e1.value.status == "unsupported"
    with pytest.raises(LoadError) as e2:
        load_file(tmp_path / "e.md", "e.md")
    assert e2.value.status == "empty"
