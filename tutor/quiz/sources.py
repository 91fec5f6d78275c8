"""Where a practice set comes from: the authored bank, the offline generator or a chat model.

``practice_quiz`` is what ``tutor quiz`` and the Practice page call. With ``bank`` (the
default) items come from ``draw.draw_practice`` and the offline generator only adds variety
once the selection's bank items are used up; ``offline`` and ``llm`` ask a generator for the
whole set. Every source puts due review items first and records nothing: answers are recorded
by ``session.PracticeSession``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

from tutor import prompts
from tutor.catalog import Catalog
from tutor.config import Settings
from tutor.errors import EmptyIndexError, InputError
from tutor.quiz.bank_items import load_deck
from tutor.quiz.draw import draw_practice
from tutor.quiz.gate import GateStats
from tutor.quiz.offline import EXAM_TYPES
from tutor.quiz.plan import selection_tasks
from tutor.quiz.session import QuizSet, build_quiz
from tutor.types import Chunk, QuizItem

if TYPE_CHECKING:
    from tutor.progress import ProgressStore

QuizSource = Literal["bank", "offline", "llm"]
SOURCES: tuple[QuizSource, ...] = ("bank", "offline", "llm")
Chunks = Callable[[], Sequence[Chunk]]  # the indexed note chunks, read only when needed


def available_sources(settings: Settings) -> list[QuizSource]:
    """The sources this configuration can use: ``llm`` only with a chat model configured."""
    return [s for s in SOURCES if s != "llm" or settings.llm_provider != "none"]


def llm_quiz(settings: Settings, catalog: Catalog, chunks: Chunks, *,
             domain: int | None, task: str | None, count: int, seed: int | None,
             exclude: set[str] | None = None) -> QuizSet:
    """Up to ``count`` items written by the configured chat model, gated like every item.
    BackendError (its text free of keys) when the model fails."""
    from tutor.llm import make_chat_model
    from tutor.quiz.llm_items import LLMQuizGenerator

    if settings.llm_provider == "none":
        raise InputError(prompts.QUIZ_NEEDS_MODEL)
    generator = LLMQuizGenerator(make_chat_model(settings), catalog, seed=seed,
                                 settings=settings)
    result = generator.generate(chunks(), domain=domain, task=task, count=count)
    items = [i for i in result.items if i.id not in (exclude or set())]
    return QuizSet(items=items, requested=count, stats=result.gate,
                   tasks=selection_tasks(domain, task), generated=len(items))


def practice_quiz(
    settings: Settings,
    catalog: Catalog,
    chunks: Chunks,
    store: ProgressStore | None,
    *,
    source: QuizSource = "bank",
    domain: int | None = None,
    task: str | None = None,
    count: int = 10,
    seed: int | None = None,
    review: bool = True,
) -> QuizSet:
    """A practice set from ``source`` (see the module docstring)."""
    if source not in SOURCES:
        raise InputError(prompts.QUIZ_BAD_SOURCE.format(source=source, known=", ".join(SOURCES)))
    due: list[QuizItem] = []
    if review and store is not None:
        due = [i for i in store.due_items(domain=domain, task=task) if i.type in EXAM_TYPES]
    tasks = selection_tasks(domain, task)
    if source == "offline":
        return build_quiz(catalog, chunks(), domain=domain, task=task, count=count, seed=seed,
                          review=due)
    if source == "llm":
        made = llm_quiz(settings, catalog, chunks, domain=domain, task=task,
                        count=max(count - len(due), 0), seed=seed,
                        exclude={i.id for i in due})
        made.items = due[:count] + made.items
        made.review_ids = [i.id for i in due[:count]]
        made.requested = count
        return made
    notice: list[str] = []

    def offline(n: int, exclude: set[str]) -> QuizSet:
        try:
            return build_quiz(catalog, chunks(), domain=domain, task=task, count=n,
                              seed=seed, exclude=exclude)
        except EmptyIndexError:
            notice.append(prompts.QUIZ_BANK_USED_UP)
            return QuizSet(items=[], requested=n, stats=GateStats())

    deck = load_deck(docs_dir=settings.docs_dir)
    quiz = draw_practice(deck, catalog, tasks, count, review=due,
                         seen=store.last_seen() if store is not None else None, seed=seed,
                         generate=offline)
    quiz.notice = notice[0] if notice else None
    return quiz
