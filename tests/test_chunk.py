"""Chunking: headings first, then size in the encoder's own word pieces."""

from __future__ import annotations

from pathlib import Path

from tutor.chunk import Chunker, split_sentences
from tutor.load import load_file
from tutor.testing import whitespace_counter

NOTES = Path(__file__).resolve().parents[1] / "corpus" / "notes"


def _doc(tmp_path: Path, text: str, name: str = "doc.md"):
    p = tmp_path / name
    p.write_text(text)
    return load_file(p, name)


def test_headings_become_heading_paths(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "# Guide\n\nIntro text here.\n\n## Part A\n\nAlpha text.\n\n"
               "### Sub\n\nBeta.\n"
                         "\n## Part B\n\nGamma text.\n")
    chunks = Chunker(whitespace_counter, 50, 5).chunk(doc)
    paths = [c.heading_path for c in chunks]
    assert paths == [["Guide"], ["Guide", "Part A"], ["Guide", "Part A", "Sub"],
                     ["Guide", "Part B"]]
    assert chunks[2].heading == "Part A > Sub"


def test_long_section_is_split_within_budget_with_overlap(tmp_path: Path) -> None:
    sentences = [f"Sentence number {i} talks about topic {i}." for i in range(60)]
    doc = _doc(tmp_path, "# T\n\n" + " ".join(sentences) + "\n")
    chunker = Chunker(whitespace_counter, 40, 8)
    chunks = chunker.chunk(doc)
    assert len(chunks) > 3
    for c in chunks:
        assert whitespace_counter([c.embed_text()])[0] <= 40 + 1
    # consecutive chunks share their boundary sentence(s)
    shared = set(split_sentences(chunks[0].text)) & set(split_sentences(chunks[1].text))
    assert shared
    joined = " ".join(c.text for c in chunks)
    assert all(s in joined for s in sentences), "no text may be lost"


def test_ids_come_from_content_and_position(tmp_path: Path) -> None:
    chunker = Chunker(whitespace_counter, 50, 5)
    a = chunker.chunk(_doc(tmp_path, "# T\n\nSame text.\n\n## B\n\nOther.\n"))
    b = chunker.chunk(_doc(tmp_path, "# T\n\nSame text.\n\n## B\n\nOther.\n"))
    assert [c.id for c in a] == [c.id for c in b]
    c = chunker.chunk(_doc(tmp_path, "# T\n\nSame text.\n\n## B\n\nChanged.\n"))
    assert a[0].id == c[0].id and a[1].id != c[1].id


def test_real_tokenizer_keeps_every_chunk_inside_minilm_window(minilm_base) -> None:
    """MiniLM silently drops word pieces past 256; no chunk of the notes may exceed it."""
    chunker = Chunker(minilm_base.count_tokens, 200, 32, window=minilm_base.window)
    files = sorted(NOTES.rglob("*.md"))
    assert files
    total = 0
    for f in files:
        doc = load_file(f, f.relative_to(NOTES).as_posix())
        chunks = chunker.chunk(doc)
        sizes = minilm_base.count_tokens([c.embed_text() for c in chunks])
        assert max(sizes) <= 254, f"{f.name}: {max(sizes)} word pieces"
        total += len(chunks)
    assert total > len(files)
