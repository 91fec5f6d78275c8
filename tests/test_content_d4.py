"""Domain 4 content (issue 15): the security-groups fix in the catalog and the network note,
and a note section for every topic the issue adds to tasks 4.1, 4.2 and 4.3."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import NOTES, REPO

DOMAIN4 = NOTES / "domain-4"
CATALOG = REPO / "corpus" / "services.yaml"
HEADING = re.compile(r"^(#{2,6})\s+(.*?)\s*$")


def _entry(service_id: str) -> dict:
    raw = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    return next(s for s in raw["services"] if s["id"] == service_id)


def _sections(path: Path) -> list[tuple[str, str]]:
    """(heading, opening sentence) of every H2+ section of a note."""
    lines = path.read_text(encoding="utf-8").split("\n")
    out: list[tuple[str, str]] = []
    for i, line in enumerate(lines):
        m = HEADING.match(line)
        if not m:
            continue
        body = next((ln for ln in lines[i + 1:] if ln.strip()), "")
        if HEADING.match(body):
            body = ""
        opening = re.split(r"(?<=[.!?])\s", body.strip(), maxsplit=1)[0]
        out.append((m.group(2), opening))
    return out


# --- issue 15 item 13: the security-groups scenario ---------------------------------------

def test_security_groups_entry_no_longer_claims_inbound_https_on_endpoint_interfaces() -> None:
    text = " ".join(_entry("security-groups")["scenarios"]).lower()
    assert "network interfaces accept https" not in text
    assert "accept https only from the application tier" not in text


def test_security_groups_entry_states_the_runtime_endpoint_path() -> None:
    text = " ".join(_entry("security-groups")["scenarios"]).lower()
    assert "interface vpc endpoint" in text and "443" in text
    assert "outbound" in text  # the model's interfaces carry the container's own traffic


def test_network_note_says_where_invocations_enter() -> None:
    body = (DOMAIN4 / "4.3-network-security.md").read_text(encoding="utf-8").lower()
    assert "carry the model container's outbound traffic" in body
    assert "inbound https on port 443" in body


# --- new topics: a section whose heading or opening sentence names the topic ---------------

TOPICS: dict[str, list[tuple[str, ...]]] = {
    # task: topic, as alternatives of phrases that must all appear (lower case)
    "4.1": [("well-architected", "machine learning lens", "design principles"),
            ("machine learning lens", "lifecycle"),
            ("glue", "job", "fail"),
            ("pipelines", "step functions", "fail")],
    "4.2": [("lambda insights",),
            ("quicksight", "dashboard"),
            ("service quotas",),
            ("resourcelimitexceeded",),
            ("data exports", "cost and usage report"),
            ("cost anomaly detection",)],
    "4.3": [("studio", "domain", "authentication", "iam identity center"),
            ("execution role", "user profile"),
            ("private space", "shared space"),
            ("accessdenied",),
            ("policy simulator",),
            ("cloudtrail", "errorcode"),
            ("iam access analyzer",),
            ("aws config", "rule"),
            ("conformance pack",),
            ("security hub",)],
}


def _task_sections(task: str) -> list[str]:
    found = []
    for path in sorted(DOMAIN4.glob(f"{task}-*.md")):
        for heading, opening in _sections(path):
            found.append(f"{heading} || {opening}".lower())
    return found


@pytest.mark.parametrize("task,phrases", [(t, p) for t, ps in TOPICS.items() for p in ps],
                         ids=lambda v: v if isinstance(v, str) else "+".join(v))
def test_new_topic_has_a_section(task: str, phrases: tuple[str, ...]) -> None:
    sections = _task_sections(task)
    assert any(all(p in s for p in phrases) for s in sections), \
        f"no {task} section names {phrases} in its heading or opening sentence"


def test_domain4_notes_are_reviewed() -> None:
    for path in sorted(DOMAIN4.glob("*.md")):
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        assert front.get("reviewed") == "2026-12", f"{path.name} lacks reviewed: 2026-12"
