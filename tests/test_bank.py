"""The authored cards and practice items in corpus/: every citation resolves and supports what
it is cited for (tutor.quiz.bank.check_corpus, run against the AWS docs copy when present),
each task has enough of both, no two cards say the same thing, and the item bank has the
type mix, case studies and answer-key balance the exam has."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.conftest import AWS_DOCS, REPO
from tutor.exam import TASKS
from tutor.quiz.bank import Bank, BankItem, CaseStudy, load_bank, load_cards
from tutor.quiz.bank_check import check_corpus

CORPUS = REPO / "corpus"
DOCS = AWS_DOCS if AWS_DOCS.is_dir() else None

MIN_CARDS_PER_TASK = 40
MIN_ITEMS_PER_TASK = 24
# Lowest share of each item type in the whole bank.
MIN_TYPE_SHARE = {"single": 0.60, "multiple": 0.15, "ordering": 0.05, "matching": 0.05}
MIN_CASES = 8
MIN_CROSS_DOMAIN_CASES = 2
KEY_LETTER_SHARE = (0.20, 0.30)  # each of A-D, over all single-answer items
MAX_KEY_LONGEST_SHARE = 0.25  # single items whose key is strictly the longest option


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank()


# --- cards -----------------------------------------------------------------------------------

def test_every_card_cite_resolves_and_supports_the_back() -> None:
    """check_corpus over the cards: each cite names an existing note section (or a listed AWS
    page), the cited text holds the back's figures, code names and most of its key terms, and
    no two cards are near-duplicates."""
    result = check_corpus(aws_docs=DOCS, parts=("cards",))
    assert not result.problems, "\n".join(result.problems)
    assert sum(result.stats["cards_per_task"].values()) >= MIN_CARDS_PER_TASK * len(TASKS)


def test_at_least_40_cards_per_task() -> None:
    per_task = Counter(c.task for c in load_cards())
    short = {t: per_task[t] for t in TASKS if per_task[t] < MIN_CARDS_PER_TASK}
    assert not short, f"tasks with fewer than {MIN_CARDS_PER_TASK} cards: {short}"


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def test_no_two_cards_ask_or_answer_the_same_thing() -> None:
    """Beyond check_corpus's word-overlap rule: no two cards share a front or a back once case
    and punctuation are ignored."""
    cards = load_cards()
    for field in ("front", "back"):
        seen = Counter(_words(getattr(c, field)) for c in cards)
        dupes = [text[:80] for text, n in seen.items() if n > 1]
        assert not dupes, f"cards with the same {field}: {dupes}"


def _mini_corpus(tmp_path: Path, cards: list[dict]) -> Path:
    corpus = tmp_path / "corpus"
    (corpus / "cards").mkdir(parents=True)
    (corpus / "items").mkdir()
    for name in ("services.yaml", "aws_docs.yaml"):
        shutil.copy(CORPUS / name, corpus / name)
    shutil.copytree(CORPUS / "notes", corpus / "notes")
    (corpus / "cards" / "3.1.yaml").write_text(yaml.safe_dump({"task": "3.1", "cards": cards}),
                                               encoding="utf-8")
    return corpus


def test_card_checks_can_fail(tmp_path: Path) -> None:
    """check_corpus reports a near-duplicate pair, a cite to a missing section, and a back
    whose figure the cited section does not state."""
    cite = "notes/domain-3/3.1-inference-options.md#Serverless inference"
    base = {"front": "How big can a request to a serverless endpoint be?",
            "back": "A SageMaker serverless endpoint accepts a request payload of at most 4 MB.",
            "tags": ["sagemaker-serverless-inference"], "cite": cite}
    cards = [{"id": "3.1-serverless-payload", **base},
             {"id": "3.1-serverless-payload-again", **base,
              "front": "How big can a request to a serverless endpoint be, roughly?"},
             {"id": "3.1-missing-section", **base, "front": "What is a quantum endpoint?",
              "back": "A quantum endpoint answers before it is asked, in 0 seconds.",
              "cite": "notes/domain-3/3.1-inference-options.md#Quantum inference"},
             {"id": "3.1-wrong-figure", **base, "front": "How much memory can it have?",
              "back": "A SageMaker serverless endpoint can be given 777 GB of memory."}]
    problems = check_corpus(_mini_corpus(tmp_path, cards), parts=("cards",)).problems
    assert any("3.1-serverless-payload and 3.1-serverless-payload-again are near-duplicates" in p
               for p in problems)
    assert any(p.startswith("3.1-missing-section: cite") and "does not resolve" in p
               for p in problems)
    assert any(p.startswith("3.1-wrong-figure:") and "777" in p for p in problems)


# --- items -----------------------------------------------------------------------------------

def test_every_item_passes_the_editorial_checks() -> None:
    """check_corpus over the items: every option's cite resolves and supports its why, no
    all/none-of-the-above or true/false wording, no two items share constraint and key."""
    result = check_corpus(aws_docs=DOCS, parts=("items",))
    assert not result.problems, "\n".join(result.problems)


def _key_is_longest(item: BankItem) -> bool:
    key = item.keys[0]
    return len(item.options[key].text) > max(len(o.text) for n, o in enumerate(item.options)
                                             if n != key)


def _spans_domains(case: CaseStudy) -> bool:
    return len({i.domain for i in case.items}) >= 2


def bank_shape_problems(bank: Bank, tasks: tuple[str, ...] = tuple(TASKS)) -> list[str]:
    """What keeps the bank from the exam's shape: items per task, type mix, case studies,
    and where the key of single-answer items sits."""
    problems: list[str] = []
    per_task = {t: len(bank.by_task(t)) for t in tasks}
    problems += [f"task {t} has {n} items (< {MIN_ITEMS_PER_TASK})"
                 for t, n in per_task.items() if n < MIN_ITEMS_PER_TASK]
    total = len(bank.items) or 1
    types = Counter(i.type for i in bank.items)
    problems += [f"{kind} items are {types[kind] / total:.1%} of the bank (< {share:.0%})"
                 for kind, share in MIN_TYPE_SHARE.items() if types[kind] / total < share]
    if len(bank.cases) < MIN_CASES:
        problems.append(f"{len(bank.cases)} case studies (< {MIN_CASES})")
    for case in bank.cases:
        words = len(case.scenario.split())
        if not 120 <= words <= 250:
            problems.append(f"{case.id}: scenario of {words} words (120-250 allowed)")
        if not 3 <= len(case.items) <= 4:
            problems.append(f"{case.id}: {len(case.items)} items (3-4 allowed)")
    crossing = [c.id for c in bank.cases if _spans_domains(c)]
    if len(crossing) < MIN_CROSS_DOMAIN_CASES:
        problems.append(f"{len(crossing)} case studies span two domains "
                        f"(< {MIN_CROSS_DOMAIN_CASES})")
    singles = [i for i in bank.items if i.type == "single"]
    if singles:
        letters = Counter("ABCD"[i.keys[0]] for i in singles)
        low, high = KEY_LETTER_SHARE
        for letter in "ABCD":
            share = letters[letter] / len(singles)
            if not low <= share <= high:
                problems.append(f"key {letter} in {share:.1%} of single items "
                                f"({low:.0%}-{high:.0%} allowed)")
        longest = sum(_key_is_longest(i) for i in singles) / len(singles)
        if longest > MAX_KEY_LONGEST_SHARE:
            problems.append(f"key is the longest option in {longest:.1%} of single items "
                            f"(> {MAX_KEY_LONGEST_SHARE:.0%})")
    return problems


def test_items_per_task_type_mix_cases_and_key_balance(bank: Bank) -> None:
    stats = {"items": len(bank.items), "cases": len(bank.cases),
             "per_task": {t: len(bank.by_task(t)) for t in TASKS}}
    print(f"\nitem bank: {stats}")
    problems = bank_shape_problems(bank)
    assert not problems, "\n".join(problems)


def test_case_studies_have_their_own_shape(bank: Bank) -> None:
    """The shape rules, spelled out: at least eight case studies of 120-250 words with three
    or four items each, and at least two whose items span two exam domains."""
    assert len(bank.cases) >= MIN_CASES
    for case in bank.cases:
        assert 120 <= len(case.scenario.split()) <= 250, case.id
        assert 3 <= len(case.items) <= 4, case.id
        assert all(i.case == case.id for i in case.items), case.id
    assert sum(_spans_domains(c) for c in bank.cases) >= MIN_CROSS_DOMAIN_CASES


def _single(ident: str, task: str, key: int, longest: bool) -> dict:
    texts = ["Use option text one here", "Use option text two here",
             "Use option text three here", "Use option text four here"]
    if longest:
        texts[key] += " with a much longer ending"
    return {"id": ident, "task": task, "type": "single", "difficulty": 1,
            "skill": "Pick one thing", "constraint": f"constraint {ident}",
            "stem": "A team must choose one of these four options. Which one should it choose?",
            "options": [{"text": t, "correct": n == key, "why": "Because the note says so.",
                         "cite": "notes/domain-3/3.1-inference-options.md#Serverless inference"}
                        for n, t in enumerate(texts)]}


def test_bank_shape_check_can_fail(tmp_path: Path) -> None:
    """A bank of four single items, every key at A and longest, and no case studies, fails
    the item count, the type mix, the case-study rules and both key rules."""
    folder = tmp_path / "items"
    folder.mkdir()
    items = [_single(f"3.1-toy-{n}", "3.1", 0, True) for n in range(4)]
    (folder / "3.1.yaml").write_text(yaml.safe_dump({"task": "3.1", "items": items}),
                                     encoding="utf-8")
    problems = bank_shape_problems(load_bank(folder), tasks=("3.1",))
    for expected in ("task 3.1 has 4 items", "multiple items are 0.0%",
                     "ordering items are 0.0%", "matching items are 0.0%", "0 case studies (",
                     "0 case studies span two domains", "key A in 100.0%", "key B in 0.0%",
                     "key is the longest option in 100.0%"):
        assert any(p.startswith(expected) for p in problems), (expected, problems)
