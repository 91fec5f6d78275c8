"""Domain 2 content (issue 15): the fixes to outdated statements are in place, every new
exam-guide topic of tasks 2.1-2.3 has a note section that names it, the SageMaker names note
exists, and dated statements carry an "as of" marker.

Each fix test checks both sides: the old, wrong phrase is gone and the corrected fact is
present, so it fails on the text as it was before the fix. The checks are plain functions of
a notes folder so that they can be run against an older copy of the corpus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import NOTES

D2 = NOTES / "domain-2"
GENERAL = NOTES / "general"
FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)
H2 = re.compile(r"^##\s+(.+?)\s*$", re.M)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\[`\"(])")
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _body(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    m = FRONT.match(text)
    return text[m.end():] if m else text


def _plain(text: str) -> str:
    """Markdown links reduced to their text, code marks dropped, whitespace collapsed."""
    return " ".join(LINK.sub(r"\1", text).replace("`", "").split())


def sections(path: Path) -> dict[str, str]:
    """H2 heading -> the section text up to the next H2."""
    body = _body(path)
    heads = list(H2.finditer(body))
    out = {}
    for n, m in enumerate(heads):
        end = heads[n + 1].start() if n + 1 < len(heads) else len(body)
        out[m.group(1)] = body[m.end():end]
    return out


def opening_sentence(section_text: str) -> str:
    first = next((p for p in section_text.strip().split("\n\n") if p.strip()), "")
    first = re.split(r"\n(?=\s*(?:[-*]|\d+\.)\s)", first, maxsplit=1)[0]  # a list: its first item
    return SENTENCE_END.split(_plain(first), maxsplit=1)[0]


def section(path: Path, heading: str) -> str:
    found = sections(path)
    assert heading in found, f"{path.name}: no section '{heading}'"
    return _plain(found[heading])


# --- (a) the fixes -----------------------------------------------------------------------

def comprehend_problems(notes: Path) -> list[str]:
    text = section(notes / "domain-2" / "2.1-ai-services.md", "Amazon Comprehend")
    problems = []
    if "syntax, topic modeling and PII detection" in text:
        problems.append("topic modeling is still listed as an open Comprehend feature")
    if not re.search(r"topic modeling, event detection and prompt safety classification "
                     r"closed to new customers on 2026-04-30", text):
        problems.append("the 2026-04-30 closure of the three Comprehend features is missing")
    if "(as of 2026-04)" not in text or "(as of 2026-12)" not in text:
        problems.append("the closure sentences carry no 'as of' marker")
    return problems


def rekognition_problems(notes: Path) -> list[str]:
    text = section(notes / "domain-2" / "2.1-ai-services.md", "Amazon Rekognition")
    problems = []
    if "stored or streaming video" in text:
        problems.append("streaming video is still offered as an open Rekognition feature")
    if not re.search(r"Streaming Video analysis .* and Rekognition Bulk Image Analysis .* "
                     r"closed to new customers on 2026-04-30 \(as of 2026-04\)", text):
        problems.append("the 2026-04-30 closure of streaming video and bulk image analysis "
                        "is missing")
    if "Do not recommend either closed feature for a new project" not in text:
        problems.append("the note does not steer new projects away from the closed features")
    return problems


def choosing_autopilot_problems(notes: Path) -> list[str]:
    body = _body(notes / "domain-2" / "2.1-choosing-an-approach.md")
    text = _plain(body)
    problems = []
    if "API or [SageMaker Studio](catalog:sagemaker-studio) driven" in body or \
            "(API or SageMaker Studio driven)" in text:
        problems.append("Autopilot is still described as API or SageMaker Studio driven")
    ladder = section(notes / "domain-2" / "2.1-choosing-an-approach.md",
                     "The build-versus-buy ladder")
    for fact in ("Canvas", "Autopilot experience since late 2023", "CreateAutoMLJobV2",
                 "standalone Autopilot UI survives only in Studio Classic"):
        if fact not in ladder:
            problems.append(f"the ladder lacks: {fact}")
    return problems


def low_code_autopilot_problems(notes: Path) -> list[str]:
    path = notes / "domain-2" / "2.1-low-code-autopilot-canvas.md"
    problems = []
    if "comfortable with an API or [SageMaker Studio]" in _body(path):
        problems.append("Autopilot is still 'API or SageMaker Studio' driven")
    if "Where Autopilot lives now" not in sections(path):
        return [*problems, "no section on where Autopilot lives now"]
    text = section(path, "Where Autopilot lives now")
    for fact in ("2023-11-30", "moved into SageMaker Canvas",
                 "standalone Autopilot UI remains only in Studio Classic",
                 "AWS recommends CreateAutoMLJobV2", "(as of 2026-12)"):
        if fact not in text:
            problems.append(f"the Autopilot section lacks: {fact}")
    return problems


def debugger_problems(notes: Path) -> list[str]:
    path = notes / "domain-2" / "2.3-debugger.md"
    problems = []
    if "can be explored in [SageMaker Studio](catalog:sagemaker-studio), which shows rule " \
       "status and the profiler report" in _body(path):
        problems.append("Debugger dashboards are still presented as a current Studio feature")
    if "Debugger in Studio Classic versus the current Studio" not in sections(path):
        return [*problems, "no section separating Studio Classic from current Studio"]
    text = section(path, "Debugger in Studio Classic versus the current Studio")
    for fact in ("built for Studio Classic", "Debugger insights dashboard",
                 "runs as a Studio Classic application",
                 "built-in and custom rules, built-in actions, the ProfilerReport HTML report"):
        if fact not in text:
            problems.append(f"the Studio Classic section lacks: {fact}")
    what = section(path, "What SageMaker Debugger does")
    if "closed to new customers on 2026-07-30" not in what or "(as of 2026-12)" not in what:
        problems.append("the Debugger closure (2026-07-30) is missing or undated")
    profiling = section(path, "Profiling system utilisation")
    if "SageMaker Profiler itself reaches end of support on 2027-06-30" not in profiling:
        problems.append("SageMaker Profiler's end of support is missing")
    return problems


def xgboost_problems(notes: Path) -> list[str]:
    path = notes / "domain-2" / "2.1-builtin-algorithms-tabular-unsupervised.md"
    text = section(path, "XGBoost")
    problems = []
    if "RecordIO-protobuf" in text:
        problems.append("the XGBoost section still claims RecordIO-protobuf input")
    if "three formats for training data, CSV, LibSVM and Parquet" not in text:
        problems.append("training formats are not CSV, LibSVM and Parquet")
    if "two for inference requests, CSV and LibSVM" not in text:
        problems.append("inference formats are not CSV and LibSVM")
    intro = section(path, "How to read the built-in algorithm list")
    if "XGBoost is different: it reads CSV, LibSVM or Parquet" not in intro:
        problems.append("the overview does not single XGBoost out of the RecordIO group")
    return problems


FIXES = {
    "comprehend-closed-features": comprehend_problems,
    "rekognition-closed-features": rekognition_problems,
    "autopilot-in-canvas-choosing-note": choosing_autopilot_problems,
    "autopilot-in-canvas-low-code-note": low_code_autopilot_problems,
    "debugger-studio-classic": debugger_problems,
    "xgboost-input-formats": xgboost_problems,
}


@pytest.mark.parametrize("name", FIXES)
def test_fix_is_in_place(name: str) -> None:
    problems = FIXES[name](NOTES)
    assert not problems, "\n".join(problems)


# --- (b) every new topic has a section that names it ------------------------------------

# topic -> (notes to search, pattern that the heading or the opening sentence must match)
TOPICS: dict[str, tuple[str, str]] = {
    # 2.1
    "LightGBM": ("domain-2/2.1-*.md", r"\bLightGBM\b"),
    "CatBoost": ("domain-2/2.1-*.md", r"\bCatBoost\b"),
    "AutoGluon-Tabular": ("domain-2/2.1-*.md", r"\bAutoGluon-Tabular\b"),
    "TabTransformer": ("domain-2/2.1-*.md", r"\bTabTransformer\b"),
    "Image Classification - MXNet": ("domain-2/2.1-*.md", r"Image Classification - MXNet"),
    "Image Classification - TensorFlow": ("domain-2/2.1-*.md",
                                          r"Image Classification - TensorFlow"),
    "Text Classification - TensorFlow": ("domain-2/2.1-*.md",
                                         r"Text Classification - TensorFlow"),
    "Bedrock on-demand vs Provisioned Throughput": (
        "domain-2/2.1-*.md", r"on-demand.*Provisioned Throughput"),
    "Bedrock model evaluation (2.1)": ("domain-2/2.1-*.md", r"Bedrock model evaluation"),
    "retiring services": ("domain-2/2.1-*.md", r"[Rr]etiring services"),
    # 2.2
    "model.tar.gz for models trained elsewhere": (
        "domain-2/2.2-*.md", r"trained (outside SageMaker|elsewhere).*model\.tar\.gz"),
    "Bedrock Custom Model Import": ("domain-2/2.2-*.md", r"Bedrock Custom Model Import"),
    "steps vs epochs": ("domain-2/2.2-*.md", r"[Ss]teps? versus epochs?|step .* epoch"),
    "multi-algorithm tuning": ("domain-2/2.2-*.md", r"[Mm]ulti-algorithm tuning"),
    "automatic tuning ranges (Autotune)": ("domain-2/2.2-*.md",
                                           r"Autotune.*(range|automatic)"),
    "Model Registry lifecycle stages": ("domain-2/2.2-*.md", r"[Ll]ifecycle stages"),
    "SageMaker HyperPod": ("domain-2/2.2-*.md", r"SageMaker HyperPod"),
    "SageMaker training plans": ("domain-2/2.2-*.md", r"SageMaker training plans"),
    # 2.3
    "confusion-matrix heat maps": ("domain-2/2.3-*.md", r"[Cc]onfusion-matrix heat map"),
    "performance vs training time vs cost": (
        "domain-2/2.3-*.md", r"performance, training time and cost"),
    "ROUGE, BLEU and perplexity": ("domain-2/2.3-*.md", r"ROUGE, BLEU and perplexity"),
    "Clarify foundation model evaluations": (
        "domain-2/2.3-*.md", r"SageMaker Clarify foundation model evaluations"),
    "Bedrock model evaluation (2.3)": ("domain-2/2.3-*.md", r"Bedrock model evaluation"),
    # the consoles-and-names note
    "SageMaker Studio (current)": ("general/sagemaker-consoles-and-names.md",
                                   r"SageMaker Studio \(the current IDE\)"),
    "Studio Classic": ("general/sagemaker-consoles-and-names.md", r"Studio Classic"),
    "SageMaker Unified Studio": ("general/sagemaker-consoles-and-names.md",
                                 r"SageMaker Unified Studio"),
    "SageMaker Canvas": ("general/sagemaker-consoles-and-names.md", r"SageMaker Canvas"),
    "SageMaker AI rename": ("general/sagemaker-consoles-and-names.md",
                            r"SageMaker AI.*(rename|renamed)"),
}


def topic_sections(notes: Path, glob: str, pattern: str) -> list[str]:
    """'note#heading' of every H2 section whose heading or opening sentence matches."""
    rx = re.compile(pattern)
    hits = []
    for path in sorted(notes.glob(glob)):
        for heading, text in sections(path).items():
            if rx.search(heading) or rx.search(opening_sentence(text)):
                hits.append(f"{path.name}#{heading}")
    return hits


@pytest.mark.parametrize("topic", TOPICS)
def test_new_topic_has_a_section(topic: str) -> None:
    glob, pattern = TOPICS[topic]
    assert topic_sections(NOTES, glob, pattern), f"no section names {topic!r}"


# --- the names note, review dates and "as of" markers -----------------------------------

def test_consoles_and_names_note_front_matter() -> None:
    path = GENERAL / "sagemaker-consoles-and-names.md"
    front = yaml.safe_load(FRONT.match(path.read_text(encoding="utf-8")).group(1))
    assert set(front) == {"title", "services", "reviewed"}
    assert str(front["reviewed"]) == "2026-12"
    for sid in ("sagemaker-studio", "sagemaker-studio-classic", "sagemaker-unified-studio",
                "sagemaker-canvas"):
        assert sid in front["services"]
    rename = section(path, "Amazon SageMaker AI: the December 2024 rename")
    assert "2024-12-03" in rename and "(as of 2024-12)" in rename


@pytest.mark.parametrize("path", sorted(D2.glob("*.md")), ids=lambda p: p.name)
def test_domain_2_note_was_reviewed(path: Path) -> None:
    front = yaml.safe_load(FRONT.match(path.read_text(encoding="utf-8")).group(1))
    assert str(front.get("reviewed")) == "2026-12"


DATED = re.compile(r"closed to new customers|no longer (accept|onboard|available)|"
                   r"end of support|stopped (accepting|offering)|renamed", re.I)


def test_dated_statements_carry_an_as_of_marker() -> None:
    """A paragraph about a closure, an end of support or a rename says 'as of', or sits in a
    section whose heading does."""
    problems = []
    for path in [*sorted(D2.glob("*.md")), GENERAL / "sagemaker-consoles-and-names.md"]:
        for heading, text in sections(path).items():
            for para in re.split(r"\n\s*\n|\n(?=\s*[-*]\s)", text):
                if DATED.search(para) and "as of 20" not in para and "as of 20" not in heading:
                    problems.append(f"{path.name}#{heading}: {_plain(para)[:90]}")
    assert not problems, "\n".join(problems)
