"""Encoder runtimes: the ONNX export (the default runtime) reproduces the PyTorch model, int8
documents keep their own model id while queries stay fp32, and backends are chosen by
settings. The export is made once per checkout in the shared test cache (tens of seconds the
first time)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ENCODERS

TEXTS = [
    "What does SageMaker Model Monitor compare live traffic against?",
    "firehose buffer size",
    "A" * 3,
    # longer than the 256-word-piece window: both runtimes must truncate it the same way
    "Kinesis Data Streams shards each take 1 MB per second of writes. " * 40,
]


@pytest.fixture(scope="session")
def onnx_fp32():
    from tutor.embed.onnx_runtime import OnnxEmbedder

    return OnnxEmbedder(export_root=ENCODERS)


@pytest.fixture(scope="session")
def onnx_int8():
    from tutor.embed.onnx_runtime import OnnxEmbedder

    return OnnxEmbedder(quantize=True, export_root=ENCODERS)


def test_onnx_export_computes_the_torch_vectors(minilm_torch, onnx_fp32) -> None:
    ref = minilm_torch.embed_documents(TEXTS)
    got = onnx_fp32.embed_documents(TEXTS)
    assert got.shape == ref.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert (got * ref).sum(1).min() > 0.9999
    # same vectors, so the same model id: a torch-built index stays usable
    assert onnx_fp32.model_id == minilm_torch.model_id
    assert np.allclose(onnx_fp32.embed_query(TEXTS[0]), got[0], atol=1e-5)
    report = json.loads((onnx_fp32.export_dir / "export.json").read_text())
    assert report["quantized"] is False and min(report["probe_cosines"]) > 0.9999


def test_onnx_agrees_with_torch_on_tokens_and_shape(minilm_torch, onnx_fp32) -> None:
    assert onnx_fp32.count_tokens(TEXTS) == minilm_torch.count_tokens(TEXTS)
    assert (onnx_fp32.dim, onnx_fp32.window) == (minilm_torch.dim, minilm_torch.window)
    assert onnx_fp32.embed_documents([]).shape == (0, 384)


def test_int8_embeds_documents_in_int8_and_queries_in_fp32(minilm_torch, onnx_fp32,
                                                           onnx_int8) -> None:
    cos = (onnx_int8.embed_documents(TEXTS) * minilm_torch.embed_documents(TEXTS)).sum(1)
    assert cos.min() > 0.97
    assert cos.min() < 0.99999  # quantized: not the same function
    assert onnx_int8.model_id == minilm_torch.model_id + "+onnx-int8"
    assert onnx_int8.export_dir != onnx_fp32.export_dir  # never overwrites the fp32 export
    # A query is embedded in fp32: the very vector torch gives.
    query = TEXTS[0]
    assert float(onnx_int8.embed_query(query) @ minilm_torch.embed_query(query)) > 0.9999
    report = json.loads((onnx_int8.export_dir / "export.json").read_text())
    assert report["quantized"] is True and min(report["probe_cosines"]) > 0.97


def test_int8_and_fp32_indexes_serve_each_other_but_never_mix_in_one(
        minilm_torch, onnx_int8, tmp_path: Path) -> None:
    from ingest.job import run_ingest
    from tutor.config import load_settings
    from tutor.errors import ModelMismatchError
    from tutor.retrieve import Retriever

    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "monitor.md").write_text("# Model Monitor\n\nSageMaker Model Monitor compares "
                                       "live endpoint traffic with a baseline of the training "
                                       "data.\n")
    (folder / "firehose.md").write_text("# Firehose\n\nAmazon Data Firehose buffers records by "
                                        "size or time before it delivers them to S3.\n")
    torch_home = load_settings(home=tmp_path / "torch-home")
    int8_home = load_settings(home=tmp_path / "int8-home")
    run_ingest([folder], torch_home, embedder=minilm_torch)
    run_ingest([folder], int8_home, embedder=onnx_int8)
    question = "What does Model Monitor compare live traffic against?"
    for settings in (torch_home, int8_home):
        for embedder in (minilm_torch, onnx_int8):
            hits = Retriever(settings, embedder).search(question, k=2, mode="dense")
            assert hits[0].chunk.source == "monitor.md"
    # Re-ingesting with the other precision would leave int8 and fp32 vectors side by side.
    with pytest.raises(ModelMismatchError, match="rebuild"):
        run_ingest([folder], torch_home, embedder=onnx_int8)
    with pytest.raises(ModelMismatchError, match="rebuild"):
        run_ingest([folder], int8_home, embedder=minilm_torch)


def test_length_batches_sort_pad_and_truncate(onnx_fp32) -> None:
    from tutor.embed.onnx_runtime import length_batches

    texts = ["short one", "a somewhat longer text than the first one", "word " * 400, "x"]
    seen = []
    for rows, ids, mask in length_batches(onnx_fp32.tokenizer, texts, 256, 2):
        seen += list(rows)
        assert ids.shape == mask.shape and ids.shape[0] == len(rows)
        lengths = mask.sum(1)
        assert lengths[0] == ids.shape[1]  # padded only to the batch's longest text
        assert list(lengths) == sorted(lengths, reverse=True)
        for row in range(len(rows)):
            assert ids[row, lengths[row] - 1] == 102  # [SEP] closes every text, even truncated
    assert sorted(seen) == [0, 1, 2, 3] and seen[0] == 2
    first_batch = next(length_batches(onnx_fp32.tokenizer, texts, 256, 2))
    assert first_batch[1].shape[1] == 256


def test_length_batches_do_not_pad_short_texts_to_a_long_one(onnx_fp32) -> None:
    """A pasted question's long stem and its short options: the options form their own
    batch rather than each being padded to the stem (a batch ends before a text shorter
    than half its longest), and the vectors are those of each text embedded alone."""
    from tutor.embed.onnx_runtime import length_batches

    stem = ("A company trains a model on data in Amazon S3 and must deploy it behind an "
            "endpoint that scales to zero when idle while keeping costs low. ") * 2
    texts = [stem, "SageMaker Serverless Inference", "SageMaker Batch Transform",
             "SageMaker Asynchronous Inference", "A real-time endpoint with auto scaling",
             "SageMaker Model Cards"]  # 7 to 11 word pieces: within half of one another
    batches = list(length_batches(onnx_fp32.tokenizer, texts, 256, 32))
    widths = [ids.shape for _, ids, _ in batches]
    stem_width = len(onnx_fp32.tokenizer.encode(stem).ids)
    option_width = max(len(onnx_fp32.tokenizer.encode(t).ids) for t in texts[1:])
    assert widths == [(1, stem_width), (5, option_width)]
    # a text no shorter than half the longest still shares its batch
    assert [len(rows) for rows, _, _ in length_batches(
        onnx_fp32.tokenizer, ["one two three four", "one two three"], 256, 32)] == [2]
    together = onnx_fp32.embed_documents(texts)
    alone = np.stack([onnx_fp32.embed_documents([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-5)


def test_settings_choose_the_runtime(tutor_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tutor.config import load_settings
    from tutor.embed import make_embedder
    from tutor.embed.onnx_runtime import OnnxEmbedder
    from tutor.embed.torch_runtime import SentenceTransformerEmbedder

    monkeypatch.delenv("TUTOR_ENCODER_DIR")  # the shared test export; users have none set
    default = make_embedder(load_settings())
    assert isinstance(default.inner, OnnxEmbedder) and not default.inner.quantize
    assert default.model_id == "sentence-transformers/all-MiniLM-L6-v2"
    torch = make_embedder(load_settings(embed_backend="torch"))
    assert isinstance(torch.inner, SentenceTransformerEmbedder)
    assert torch.cache_id == default.cache_id  # the same vectors, so one embedding cache
    emb = make_embedder(load_settings(embed_backend="onnx-int8", embed_threads=1))
    assert isinstance(emb.inner, OnnxEmbedder) and emb.inner.quantize
    assert emb.inner.threads == 1
    assert emb.model_id.endswith("+onnx-int8")
    # nothing is exported until the first text is embedded, and then under TUTOR_HOME
    assert emb.inner.export_root == tutor_home / "cache" / "encoders"
    assert not emb.inner.export_root.exists()
    # the embedding cache is per model id, so int8 vectors never mix with torch ones
    assert "onnx-int8" in emb.path.name


def test_onnx_refuses_what_it_cannot_export(tmp_path: Path) -> None:
    from tutor.embed.onnx_runtime import OnnxEmbedder
    from tutor.errors import ConfigError

    # Built without complaint (a changed model must first meet the index's model check),
    # refused as soon as the model is needed.
    hub = OnnxEmbedder("some-org/some-hub-model")
    assert hub.model_id == "some-org/some-hub-model"
    with pytest.raises(ConfigError, match="local model folder"):
        hub.prepare()
    folder = tmp_path / "cls-model"
    folder.mkdir()
    (folder / "modules.json").write_text(json.dumps(
        [{"type": "sentence_transformers.models.Transformer"},
         {"type": "sentence_transformers.models.Pooling", "path": "1_Pooling"}]))
    (folder / "config.json").write_text(json.dumps({"model_type": "bert", "hidden_size": 8}))
    with pytest.raises(ConfigError, match="mean-pooled"):
        OnnxEmbedder(str(folder)).embed_query("anything")


def test_the_graph_builder_refuses_what_it_does_not_compute(tmp_path: Path) -> None:
    """Built from the weights without torch: a BERT variant the graph does not compute, or
    weights in a format only torch reads, are refused with advice, never exported wrong."""
    from tutor.embed.bert_onnx import load_bert
    from tutor.errors import ConfigError

    config = {"model_type": "bert", "hidden_size": 8, "num_hidden_layers": 1,
              "num_attention_heads": 2}
    (tmp_path / "config.json").write_text(json.dumps({**config, "hidden_act": "gelu_new"}))
    with pytest.raises(ConfigError, match="exact GELU"):
        load_bert(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "pytorch_model.bin").write_bytes(b"")
    with pytest.raises(ConfigError, match=r"no model\.safetensors.*embed_backend='torch'"):
        load_bert(tmp_path)


def test_unknown_backend_is_a_config_error() -> None:
    from tutor.config import load_settings
    from tutor.errors import ConfigError

    with pytest.raises(ConfigError, match="embed_backend"):
        load_settings(embed_backend="tensorrt")


def test_the_embedder_key_covers_every_setting_the_embedder_is_built_from(settings) -> None:
    """The app caches one embedder per key: a setting make_embedder reads but the key left
    out would keep serving a stale embedder after the setting changed."""
    from tutor.embed import EMBEDDER_SETTINGS, embedder_key, make_embedder

    class Spy:
        """Settings that record which of their attributes are read."""

        def __init__(self, settings: object) -> None:
            self.settings, self.read = settings, set()

        def __getattr__(self, name: str) -> object:
            self.read.add(name)
            return getattr(self.settings, name)

    derived = {"cache_dir": "home"}  # properties computed from a field
    for backend in ("torch", "onnx-int8"):
        spy = Spy(settings.model_copy(update={"embed_backend": backend}))
        make_embedder(spy)  # type: ignore[arg-type]
        assert {derived.get(n, n) for n in spy.read} <= set(EMBEDDER_SETTINGS), backend
    changed = settings.model_copy(update={"embed_query_threads": 3})
    assert embedder_key(changed) != embedder_key(settings)
    assert embedder_key(settings.model_copy(update={"k": 9})) == embedder_key(settings)
