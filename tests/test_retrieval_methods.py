"""The retrieval methods of issue 19, as logic: the identifier analyser, query cleaning,
fusion, pages ranked by their best chunk, the analyser recorded with the index, and the
reranker slot (with the fake WordReranker; the real cross-encoder is in test_rerank.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.job import run_ingest
from tutor.config import load_settings
from tutor.index import Snapshot, generations
from tutor.index.lexical import LexicalIndex, identifier_terms, tokenize
from tutor.query import search_text, sub_queries
from tutor.retrieve import Retriever, fuse_rrf, fuse_scores, per_page, scaled
from tutor.testing import HashEmbedder, WordReranker
from tutor.types import Chunk, Hit


def test_identifiers_split_into_parts_and_stay_whole() -> None:
    terms = identifier_terms("Set EnableManagedSpotTraining or train_use_spot_instances")
    assert {"enabl", "manag", "spot", "train", "instanc"} <= set(terms)
    assert "~enablemanagedspottraining" in terms
    assert "~train_use_spot_instances".replace("_", "") in terms
    # the same API name in two spellings shares its whole-name term
    assert "~putmetricdata" in identifier_terms("boto3 put_metric_data")
    assert "~putmetricdata" in identifier_terms("the PutMetricData action")
    assert "~statesdatalimitexceeded" in identifier_terms("States.DataLimitExceeded")
    # plain words are not identifiers and get no whole-name term
    assert identifier_terms("the training jobs") == ["train", "job"]


def test_acronyms_and_digits_stay_with_their_letters() -> None:
    assert identifier_terms("HTTPServer") == ["http", "server", "~httpserver"]
    assert "s3" in identifier_terms("S3Uri")
    assert "ec2" in identifier_terms("an EC2 instance")


def test_words_analyser_gives_the_terms_bm25s_tokenize_gives() -> None:
    # indexes saved with bm25s' own tokenizer must read the same terms from a query
    import bm25s

    from tutor.index.lexical import _stemmer

    texts = ["The Training jobs ran, and it's 2x faster (p3.2xlarge)!", "", "a I",
             "Straße café naïve_ÄÖ", "don't re-run the SageMaker endpoints' auto-scaling"]
    assert tokenize(texts) == bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(),
                                             return_ids=False, show_progress=False)


def test_identifier_index_matches_the_other_spelling() -> None:
    ids, texts = ["a", "b"], ["Call PutMetricData to publish metrics.",
                              "Metrics are published on a schedule."]
    words_index = LexicalIndex.build(ids, texts, "words")
    ident_index = LexicalIndex.build(ids, texts, "identifiers")
    assert words_index.search("put_metric_data", 2) == []  # one token no text contains
    assert ident_index.search("put_metric_data", 2)[0][0] == "a"


def test_analyzer_is_saved_and_a_legacy_index_reads_as_words(tmp_path: Path) -> None:
    LexicalIndex.build(["a"], ["some text"], "identifiers").save(tmp_path / "new")
    assert LexicalIndex.load(tmp_path / "new").analyzer == "identifiers"
    (tmp_path / "new" / "analyzer.json").unlink()
    assert LexicalIndex.saved_analyzer(tmp_path / "new") == "words"
    (tmp_path / "new" / "analyzer.json").write_text(json.dumps({"analyzer": "klingon"}))
    with pytest.raises(ValueError, match="klingon"):
        LexicalIndex.load(tmp_path / "new")


def test_search_text_drops_noise_and_reduces_code_to_names() -> None:
    question = (
        "Training fails at 2024-03-01T10:22:05Z for job arn:aws:sagemaker:us-east-1:"
        "123456789012:training-job/x (request 3f2a9c1e-77aa-4b1b-9c1d-0e0f1a2b3c4d), see "
        "https://github.com/o/r/issues/1\n```python\nest = Estimator(use_spot_instances=True)\n"
        "x = 1\nbotocore.exceptions.ClientError: ResourceLimitExceeded\n```\nWhy?")
    text = search_text(question)
    for noise in ("2024", "arn:", "123456789012", "3f2a9c1e", "https", "x = 1"):
        assert noise not in text, noise
    assert "use_spot_instances" in text and "Estimator" not in text.split("ClientError")[1]
    assert "botocore.exceptions.ClientError: ResourceLimitExceeded" in text
    assert text.startswith("Training fails at") and text.endswith("Why?")


def test_search_text_turns_stack_frames_into_function_names() -> None:
    trace = ('Traceback (most recent call last):\n  File "/x/train.py", line 3, in fit_model\n'
             "    run()\n  at com.amazonaws.glue.JobRunner.start(JobRunner.java:42)\n"
             "KeyError: 'bucket'")
    text = search_text(trace)
    assert "fit_model" in text and "JobRunner.start" in text and "KeyError" in text
    assert "Traceback" not in text and "train.py" not in text
    assert search_text("https://example.com/only-a-link") == "https://example.com/only-a-link"


def test_sub_queries_are_the_long_paragraphs_of_a_long_question() -> None:
    question = ("I train with spot instances on SageMaker.\n\nThe job stops after an hour "
                "and the checkpoints are gone.\n\nThanks!\n\nHow do I resume from S3?")
    assert sub_queries(question, 5) == [
        "I train with spot instances on SageMaker.",
        "The job stops after an hour and the checkpoints are gone.",
        "How do I resume from S3?"]
    assert sub_queries(question, 2) == sub_queries(question, 5)[:2]
    assert sub_queries("One paragraph with enough words in it.\n\nThanks!", 3) == []
    assert sub_queries(question, 0) == []


def test_scaled_scores_and_fusion() -> None:
    assert scaled([("a", 3.0), ("b", 1.0), ("c", 2.0)]) == {"a": 1.0, "b": 0.0, "c": 0.5}
    assert scaled([("a", 0.4), ("b", 0.4)]) == {"a": 1.0, "b": 1.0}
    dense, lexical = [("a", 0.9), ("b", 0.5)], [("b", 12.0), ("c", 2.0)]
    fused = dict(fuse_scores(dense, lexical, 0.7))
    assert fused == pytest.approx({"a": 0.7, "b": 0.3, "c": 0.0})
    assert fuse_scores(dense, lexical, 0.2)[0][0] == "b"
    rrf = fuse_rrf([dense, lexical], 60)
    assert rrf[0][0] == "b" and rrf[0][1] == pytest.approx(1 / 62 + 1 / 61)


def _hit(cid: str, source: str, rank: int, cites: str | None = None) -> Hit:
    chunk = Chunk(id=cid, source=source, title="t", text=f"text {cid}", position=0,
                  content_hash=cid, cites_source=cites)
    return Hit(chunk=chunk, score=1.0 / rank, rank=rank)


def test_per_page_keeps_each_pages_best_chunks_in_order() -> None:
    hits = [_hit("1", "p", 1), _hit("2", "p", 2), _hit("3", "q", 3), _hit("4", "p", 4)]
    assert [h.chunk.id for h in per_page(hits, 1)] == ["1", "3"]
    assert [h.chunk.id for h in per_page(hits, 2)] == ["1", "2", "3"]
    assert per_page(hits, 0) == hits


def test_per_page_keeps_at_most_card_limit_cards_and_the_notes_after_them() -> None:
    """Cards beyond the limit give their places to notes; a card takes no place from the note
    it cites (the answerer quotes that note's passages), and it stands for that note in a
    list of pages."""
    hits = [_hit("c1", "cards/3.1.yaml", 1, cites="n.md"), _hit("c2", "cards/2.2.yaml", 2,
            cites="m.md"), _hit("n1", "n.md", 3), _hit("n2", "n.md", 4),
            _hit("c3", "cards/3.1.yaml", 5, cites="q.md"), _hit("q1", "q.md", 6)]
    assert [h.chunk.id for h in per_page(hits, 2, card_limit=1)] == ["c1", "n1", "n2", "q1"]
    assert [h.chunk.id for h in per_page(hits, 2, card_limit=2)] == ["c1", "c2", "n1", "n2",
                                                                       "q1"]
    assert [h.chunk.id for h in per_page(hits, 2)] == ["c1", "c2", "n1", "n2", "c3", "q1"]
    assert [h.chunk.id for h in per_page(hits, 0, card_limit=1)] == ["c1", "n1", "n2", "q1"]
    assert [h.chunk.page_source for h in hits[:3]] == ["n.md", "m.md", "n.md"]


DOCS = {
    "a.md": "# Spot training\n\nManaged spot training lowers the cost of training jobs.\n",
    "b.md": "# Checkpoints\n\nCheckpoints let an interrupted training job resume.\n",
    "c.md": "# Endpoints\n\nReal-time endpoints serve predictions with low latency.\n",
}


@pytest.fixture
def small_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text)
    monkeypatch.setenv("TUTOR_LEXICAL_ANALYZER", "words")
    run_ingest([folder], load_settings(), embedder=HashEmbedder())
    return folder


def test_an_index_with_the_other_analyzer_serves_and_the_next_ingest_saves_it(
        small_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_LEXICAL_ANALYZER", "identifiers")
    settings = load_settings()
    gen = Snapshot.open_current(settings).manifest.generation
    assert not generations.lexical_current(settings, gen)
    snap = Snapshot.open_current(settings)
    assert snap.lexical.analyzer == "identifiers"  # rebuilt in memory, nothing re-embedded
    best = snap.lexical.search("ManagedSpotTraining", 3)[0][0]
    assert snap.chunks[best].source == "a.md"
    run_ingest([small_index], settings, embedder=HashEmbedder())
    current = Snapshot.open_current(settings).manifest.generation
    assert current != gen and generations.lexical_current(settings, current)


def test_sub_queries_are_searched_and_fused(small_index: Path) -> None:
    question = ("Managed spot training of my jobs.\n\nCheckpoints let me resume a job? "
                "\n\nEndpoints with low latency serve predictions.")
    embedder = HashEmbedder()
    fused = Retriever(load_settings(sub_queries=3), embedder).search(question, k=3,
                                                                     mode="hybrid")
    assert embedder.calls == [3], "the paragraphs go to the encoder in one batch"
    assert {h.chunk.source for h in fused} == {"a.md", "b.md", "c.md"}


def test_reranker_reorders_the_head_and_pages_stay_distinct(small_index: Path) -> None:
    settings = load_settings(page_hits=1)
    reranker = WordReranker("endpoints")
    hits = Retriever(settings, HashEmbedder(), reranker).search(
        "training jobs and endpoints", k=3, mode="hybrid")
    assert reranker.calls, "the reranker was not asked"
    assert hits[0].chunk.source == "c.md" and hits[0].score == 1.0
    assert len({h.chunk.source for h in hits}) == len(hits)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_feedback_terms_come_from_the_passages_and_skip_the_querys_and_rare_ones() -> None:
    ids = ["a", "b", "c", "d"]
    texts = ["Spot instances lower the training cost; write a checkpoint.",
             "Spot instances can be interrupted: resume from the checkpoint.",
             "Resume from a checkpoint after an interruption.",
             "Endpoints answer with low latency."]
    index = LexicalIndex.build(ids, texts, "identifiers")
    assert {cid for cid, _ in index.search("spot instances", 4)} == {"a", "b"}
    extra = index.feedback_terms("spot instances", texts[:2], 3)
    assert "resum" in extra and "interrupt" in extra
    assert "spot" not in extra and "instanc" not in extra  # the query's own
    assert "cost" not in extra  # in one chunk only
    assert index.feedback_terms("spot instances", texts[:2], 0) == []
    expanded = {cid for cid, _ in index.search("spot instances", 4, extra=extra)}
    assert expanded == {"a", "b", "c"}


def test_pseudo_relevance_feedback_finds_a_page_without_the_querys_words(
        small_index: Path) -> None:
    def sources(**over: int) -> set[str]:
        hits = Retriever(load_settings(**over), HashEmbedder()).search(
            "managed spot", k=3, mode="bm25")
        return {h.chunk.source for h in hits}

    assert sources() == {"a.md"}
    assert sources(prf_terms=3, prf_docs=1) == {"a.md", "b.md"}
