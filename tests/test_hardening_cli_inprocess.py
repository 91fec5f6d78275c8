"""Issue 20 in process, beside the real-process tests of test_hardening_cli.py: terminal
escapes in what `tutor cards` and the eval tables print (item 5), and a file swapped for a FIFO
after the ingest walked its folder (item 15).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_hardening_cli import ESC, HOSTILE

BAD_CHARS = (ESC, "\x07", "\x9b", "\x9d", "\u202e")


def test_cards_print_card_text_without_terminal_escapes(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Card text comes from the notes, which a learner may add to: `tutor cards` prints it,
    and everything else, through terminal_text (in process: the cards are swapped in)."""
    from typer.testing import CliRunner

    import tutor.cli.cards as cards_cli
    from tutor.cli import app
    from tutor.quiz.flashcards import Flashcard

    card = Flashcard(id="sentence:hostile", kind="sentence", front=f"Front {HOSTILE}",
                     back=f"Back {HOSTILE}", tasks=["1.1"],
                     source=f"notes/x{ESC}]0;SOURCE\x07.md#Heading {HOSTILE}")
    monkeypatch.setattr(cards_cli, "load_flashcards", lambda: (card,))
    runner = CliRunner()
    review = runner.invoke(app, ["cards", "-n", "1"], input="\ny\n")
    export = runner.invoke(app, ["cards", "--export", "csv", str(tmp_path / f"c{ESC}[2J.csv")])
    for result in (review, export):
        assert result.exit_code == 0, result.output
        for bad in BAD_CHARS:
            assert bad not in result.output, (repr(bad), result.output)
    assert "Front" in review.output and "Back" in review.output and "Heading" in review.output
    assert "wrote 1 cards" in export.output


def test_eval_tables_print_report_text_without_terminal_escapes(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Eval reports carry source names, bank problems and model names into rich tables."""
    from evals.summary import print_tables

    print_tables([(f"Problems {HOSTILE}", [["problem"], [f"item 3: {HOSTILE} [bold]x[/]"],
                                            ["better"]])], f"headline {HOSTILE}")
    out = capsys.readouterr().out
    for bad in BAD_CHARS:
        assert bad not in out, (repr(bad), out)
    assert "item 3:" in out and "[bold]x[/]" in out  # rich markup in report text is text


def test_a_file_that_turns_into_a_fifo_after_the_walk_is_never_opened_blocking(
        tmp_path: Path) -> None:
    """The walk stats each entry, but a file can be replaced by a FIFO before it is read: the
    read itself must refuse a FIFO instead of waiting for a writer (in process)."""
    import threading

    from ingest.job import _ingest_file
    from ingest.walk import SourceFile
    from tutor.chunk import Chunker
    from tutor.config import load_settings
    from tutor.testing import whitespace_counter

    fifo = tmp_path / "swapped.md"
    os.mkfifo(fifo)
    sf = SourceFile(fifo, tmp_path, "swapped.md", "docs")  # what the walk saw: a regular file
    outcome: list[object] = []

    def read() -> None:
        outcome.append(_ingest_file(sf, sf.source, None, {}, Chunker(whitespace_counter, 200, 0),
                                    load_settings(), {}))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=20)
    if reader.is_alive():  # blocked in open(): give it a writer so the thread can end
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=5)
        pytest.fail("reading a FIFO blocked")
    record, chunks, _ = outcome[0]
    assert record.status.value == "unsupported" and "not a regular file" in str(record.message)
    assert chunks == []
