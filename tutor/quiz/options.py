"""Options for items whose answers are catalog entries: distractors a candidate could confuse
with the key, and the item built around them. Shared by the offline generator's builders."""

from __future__ import annotations

import random
from collections.abc import Sequence

from tutor.catalog import Catalog, Service, distractor_pool
from tutor.quiz.plan import item_id, ratio_ok
from tutor.quiz.support import Support, SupportIndex, citation
from tutor.text import letters
from tutor.types import QuestionType, QuizItem, QuizOption


class OptionMaker:
    """Catalog, supporting passages and the random source that one generator's builders share."""

    def __init__(self, catalog: Catalog, support: SupportIndex, rng: random.Random):
        self.catalog = catalog
        self.support = support
        self.rng = rng

    def distractors(self, keys: Sequence[Service], n: int, banned: set[str]) -> list[Service]:
        """Up to ``n`` wrong options a candidate could confuse with the keys, with names of
        similar length."""
        pools: list[Service] = []
        for key in keys:
            pool = distractor_pool(self.catalog, key, exclude=banned)
            confusable, rest = pool[: len(key.confused_with)], pool[len(key.confused_with) :]
            self.rng.shuffle(confusable)
            self.rng.shuffle(rest)
            pools.extend(confusable + rest)
        chosen: list[Service] = []
        names = [k.label for k in keys]
        unique = {c.id: c for c in pools}
        for candidate in unique.values():
            if candidate.id in banned or candidate.label in names:
                continue
            if ratio_ok([*names, *(c.label for c in chosen), candidate.label]):
                chosen.append(candidate)
            if len(chosen) == n:
                break
        return chosen

    def service_item(
        self,
        kind: QuestionType,
        task: str,
        stem: str,
        options: list[tuple[Service, bool]],
        needs: dict[str, str],
        supports: list[Support],
        topic: str,
    ) -> QuizItem:
        """An item whose options are catalog entries, shuffled; ``needs`` says, per key, which
        requirement of the stem it meets."""
        self.rng.shuffle(options)
        quiz_options = []
        for letter, (service, correct) in zip(letters(len(options)), options, strict=True):
            if correct:
                why = f"Correct. {service.label}: {service.purpose} {needs[service.id]}"
            else:
                why = f"Incorrect. {service.label} is not the best fit here. {service.purpose}"
            quiz_options.append(
                QuizOption(key=letter, text=service.label, correct=correct, explanation=why))
        keys = [s for s, c in options if c]
        summary = " ".join(f"{k.label}: {k.purpose}" for k in keys)
        return QuizItem(
            id=item_id(kind, stem, [o.text for o in quiz_options]),
            type=kind,
            domain=int(task[0]),
            task=task,
            stem=stem,
            options=quiz_options,
            answer_count=len(keys),
            explanation=summary,
            citations=[citation(s, n) for n, s in enumerate(supports, start=1)],
            topic=topic,
        )
