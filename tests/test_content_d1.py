"""Domain 1 and exam-overview content for issue 15: the fixes are in place (each test fails on
the text the fix replaced), every new exam-guide topic has a note section whose heading or
opening sentence names it, dated statements carry an "as of" marker, and each domain-1 note
records the month it was reviewed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import NOTES

D1 = NOTES / "domain-1"
EXAM = NOTES / "general" / "mla-c01-exam.md"
FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")


def _text(name: str) -> str:
    return (D1 / name).read_text(encoding="utf-8")


def _flat(text: str) -> str:
    """Whitespace collapsed, so a phrase matches across line breaks."""
    return " ".join(text.split())


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", _flat(text)) if s]


def _openings(path: Path) -> list[str]:
    """For each section of a note: its heading and the first sentence of its body."""
    lines = path.read_text(encoding="utf-8").split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        m = HEADING.match(line)
        if not m:
            continue
        body: list[str] = []
        for nxt in lines[i + 1:]:
            if HEADING.match(nxt) or (body and re.match(r"\s*(?:[-*]|\d+\.)\s", nxt)):
                break  # a list's opening is its first item
            if nxt.strip():
                body.append(nxt.strip())
            elif body:
                break
        first = _sentences(" ".join(body))[:1]
        out.append(f"{m[2]} || {' '.join(first)}")
    return out


def _all_openings(folder: Path | None = None) -> list[tuple[str, str]]:
    folder = folder or D1
    return [(p.name, o) for p in sorted(folder.glob("*.md")) for o in _openings(p)]


# --- the fixes -------------------------------------------------------------------------------

def test_kinesis_record_size_is_1_mib_by_default_and_up_to_10_mib() -> None:
    text = _flat(_text("1.1-streaming-ingestion.md"))
    assert "classic maximum record payload is 1 MB" not in text
    assert "is 1 MiB by default" in text
    assert "raised to as much as 10 MiB" in text
    assert "UpdateMaxRecordSize" in text


def test_kinesis_fan_out_limit_depends_on_the_capacity_mode() -> None:
    text = _flat(_text("1.1-streaming-ingestion.md"))
    assert "Up to 20 enhanced fan-out consumers can be registered per stream" not in text
    assert ("A stream in provisioned mode or on-demand Standard mode accepts up to 20 registered "
            "enhanced fan-out consumers, and a stream in on-demand Advantage mode accepts up to 50"
            in text)


def test_kinesis_note_describes_three_capacity_modes() -> None:
    text = _flat(_text("1.1-streaming-ingestion.md"))
    assert "## Kinesis Data Streams capacity modes" in _text("1.1-streaming-ingestion.md")
    assert ("three capacity modes (as of 2026-12): provisioned, on-demand Standard and on-demand "
            "Advantage") in text
    modes = ("- Provisioned mode:", "- On-demand Standard mode:", "- On-demand Advantage mode:")
    for mode in modes:
        assert mode in text


def test_data_wrangler_is_reached_through_canvas_and_classic_is_studio_classic() -> None:
    text = _flat(_text("1.2-databrew-and-data-wrangler.md"))
    assert "is now also delivered as the data preparation experience of" not in text
    assert ("In the current [SageMaker Studio](catalog:sagemaker-studio), Data Wrangler is reached "
            "through [SageMaker Canvas](catalog:sagemaker-canvas)") in text
    assert "The classic Data Wrangler" in text
    assert "is a Studio Classic feature (as of 2026-12)" in text


def test_xgboost_formats_match_the_documentation() -> None:
    text = _flat(_text("1.1-data-formats.md"))
    assert "- CSV, LibSVM or Parquet: XGBoost." not in text
    assert ("- CSV, LibSVM or Parquet for training, and CSV or LibSVM for inference: XGBoost."
            in text)
    assert ("trains on CSV, LibSVM or Parquet files and answers inference requests in CSV or LibSVM"
            in text)


def test_no_domain_1_note_says_xgboost_takes_recordio_protobuf() -> None:
    claims = [(p.name, s) for p in sorted(D1.glob("*.md"))
              for s in _sentences(p.read_text(encoding="utf-8"))
              if "XGBoost" in s and "RecordIO" in s and not re.search(r"\bnot\b|\bno\b", s)]
    assert not claims, claims


# --- the new topics --------------------------------------------------------------------------

TOPICS = {
    # 1.1
    "FSx for NetApp ONTAP": r"FSx for NetApp ONTAP",
    "S3 Transfer Acceleration": r"S3 Transfer Acceleration",
    "EBS Provisioned IOPS volumes": r"EBS Provisioned IOPS",
    "extracting from RDS": r"Extracting data from Amazon RDS",
    "extracting from DynamoDB (export to S3)": r"DynamoDB export to S3",
    "AWS DMS": r"AWS Database Migration Service",
    "zero-ETL integrations": r"[Zz]ero-ETL integration",
    "S3 storage-class cost trade-offs": r"S3 storage classes and cost trade-offs",
    "AWS DataSync": r"AWS DataSync",
    # 1.2
    "binary encoding": r"Binary encoding",
    "Feature Store feature management": r"Feature management in SageMaker Feature Store",
    "updating feature groups": r"Updating a feature group",
    "feature metadata": r"Feature metadata",
    "feature search and discovery": r"Searching and discovering features",
    "streaming transformations": r"Streaming transformations",
    "Flink stateful transformations":
        r"Stateful transformations with Managed Service for Apache Flink",
    "Lambda on Kinesis": r"Lambda on Kinesis",
    "Firehose transformation": r"Firehose data transformation",
    # 1.3
    "bias types": r"selection, sampling, measurement and reporting bias",
    "selection bias": r"^Selection bias",
    "sampling bias": r"^Sampling bias",
    "measurement bias": r"^Measurement bias",
    "reporting bias": r"^Reporting bias",
    "class imbalance in text and image data": r"Class imbalance in text and image data",
    "data classification": r"Data classification",
}


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_each_new_topic_has_a_section_that_names_it(topic: str) -> None:
    pattern = re.compile(TOPICS[topic])
    hits = [(name, o) for name, o in _all_openings()
            if any(pattern.search(part) for part in o.split(" || "))]
    assert hits, f"no domain-1 section heading or opening sentence names {topic!r}"


def test_topic_check_fails_for_a_missing_topic() -> None:
    pattern = re.compile(r"Quantum annealing of feature stores")
    assert not [o for _, o in _all_openings() if pattern.search(o)]


# --- the exam overview note ------------------------------------------------------------------

def test_exam_note_front_matter_has_no_task() -> None:
    text = EXAM.read_text(encoding="utf-8")
    front = yaml.safe_load(FRONT.match(text)[1])
    assert front["title"] and str(front["reviewed"]) == "2026-12"
    assert "domain" not in front and "task" not in front
    assert isinstance(front.get("services"), list)


def test_exam_note_states_the_exam_facts() -> None:
    text = _flat(EXAM.read_text(encoding="utf-8"))
    for fact in ("The exam has 65 questions, of which 50 are scored and 15 are unscored",
                 "You have 130 minutes",
                 "a scaled score from 100 to 1,000, and the minimum passing score is 720",
                 "Domain 1, Data Preparation for Machine Learning, is 28%",
                 "Domain 2, ML Model Development, is 26%",
                 "Domain 3, Deployment and Orchestration of ML Workflows, is 22%",
                 "Domain 4, ML Solution Monitoring, Maintenance, and Security, is 24%",
                 "- Multiple choice:", "- Multiple response:", "- Ordering:", "- Matching:",
                 "- Case study:",
                 "- LEAST operational overhead", "- MOST cost-effective", "- Lowest latency",
                 "## Worked example",
                 "(source: AWS Certified Machine Learning Engineer - Associate (MLA-C01) "
                 "exam guide)"):
        assert fact in text, fact


def test_exam_note_sections_open_with_their_subject() -> None:
    openings = dict(o.split(" || ") for o in _openings(EXAM))
    assert "MLA-C01" in openings["Reading a scenario for its deciding constraint"]
    assert "worked example" in openings["Worked example: one constraint decides"].lower()


# --- currency --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(D1.glob("*.md")), ids=lambda p: p.name)
def test_domain_1_notes_record_their_review(path: Path) -> None:
    front = yaml.safe_load(FRONT.match(path.read_text(encoding="utf-8"))[1])
    assert str(front.get("reviewed")) == "2026-12"


DATED = re.compile(r"\bformerly\b|\b20\d\d rename\b|\brenamed (?:to|from|in)\b|discontinu|"
                   r"closed to new|Studio Classic feature|no longer (?:available|supported)", re.I)


def test_dated_statements_carry_an_as_of_marker() -> None:
    undated = [(p.name, s[:120]) for p in [*sorted(D1.glob("*.md")), EXAM]
               for s in _sentences(p.read_text(encoding="utf-8"))
               if DATED.search(s) and not re.search(r"as of 20\d\d-\d\d", s)]
    assert not undated, undated


def test_dated_check_catches_an_undated_rename() -> None:
    sentence = "Amazon Data Firehose (formerly Kinesis Data Firehose) delivers streams."
    assert DATED.search(sentence) and not re.search(r"as of 20\d\d-\d\d", sentence)
