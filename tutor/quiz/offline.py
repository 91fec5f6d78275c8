"""Offline question generator: exam-style items from the service catalog and the study notes.

No model is involved. Scenario items come from catalog ``scenarios`` with distractors a
candidate could confuse with the key (``confused_with`` first, then the same category);
ordering items come from ``workflows.WORKFLOWS``; matching items pair catalog entries with
their ``purpose``. Only the exam's formats are written: the exam has no true/false or
fill-in-the-blank items, so the facts such items tested are flashcards now (``flashcards``).
Every item cites the chunk that supports its key. Items are candidates: run them through
``gate.gate_items`` (``session`` does) before showing them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence

from tutor.catalog import Catalog, Service
from tutor.quiz.options import OptionMaker
from tutor.quiz.plan import TaskPlan, item_id, ratio_ok, selection_tasks
from tutor.quiz.support import SupportIndex, citation
from tutor.quiz.workflows import workflows_for
from tutor.text import letters
from tutor.types import Chunk, QuestionType, QuizItem, QuizOption

EXAM_TYPES: tuple[QuestionType, ...] = ("single", "multiple", "ordering", "matching")
# the mix a practice stream cycles through; single-answer items dominate, as on the exam
KIND_CYCLE: tuple[QuestionType, ...] = (
    "single", "multiple", "single", "ordering", "single", "matching", "single", "multiple",
)

LEADS = (
    "A machine learning team needs to {s}.",
    "An ML engineer must {s}.",
    "A data science team wants to {s}.",
    "A company's ML engineer needs to {s}.",
)
CATEGORY_QUESTIONS = {
    "builtin-algorithm": "Which SageMaker built-in algorithm should they use?",
    "inference-option": "Which SageMaker inference option should they use?",
    "ai-service": "Which AWS AI service should they use?",
}
GENERIC_QUESTIONS = (
    "Which AWS service or feature should they use?",
    "Which solution will meet these requirements?",
)
OVERHEAD_QUESTION = (
    "Which solution will meet these requirements with the LEAST operational overhead?"
)
COST_QUESTION = "Which solution will meet these requirements MOST cost-effectively?"
OVERHEAD_CUE = re.compile(
    r"\b(fully managed|managed|serverless|without (managing|provisioning|maintaining|writing|"
    r"building|running)|no[- ]code|low[- ]code|no (servers|infrastructure|cluster)|"
    r"operational overhead|minimal (effort|code|setup))\b",
    re.IGNORECASE,
)
COST_CUE = re.compile(
    r"\b(cost|costs|cheaper|cheapest|inexpensive|budget|discount|savings|spend|pay only)\b",
    re.IGNORECASE,
)


def _meets(scenario: str) -> str:
    return f"It meets the requirement to {scenario.rstrip('. ')}."


class OfflineGenerator:
    """Deterministic for a given seed, catalog and chunk list."""

    def __init__(
        self,
        catalog: Catalog,
        chunks: Sequence[Chunk],
        seed: int | None = None,
        types: Sequence[QuestionType] = EXAM_TYPES,
    ):
        self.catalog = catalog
        self.support = SupportIndex(catalog, chunks)
        self.rng = random.Random(seed)
        self.types = tuple(types)
        self.make = OptionMaker(catalog, self.support, self.rng)

    # ---- the stream -------------------------------------------------------------------------

    def candidates(self, tasks: Sequence[str]) -> Iterator[QuizItem]:
        """Endless-until-exhausted stream over ``tasks`` in round-robin, each task cycling
        through question kinds and topics. Stops when no task can produce another item."""
        plans = [self._plan(t) for t in tasks]
        while plans:
            for plan in list(plans):
                item = self._next_for(plan)
                if item is None:
                    plans.remove(plan)
                else:
                    yield item

    def _plan(self, task: str) -> TaskPlan:
        entries = [s for s in self.catalog.for_task(task) if s.scenarios]
        self.rng.shuffle(entries)
        flows = workflows_for(task)
        self.rng.shuffle(flows)
        # start each task at a different point of the kind cycle so short quizzes still mix
        start = self.rng.randrange(len(KIND_CYCLE))
        return TaskPlan(task=task, entries=entries, workflows=flows, kind_pos=start)

    def _next_for(self, plan: TaskPlan) -> QuizItem | None:
        kinds = [k for k in KIND_CYCLE if k in self.types] or list(self.types)
        for attempt in range(len(kinds) * 2):
            kind = kinds[(plan.kind_pos + attempt) % len(kinds)]
            item = self._make(kind, plan)
            if item is not None:
                plan.kind_pos = (plan.kind_pos + attempt + 1) % len(kinds)
                return item
        return None

    def _make(self, kind: QuestionType, plan: TaskPlan) -> QuizItem | None:
        if kind == "single":
            return self._single(plan)
        if kind == "multiple":
            return self._multiple(plan, self.rng.choice((2, 2, 3)))
        if kind == "ordering":
            return self._ordering(plan)
        if kind == "matching":
            return self._matching(plan)
        return None

    # ---- scenario items ---------------------------------------------------------------------

    def _next_scenario(self, plan: TaskPlan, skip: set[str]) -> tuple[Service, str] | None:
        for step in range(len(plan.entries)):
            service = plan.entries[(plan.entry_pos + step) % len(plan.entries)]
            if service.id in skip:
                continue
            unused = [s for s in service.scenarios if (service.id, s) not in plan.used_scenarios]
            if unused:
                plan.entry_pos = (plan.entry_pos + step + 1) % len(plan.entries)
                return service, unused[0]
        return None

    def _question(self, key: Service, scenario: str) -> str:
        if COST_CUE.search(scenario) and self.rng.random() < 0.7:
            return COST_QUESTION
        if OVERHEAD_CUE.search(scenario) and self.rng.random() < 0.7:
            return OVERHEAD_QUESTION
        if key.category in CATEGORY_QUESTIONS and self.rng.random() < 0.6:
            return CATEGORY_QUESTIONS[key.category]
        return self.rng.choice(GENERIC_QUESTIONS)

    def _single(self, plan: TaskPlan) -> QuizItem | None:
        skip: set[str] = set()
        while True:
            picked = self._next_scenario(plan, skip)
            if picked is None:
                return None
            key, scenario = picked
            plan.used_scenarios.add((key.id, scenario))
            lead = self.rng.choice(LEADS).format(s=scenario.rstrip(". "))
            stem = f"{lead} {self._question(key, scenario)}"
            in_stem = set(self.catalog.mentioned_ids(stem))
            distractors = self.make.distractors([key], 3, banned=in_stem | {key.id})
            support = self.support.best(key.id, f"{scenario} {key.purpose}", plan.task)
            # A scenario whose best support sits in another task's notes belongs to that task
            # (e.g. pre-training bias under 4.1); asking it here would mislabel the item.
            on_task = support is not None and support.chunk.task in (None, plan.task)
            if len(distractors) == 3 and on_task and key.id not in in_stem:
                break
            skip.add(key.id)
        options = [(key, True)] + [(d, False) for d in distractors]
        assert support is not None  # on_task above
        return self.make.service_item("single", plan.task, stem, options,
                                      {key.id: _meets(scenario)}, [support], topic=key.id)

    def _multiple(self, plan: TaskPlan, count: int) -> QuizItem | None:
        keys: list[tuple[Service, str]] = []
        skip: set[str] = set()
        for _ in range(len(plan.entries)):
            if len(keys) == count:
                break
            picked = self._next_scenario(plan, skip)
            if picked is None:
                break
            skip.add(picked[0].id)
            text = " ".join(s for _, s in keys) + " " + picked[1]
            names_clash = any(
                self.catalog.mentions_service(text, k.id) for k, _ in [*keys, picked]
            )
            if not names_clash:
                keys.append(picked)
        if len(keys) < count:
            return None
        supports = [self.support.best(k.id, f"{s} {k.purpose}", plan.task) for k, s in keys]
        if any(s is None or s.chunk.task not in (None, plan.task) for s in supports):
            return None
        word = {2: "TWO", 3: "THREE"}[count]
        clauses = [s.rstrip(". ") for _, s in keys]
        if count == 2:
            body = (f"A machine learning team needs to {clauses[0]}. "
                    f"The team also needs to {clauses[1]}.")
        else:
            body = (f"A machine learning team has three requirements. It must {clauses[0]}. "
                    f"It must also {clauses[1]}. Finally, it must {clauses[2]}.")
        stem = (f"{body} Which combination of AWS services or features will meet these "
                f"requirements? (Select {word}.)")
        in_stem = set(self.catalog.mentioned_ids(stem))
        key_services = [k for k, _ in keys]
        banned = in_stem | {k.id for k in key_services}
        distractors = self.make.distractors(key_services, 3, banned=banned)
        if len(distractors) < 3:
            return None
        for k, s in keys:
            plan.used_scenarios.add((k.id, s))
        options = [(k, True) for k in key_services] + [(d, False) for d in distractors]
        needs = {k.id: _meets(s) for k, s in keys}
        return self.make.service_item("multiple", plan.task, stem, options, needs,
                                      [s for s in supports if s is not None],
                                      topic=key_services[0].id)

    # ---- ordering and matching --------------------------------------------------------------

    def _ordering(self, plan: TaskPlan) -> QuizItem | None:
        while plan.workflows:
            flow = plan.workflows.pop()
            context = f"{flow.goal} {' '.join(flow.steps)}"
            support = self.support.best(flow.topic, context, plan.task)
            if support is None:
                continue
            steps = list(enumerate(flow.steps))
            self.rng.shuffle(steps)
            keys = letters(len(steps))
            options = [
                QuizOption(key=letter, text=text, correct=False,
                           explanation=f"Step {position + 1} of {len(steps)}.")
                for letter, (position, text) in zip(keys, steps, strict=False)
            ]
            order = [keys[steps.index((i, s))] for i, s in enumerate(flow.steps)]
            stem = f"An ML engineer needs to {flow.goal}. Arrange the steps in the correct order."
            return QuizItem(
                id=item_id("ordering", stem, flow.steps),
                type="ordering", domain=int(plan.task[0]), task=plan.task, stem=stem,
                options=options, answer_count=len(options), order=order, explanation=flow.why,
                citations=[citation(support, 1)], topic=flow.topic,
            )
        return None

    def _matching(self, plan: TaskPlan, size: int = 4) -> QuizItem | None:
        usable = [s for s in plan.entries if not self.catalog.mentions_service(s.purpose, s.id)]
        for _ in range(6):
            if len(usable) < size:
                return None
            group = self.rng.sample(usable, size)
            ids = tuple(sorted(s.id for s in group))
            if ids in plan.used_groups:
                continue
            if any(set(self.catalog.mentioned_ids(s.purpose)) & set(ids) for s in group):
                continue  # a description naming a service of the group would hint at a pair
            if not ratio_ok([s.label for s in group]):
                continue
            supports = [self.support.best(s.id, s.purpose, plan.task) for s in group]
            if any(s is None for s in supports):
                continue
            plan.used_groups.add(ids)
            keys = letters(size)
            options = [QuizOption(key=k, text=s.label, explanation=f"{s.label}: {s.purpose}")
                       for k, s in zip(keys, group, strict=False)]
            stem = ("Match each AWS service or feature with the description of what it does. "
                    "Use each description once.")
            return QuizItem(
                id=item_id("matching", stem, [s.label for s in group]),
                type="matching", domain=int(plan.task[0]), task=plan.task, stem=stem,
                options=options, answer_count=size,
                pairs={k: s.purpose for k, s in zip(keys, group, strict=False)},
                explanation="Each entry is paired with the purpose the service catalog gives it.",
                citations=[citation(s, n) for n, s in enumerate(supports, 1) if s is not None],
                topic=group[0].id,
            )
        return None


def generate(
    catalog: Catalog,
    chunks: Sequence[Chunk],
    *,
    domain: int | None = None,
    task: str | None = None,
    count: int = 10,
    seed: int | None = None,
    types: Sequence[QuestionType] = EXAM_TYPES,
) -> list[QuizItem]:
    """Up to ``count`` ungated candidates for a domain or task (all tasks if neither)."""
    stream = OfflineGenerator(catalog, chunks, seed=seed, types=types).candidates(
        selection_tasks(domain, task)
    )
    return [item for _, item in zip(range(count), stream, strict=False)]
