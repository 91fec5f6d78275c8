"""Domain 3 content from issue 15: each fix is in place (the wrong wording is gone and the
corrected fact is stated), and every topic the issue adds for tasks 3.1, 3.2 and 3.3 has a note
section whose heading or opening sentence names it."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.conftest import REPO

CORPUS = REPO / "corpus"
FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)
HEADING = re.compile(r"^(#{2,6})\s+(.*?)\s*$")
BULLET = re.compile(r"^\s*(?:[-*]|\d+\.)\s")


def _note(name: str) -> str:
    return (CORPUS / "notes" / "domain-3" / name).read_text(encoding="utf-8")


def _flat(text: str) -> str:
    """Lower-case text with the Markdown link targets and emphasis removed."""
    text = re.sub(r"\]\(catalog:[^)]*\)", "]", text)
    return " ".join(text.replace("[", "").replace("]", "").replace("`", "").split()).lower()


def _section(text: str, heading: str) -> str:
    """The body of the section with this exact H2/H3 heading ('' when absent)."""
    out: list[str] = []
    inside = False
    for line in text.split("\n"):
        m = HEADING.match(line)
        if m:
            if inside:
                break
            inside = m.group(2) == heading
            continue
        if inside:
            out.append(line)
    return "\n".join(out)


def _catalog_entry(service_id: str) -> dict:
    raw = yaml.safe_load((CORPUS / "services.yaml").read_text(encoding="utf-8"))
    return next(s for s in raw["services"] if s["id"] == service_id)


# --- fixes (issue 15 items 1, 2, 3, 4, 10 (sm-docker) and 11) ----------------------------------

def test_fix_mwaa_serverless_exists_and_idle_cost_is_provisioned_only() -> None:
    text = _flat(_note("3.1-orchestration-choice.md"))
    assert "mwaa is not serverless; an idle environment still costs money" not in text
    assert "an mwaa environment is always running and billed per hour" not in text
    assert "mwaa serverless" in text
    assert "a provisioned mwaa environment is not serverless" in text
    assert re.search(r"mwaa serverless[^.]*\(as of 2026-12\)", text)


def test_fix_codecommit_is_generally_available_again() -> None:
    trap = _flat(_section(_note("3.3-cicd-services-and-git-flows.md"), "Common traps"))
    assert "codecommit closed to new customers in july 2024;" not in trap
    assert "general availability in november 2025 (as of 2025-11)" in trap
    entry = _flat(_catalog_entry("codecommit")["purpose"])
    assert "closed it to new customers in july 2024, so new projects" not in entry
    assert "general availability for new customers in november 2025 (as of 2025-11)" in entry


def test_fix_model_latency_is_a_valid_step_scaling_signal() -> None:
    section = _flat(_section(_note("3.2-endpoint-auto-scaling.md"),
                             "Custom metrics and choosing the right scaling metric"))
    assert "avoid model latency as a target tracking metric" not in section
    assert ("step scaling policy driven by a cloudwatch alarm on the endpoint's modellatency"
            in section)
    assert "keep invocations per instance as the target tracking metric" in section


def test_fix_savings_plans_reserve_no_capacity() -> None:
    text = _flat(_note("3.2-provisioning-containers-and-tagging.md"))
    assert "the sagemaker equivalent of reserved capacity" not in text
    assert "a savings plan is purely a billing discount: it reserves no instances" in text
    assert "sagemaker training plans are the way to reserve gpu or accelerator capacity" in text


def test_fix_sm_docker_is_a_studio_classic_tool() -> None:
    section = _flat(_section(_note("3.2-provisioning-containers-and-tagging.md"),
                             "Building images from SageMaker Studio and managing the registry"))
    assert ("users who cannot run a docker daemon in their notebook environment can use"
            not in section)
    assert "in studio classic" in section and "sm-docker build" in section
    assert "enabledockeraccess" in section and "jupyterlab or code editor space" in section


def test_fix_ecr_is_not_the_only_image_source() -> None:
    note = _note("3.1-containers-and-compute-targets.md")
    first = _flat(_section(note, "Every SageMaker model runs in a container"))
    assert "runs inside a docker container image pulled from amazon ecr" not in first
    assert "private docker registry inside your vpc" in first
    ecr = _flat(_section(note, "Amazon ECR for inference images"))
    assert "every custom or extended inference image must be pushed there first" not in ecr
    assert "the one exception to ecr" in ecr


# --- new topics: a section whose heading or opening sentence names each one --------------------

def _sections_of_task(task: str) -> list[tuple[str, str]]:
    """(heading, opening sentence) of every section in the domain-3 notes of one task."""
    out: list[tuple[str, str]] = []
    for path in sorted((CORPUS / "notes" / "domain-3").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        m = FRONT.match(text)
        if not m or str(yaml.safe_load(m.group(1)).get("task")) != task:
            continue
        body = text[m.end():].split("\n")
        for i, line in enumerate(body):
            h = HEADING.match(line)
            if not h:
                continue
            para = []
            for nxt in body[i + 1:]:
                # a paragraph ends at a blank line; a list's opening is its first item
                if HEADING.match(nxt) or (para and (not nxt.strip() or BULLET.match(nxt))):
                    break
                if nxt.strip():
                    para.append(nxt.strip())
            opening = re.split(r"(?<=[.!?])\s+(?=[A-Z\[`\"])", " ".join(para), maxsplit=1)[0]
            out.append((h.group(2), opening))
    return out


TOPICS = [
    ("3.1", "inference components", [r"inference components?"]),
    ("3.1", "LMI containers", [r"large model inference \(lmi\)"]),
    ("3.1", "Hugging Face TGI", [r"text generation inference|\btgi\b"]),
    ("3.1", "vLLM", [r"\bvllm\b"]),
    ("3.1", "Triton ensembles", [r"triton", r"ensemble"]),
    ("3.1", "network bandwidth", [r"network bandwidth"]),
    ("3.1", "Elastic Fabric Adapter", [r"\befa\b|elastic fabric adapter"]),
    ("3.1", "SageMaker Operators for Kubernetes", [r"sagemaker operators for kubernetes"]),
    ("3.1", "ACK", [r"\back\b|aws controllers for kubernetes"]),
    ("3.2", "CloudFormation cross-stack references", [r"cross-stack reference"]),
    ("3.2", "CloudFormation nested stacks", [r"nested stack"]),
    ("3.2", "Spot Instances for self-managed inference", [r"spot instances", r"inference"]),
    ("3.2", "containers on Amazon ECS", [r"\becs\b", r"model|serv"]),
    ("3.2", "containers on Amazon EKS", [r"\beks\b", r"model|serv"]),
    ("3.3", "CodePipeline quotas", [r"codepipeline", r"quota"]),
    ("3.3", "CodePipeline troubleshooting", [r"codepipeline", r"troubleshoot"]),
    ("3.3", "CodeBuild limits and troubleshooting", [r"codebuild", r"timeout|troubleshoot"]),
    ("3.3", "CodeDeploy troubleshooting", [r"codedeploy", r"troubleshoot"]),
    ("3.3", "CodeDeploy quotas", [r"codedeploy", r"quota"]),
    ("3.3", "GitHub Flow", [r"github flow"]),
    ("3.3", "end-to-end tests", [r"end-to-end test"]),
    ("3.3", "AWS CodeArtifact", [r"codeartifact"]),
]


@pytest.mark.parametrize("task,topic,patterns", TOPICS, ids=[t[1] for t in TOPICS])
def test_new_topic_has_a_section(task: str, topic: str, patterns: list[str]) -> None:
    def names(text: str) -> bool:
        flat = _flat(text)
        return all(re.search(p, flat) for p in patterns)

    hits = [h for h, opening in _sections_of_task(task) if names(h) or names(opening)]
    assert hits, f"no task {task} section names {topic} in its heading or opening sentence"
