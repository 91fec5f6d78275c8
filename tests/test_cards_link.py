"""Concept cards in the index (issue 15): indexed as their own source set, a card that leads an
answer carries the text of the note section it cites, and it counts as that note in a list of
pages."""

from __future__ import annotations

from pathlib import Path

import yaml

from ingest.job import run_ingest
from tutor.config import load_settings
from tutor.service import Tutor
from tutor.testing import HashEmbedder

NOTE = ("---\ntitle: Checkpoints\ndomain: 2\ntask: \"2.2\"\nservices: [sagemaker-training]\n"
        "reviewed: 2026-12\n---\n# Checkpoints\n\n## Saving checkpoints\n\n"
        "A training job copies its checkpoint files to Amazon S3 so that an interrupted job "
        "resumes from the last saved step instead of starting over.\n")
FRONT = "Why does my interrupted training job restart from the beginning?"
BACK = "It saved no checkpoints; a job that copies checkpoints to S3 resumes from the last one."


def test_a_leading_card_links_through_to_the_note_section_it_cites(tmp_path: Path) -> None:
    notes, cards = tmp_path / "notes", tmp_path / "cards"
    (notes / "domain-2").mkdir(parents=True)
    cards.mkdir()
    (notes / "domain-2" / "2.2-checkpoints.md").write_text(NOTE, encoding="utf-8")
    (cards / "2.2.yaml").write_text(yaml.safe_dump({"task": "2.2", "cards": [{
        "id": "2.2-checkpoint-restart", "front": FRONT, "back": BACK, "tags": ["checkpoints"],
        "cite": "notes/domain-2/2.2-checkpoints.md#Saving checkpoints"}]}), encoding="utf-8")
    embedder = HashEmbedder()
    run_ingest([notes, cards], load_settings(), embedder=embedder)
    tutor = Tutor(load_settings(), embedder=embedder)

    hits = tutor.search(FRONT, k=5)
    card = next(h.chunk for h in hits if h.chunk.is_card)
    assert card.corpus == "cards" and card.source == "2.2.yaml"
    assert card.page_source == "domain-2/2.2-checkpoints.md"

    answer = tutor.ask(FRONT)
    lead = answer.citations[0]
    assert lead.cites_source == "domain-2/2.2-checkpoints.md"
    assert lead.cites_heading == "Saving checkpoints"
    assert lead.cites_passage and "resumes from the last saved step" in lead.cites_passage
