"""Question generation with a chat model, grounded in one passage per question.

The model gets one chunk and must reply with JSON matching ``LLMQuestion``. The reply is
validated with pydantic; on failure the model is shown the validation error once and asked
again (one repair attempt); a second failure discards the item. We ask for JSON in the prompt
rather than using tool calling so any chat model works (local llama.cpp and Ollama models
included) and scripted fakes can drive the tests. Valid items then go through the same quality
gate as offline items, with the passage as their citation.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field, ValidationError, model_validator

from tutor import prompts
from tutor.answer.guard import sanitize_text
from tutor.catalog import Catalog
from tutor.config import Settings
from tutor.errors import BackendError
from tutor.exam import TASKS
from tutor.llm.errors import describe_error, scrub
from tutor.quiz.gate import GateStats, check_item, with_flags
from tutor.quiz.plan import item_id, selection_tasks
from tutor.quiz.support import Support, citation, passage_text
from tutor.text import letters
from tutor.types import Chunk, QuizItem, QuizOption

SYSTEM_PROMPT = (
    "You write practice questions for the AWS Certified Machine Learning Engineer - Associate "
    "(MLA-C01) exam. Every question must be answerable from the passage you are given and from "
    "nothing else. Write scenario-style stems like the real exam. Never use 'all of the above' "
    "or 'none of the above'. Do not name the correct answer in the stem. Make wrong options "
    "plausible to a candidate, of similar length and form to the right ones. Give every option "
    "a one-sentence explanation of why it is right or wrong. Reply with one JSON object only."
)
USER_PROMPT = """Exam task statement {task}: {task_name}

Passage:
<<<
{passage}
>>>

Write one {kind_text} question about this passage.
Reply with JSON only, in this shape:
{{"type": "{kind}", "stem": "...", "explanation": "...",
 "options": [{{"text": "...", "correct": true, "explanation": "..."}}, ...]}}
{rules}"""
KIND_RULES = {
    "single": "Give exactly 4 options and exactly 1 correct option.",
    "multiple": "Give exactly 5 options and exactly 2 correct options; end the stem with "
                "(Select TWO.).",
}
KIND_TEXT = {"single": "multiple-choice (one correct answer)",
             "multiple": "multiple-response (two correct answers)"}
REPAIR_PROMPT = (
    "Your reply could not be used: {error}\n"
    "Reply again with the corrected JSON object only, no other text."
)
_SELECT = {2: "(Select TWO.)", 3: "(Select THREE.)"}


class LLMOption(BaseModel):
    text: str = Field(min_length=1, max_length=300)
    correct: bool
    explanation: str = Field(min_length=1)


class LLMQuestion(BaseModel):
    """The JSON a model must return; counts match the exam formats."""

    type: Literal["single", "multiple"]
    stem: str = Field(min_length=20)
    options: list[LLMOption]
    explanation: str = Field(min_length=1)

    @model_validator(mode="after")
    def _counts(self) -> LLMQuestion:
        right = sum(o.correct for o in self.options)
        if self.type == "single" and (len(self.options) != 4 or right != 1):
            raise ValueError("a single-answer question needs 4 options with exactly 1 correct")
        if self.type == "multiple" and (len(self.options) < 5 or right not in (2, 3)):
            raise ValueError(
                "a multiple-response question needs at least 5 options, 2 or 3 correct")
        return self


def parse_reply(text: str) -> LLMQuestion:
    """The first JSON object in a reply (code fences allowed), validated; ValueError if none."""
    cleaned = re.sub(r"```(?:json)?", "", text)
    start, end = cleaned.find("{"), cleaned.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("the reply contains no JSON object")
    try:
        data = json.loads(cleaned[start : end + 1])
    except json.JSONDecodeError as exc:
        raise ValueError(f"the JSON is malformed ({exc.msg} at position {exc.pos})") from exc
    try:
        return LLMQuestion.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'question'}: {e['msg']}" for e in exc.errors()
        )
        raise ValueError(problems) from exc


@dataclass
class LLMGenerationResult:
    items: list[QuizItem] = field(default_factory=list)
    gate: GateStats = field(default_factory=GateStats)
    invalid: int = 0  # replies discarded after the repair attempt
    repaired: int = 0
    calls: int = 0
    errors: list[str] = field(default_factory=list)


class LLMQuizGenerator:
    """Generates gated items from chunks with any LangChain chat model."""

    def __init__(self, model: BaseChatModel, catalog: Catalog, seed: int | None = None,
                 settings: Settings | None = None):
        self.model = model
        self.catalog = catalog
        self.rng = random.Random(seed)
        self.settings = settings  # names the keys to scrub and the hints in error messages

    def _ask(self, messages: list[BaseMessage], result: LLMGenerationResult) -> str:
        result.calls += 1
        try:
            reply = self.model.invoke(messages)
        except Exception as exc:  # noqa: BLE001 - any provider failure is one error type
            detail = (describe_error(exc, self.settings) if self.settings is not None
                      else scrub(" ".join(str(exc).split())[:200]))
            # from None: the provider's exception text may hold the key this message scrubs
            raise BackendError(prompts.QUIZ_LLM_FAILED.format(detail=detail)) from None
        content = reply.content
        return content if isinstance(content, str) else json.dumps(content)

    def question_for(self, chunk: Chunk, task: str, kind: str,
                     result: LLMGenerationResult) -> LLMQuestion | None:
        """Ask for one question; one repair round; None when both replies are invalid."""
        messages: list[BaseMessage] = [
            SystemMessage(SYSTEM_PROMPT),
            HumanMessage(USER_PROMPT.format(
                task=task, task_name=TASKS[task], passage=_model_safe(passage_text(chunk)),
                kind=kind,
                kind_text=KIND_TEXT[kind], rules=KIND_RULES[kind])),
        ]
        reply = self._ask(messages, result)
        try:
            return parse_reply(reply)
        except ValueError as first:
            messages += [AIMessage(reply), HumanMessage(REPAIR_PROMPT.format(error=first))]
        reply = self._ask(messages, result)
        try:
            question = parse_reply(reply)
        except ValueError as second:
            result.invalid += 1
            result.errors.append(str(second))
            return None
        result.repaired += 1
        return question

    def to_item(self, question: LLMQuestion, chunk: Chunk, task: str) -> QuizItem:
        options = list(question.options)
        self.rng.shuffle(options)
        right = sum(o.correct for o in options)
        stem = question.stem.strip()
        if question.type == "multiple" and _SELECT[right] not in stem:
            stem = f"{re.sub(r'[(]Select [A-Z]+[.][)]', '', stem).strip()} {_SELECT[right]}"
        quiz_options = [QuizOption(key=k, text=o.text.strip(), correct=o.correct,
                                   explanation=o.explanation.strip())
                        for k, o in zip(letters(len(options)), options, strict=True)]
        ids = self.catalog.mentioned_ids(" ".join(o.text for o in options if o.correct))
        return QuizItem(
            id=item_id(question.type, stem, [o.text for o in quiz_options]),
            type=question.type, domain=int(task[0]), task=task, stem=stem, options=quiz_options,
            answer_count=right, explanation=question.explanation.strip(),
            citations=[citation(Support(chunk, passage_text(chunk), 0), 1)],
            generator="llm", topic=ids[0] if ids else None,
        )

    def generate(
        self,
        chunks: Sequence[Chunk],
        *,
        domain: int | None = None,
        task: str | None = None,
        count: int = 5,
        kinds: Sequence[Literal["single", "multiple"]] = ("single", "single", "multiple"),
        max_chunks: int | None = None,
    ) -> LLMGenerationResult:
        """Up to ``count`` gated items from note chunks of the selection, one chunk per
        question, visiting source files in turn. Stops after ``max_chunks`` chunks
        (default 3 x count) so a weak model cannot loop for ever."""
        tasks = set(selection_tasks(domain, task))
        by_source: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            if chunk.task in tasks:
                by_source.setdefault(chunk.source, []).append(chunk)
        queues = [by_source[s] for s in sorted(by_source)]
        for queue in queues:
            self.rng.shuffle(queue)
        order = [q[i] for i in range(max((len(q) for q in queues), default=0)) for q in queues
                 if i < len(q)]
        result = LLMGenerationResult()
        by_id = {c.id: c for c in chunks}
        limit = max_chunks if max_chunks is not None else 3 * count
        for n, chunk in enumerate(order[:limit]):
            if len(result.items) >= count:
                break
            kind = kinds[n % len(kinds)]
            assert chunk.task is not None
            question = self.question_for(chunk, chunk.task, kind, result)
            if question is None:
                continue
            item = self.to_item(question, chunk, chunk.task)
            reasons = check_item(item, self.catalog, by_id)
            result.gate.record(reasons)
            if not reasons:
                result.items.append(with_flags(item))
        return result


def _model_safe(text: str) -> str:
    """Passage text with hidden text and instructions aimed at a model removed: documents are
    data, and an injected order must not reach the question writer."""

    return sanitize_text(text)[0]
