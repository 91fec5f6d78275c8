"""The ONNX export built from the weights (tutor/embed/bert_onnx.py) computes what
sentence-transformers computes in PyTorch: for the bundled MiniLM and for a tiny BERT of
another shape built here (2 layers, 4 heads, hidden 32, random weights), on padded batches
and on texts longer than the 256-word-piece window; onnxruntime's optimizer fuses it as it
fused the torch-traced graph; and the numpy reference the export is checked against at
setup is itself the model."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ENCODERS

pytestmark = pytest.mark.model

TEXTS = [
    "What does SageMaker Model Monitor compare live traffic against?",
    "firehose buffer size",
    "x",
    "Kinesis Data Streams shards each take 1 MB per second of writes. " * 40,  # > 256 pieces
    "A real-time endpoint serves one request at a time; an asynchronous endpoint queues them "
    "in S3 and scales to zero when the queue is empty.",
    "KMS key policy versus IAM policy " * 6,
]


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sentence-transformers folder (BERT, mean pooling, normalisation) with random
    weights and the bundled vocabulary; nothing is downloaded."""
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import AutoTokenizer, BertConfig, BertModel

    from tutor.embed import bundled_model_path

    torch.manual_seed(0)
    root = tmp_path_factory.mktemp("tiny-bert")
    tokenizer = AutoTokenizer.from_pretrained(str(bundled_model_path()))
    # Weights wider than BERT's 0.02 make attention peaked, so a mask or head-split error
    # would show in the vectors rather than average away.
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=4, intermediate_size=48,
                        max_position_embeddings=512, initializer_range=0.3)
    BertModel(config).save_pretrained(root / "bert")
    tokenizer.save_pretrained(root / "bert")
    word = models.Transformer(str(root / "bert"), max_seq_length=256)
    model = SentenceTransformer(modules=[word, models.Pooling(32, "mean"), models.Normalize()],
                                device="cpu")
    model.save(str(root / "st"))
    return root / "st"


def _runtimes(model: str, export_root: Path):
    from tutor.embed.onnx_runtime import OnnxEmbedder
    from tutor.embed.torch_runtime import SentenceTransformerEmbedder

    # batch_size 4: the texts go in two padded batches of different widths
    return (OnnxEmbedder(model, batch_size=4, export_root=export_root),
            SentenceTransformerEmbedder(model, batch_size=4))


def _op_counts(graph: Path) -> Counter[str]:
    import onnx

    return Counter(node.op_type for node in onnx.load(str(graph)).graph.node)


@pytest.mark.parametrize("which", ["bundled", "tiny"])
def test_the_export_computes_the_torch_vectors(which: str, tiny_bert: Path,
                                               tmp_path: Path) -> None:
    model = "all-MiniLM-L6-v2" if which == "bundled" else str(tiny_bert)
    onnx_emb, torch_emb = _runtimes(model, ENCODERS if which == "bundled" else tmp_path)
    got, ref = onnx_emb.embed_documents(TEXTS), torch_emb.embed_documents(TEXTS)
    assert got.shape == ref.shape == (len(TEXTS), torch_emb.dim)
    assert (got * ref).sum(1).min() > 0.9999
    # each text alone (no padding) gives the vector it gets in a padded batch
    alone = np.stack([onnx_emb.embed_query(t) for t in TEXTS])
    assert (alone * got).sum(1).min() > 0.9999
    assert max(onnx_emb.count_tokens(TEXTS)) > onnx_emb.window  # one text is truncated


@pytest.mark.parametrize("which", ["bundled", "tiny"])
def test_the_optimizer_fuses_the_graph_as_it_fused_the_traced_one(which: str, tiny_bert: Path,
                                                                   tmp_path: Path) -> None:
    import json

    model = "all-MiniLM-L6-v2" if which == "bundled" else str(tiny_bert)
    onnx_emb, _ = _runtimes(model, ENCODERS if which == "bundled" else tmp_path)
    layers = json.loads((Path(onnx_emb._load_from) / "config.json").read_text())[
        "num_hidden_layers"]
    ops = _op_counts(onnx_emb.prepare())
    assert ops["Attention"] == layers
    assert ops["SkipLayerNormalization"] == 2 * layers
    assert ops["BiasGelu"] + ops["FastGelu"] + ops["Gelu"] == layers
    assert ops["EmbedLayerNormalization"] == 1
    # nothing of a layer is left unfused: its only plain ops are the three projections
    assert ops["MatMul"] == 3 * layers
    assert ops["Softmax"] == ops["Erf"] == ops["LayerNormalization"] == 0


def test_int8_export_of_another_shape_stays_close(tiny_bert: Path, tmp_path: Path) -> None:
    from tutor.embed.onnx_runtime import OnnxEmbedder
    from tutor.embed.torch_runtime import SentenceTransformerEmbedder

    int8 = OnnxEmbedder(str(tiny_bert), quantize=True, export_root=tmp_path)
    ref = SentenceTransformerEmbedder(str(tiny_bert)).embed_documents(TEXTS)
    assert (int8.embed_documents(TEXTS) * ref).sum(1).min() > 0.97
    assert _op_counts(int8.prepare())["QAttention"] == 2


@pytest.mark.parametrize("which", ["bundled", "tiny"])
def test_the_setup_check_reference_is_the_model(which: str, tiny_bert: Path) -> None:
    """Where torch is absent, the export is checked against export.reference: it must be
    what sentence-transformers computes."""
    from tutor.embed.bert_onnx import load_bert
    from tutor.embed.export import reference
    from tutor.embed.torch_runtime import SentenceTransformerEmbedder

    model = "all-MiniLM-L6-v2" if which == "bundled" else str(tiny_bert)
    torch_emb = SentenceTransformerEmbedder(model)
    bert = load_bert(torch_emb._load_from)
    texts = TEXTS[:2] + TEXTS[4:]
    tok = torch_emb.tokenizer
    assert tok is not None
    ref = torch_emb.embed_documents(texts)
    for text, want in zip(texts, ref, strict=True):
        got = reference(bert, np.array(tok.encode(text).ids))
        assert float(got @ want) > 0.9999
