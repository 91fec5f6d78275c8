"""The reranker slot with a real sentence-transformers CrossEncoder: a tiny BERT cross-encoder
built here from a random initialisation and the bundled MiniLM vocabulary (nothing is
downloaded), loaded by path through Settings.reranker."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.job import run_ingest
from tutor.config import load_settings
from tutor.embed import bundled_model_path
from tutor.errors import ConfigError
from tutor.rerank import CrossEncoderReranker, make_reranker
from tutor.retrieve import Retriever
from tutor.testing import HashEmbedder

pytestmark = pytest.mark.model

PASSAGES = ["Managed spot training lowers the cost of training jobs.",
            "Checkpoints let an interrupted training job resume.",
            "Real-time endpoints serve predictions with low latency."]


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(str(bundled_model_path()))
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, num_labels=1)
    folder = tmp_path_factory.mktemp("tiny-cross-encoder")
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _logits(folder: Path, question: str, passages: list[str]) -> list[float]:
    """The model's own scores, computed with transformers directly."""
    import torch
    from transformers import AutoTokenizer, BertForSequenceClassification

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = BertForSequenceClassification.from_pretrained(str(folder)).eval()
    batch = tokenizer([question] * len(passages), passages, padding=True, truncation=True,
                      return_tensors="pt")
    with torch.no_grad():
        return [float(x) for x in model(**batch).logits[:, 0]]


def test_cross_encoder_scores_are_the_models(tiny_cross_encoder: Path) -> None:
    reranker = make_reranker(load_settings(reranker=str(tiny_cross_encoder)))
    assert isinstance(reranker, CrossEncoderReranker)
    got = reranker.score("spot training cost", PASSAGES)
    # sentence-transformers applies a sigmoid to a one-label model's logit
    import math

    want = [1 / (1 + math.exp(-x)) for x in _logits(tiny_cross_encoder, "spot training cost",
                                                    PASSAGES)]
    assert got == pytest.approx(want, abs=1e-5)
    assert reranker.score("anything", []) == []


def test_retriever_orders_the_head_by_the_cross_encoder(tiny_cross_encoder: Path,
                                                       tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i, text in enumerate(PASSAGES):
        (folder / f"p{i}.md").write_text(f"# Page {i}\n\n{text}\n")
    settings = load_settings(reranker=str(tiny_cross_encoder), page_hits=1)
    run_ingest([folder], settings, embedder=HashEmbedder())
    hits = Retriever(settings, HashEmbedder()).search("training", k=3, mode="hybrid")
    assert hits
    scores = CrossEncoderReranker(str(tiny_cross_encoder)).score(
        "training", [h.chunk.embed_text() for h in hits])
    assert [h.score for h in hits] == pytest.approx(scores)
    assert scores == sorted(scores, reverse=True)


def test_a_folder_that_is_no_model_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no config\.json"):
        CrossEncoderReranker(str(tmp_path))
    assert make_reranker(load_settings()) is None
