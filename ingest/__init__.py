"""The ingestion job: walk, lock, load, chunk, embed, build a generation, swap, report."""

from ingest.job import run_ingest

__all__ = ["run_ingest"]
