"""Small hand-made passages and the offline answerer over them, for the answer tests."""

from __future__ import annotations

from tests.quiz_data import make_chunk
from tutor.answer.extractive import ExtractiveAnswerer
from tutor.testing import HashEmbedder
from tutor.types import Chunk, Hit

TABLE = ("Exam scenarios hinge on request size. | Option | Max payload | Max processing time | "
         "| --- | --- | --- | | Real-time | 6 MB | 60 seconds | | Serverless | 4 MB | 60 seconds | "
         "| Asynchronous | 1 GB | 1 hour |")
ASYNC = make_chunk(
    "SageMaker Asynchronous Inference queues each request and processes it in the background, "
    "writing the result to Amazon S3. It suits payloads up to 1 GB and processing up to one "
    "hour, and it can scale to zero instances when the queue is empty.",
    source="domain-3/3.1-inference-options.md", heading="Asynchronous inference", position=1)
BATCH = make_chunk(
    "Batch transform runs a job over a whole dataset in Amazon S3 and needs no endpoint at "
    "all. The job starts instances, predicts every record and shuts the instances down.",
    source="domain-3/3.1-inference-options.md", heading="Batch transform", position=2)
CONTRAST = make_chunk(
    "Choose asynchronous inference over batch transform when single large requests arrive "
    "over time and each caller needs its own result; choose batch transform when the whole "
    "dataset is available up front.",
    source="domain-3/3.1-inference-options.md", heading="How to choose", position=3)
SPOT_A = make_chunk(
    "Managed Spot Training can cut training cost by up to 90% compared with On-Demand "
    "instances.", source="domain-2/2.2-spot.md", heading="Managed Spot Training")
SPOT_B = make_chunk(
    "Managed Spot Training can reduce training cost by up to 90% compared with On-Demand "
    "instances, at the price of interruptions.", source="domain-4/4.2-cost.md",
    heading="Purchasing options")
TRAPS = make_chunk(
    "- Reporting 99 percent accuracy on a 1 percent fraud dataset as success.\n"
    "- Treating accuracy as the metric for every problem.",
    source="domain-2/2.3-metrics.md", heading="Common traps")
F1 = make_chunk(
    "Use F1 for imbalanced problems where you care about the positive class and want one "
    "number that balances false positives and false negatives.",
    source="domain-2/2.3-metrics.md", heading="F1 score")


def hits(*chunks: Chunk) -> list[Hit]:
    return [Hit(chunk=c, score=1.0 / (i + 1), rank=i + 1, dense=0.6)
            for i, c in enumerate(chunks)]


def answerer() -> ExtractiveAnswerer:
    return ExtractiveAnswerer(HashEmbedder(), max_sentences=6, min_dense=0.0)
