"""Practice questions: the authored item bank, generation (offline and LLM), quality gate,
grading, spaced review, mock exam, practice sessions and flashcards. The public API is
re-exported here."""

from tutor.quiz.gate import GateResult, GateStats, check_item, gate_items
from tutor.quiz.grade import GradeResult, grade, match_targets, parse_answer
from tutor.quiz.mock import MockExam, MockResult, blueprint, scaled_score
from tutor.quiz.mock_build import build_mock_exam, new_mock_exam
from tutor.quiz.offline import EXAM_TYPES, OfflineGenerator, generate
from tutor.quiz.plan import selection_tasks
from tutor.quiz.review import INTERVAL_DAYS, ReviewCard, next_card
from tutor.quiz.session import PracticeSession, QuizSet, build_quiz
from tutor.quiz.sources import SOURCES, QuizSource, available_sources, practice_quiz

__all__ = [
    "EXAM_TYPES",
    "INTERVAL_DAYS",
    "SOURCES",
    "GateResult",
    "GateStats",
    "GradeResult",
    "MockExam",
    "MockResult",
    "OfflineGenerator",
    "PracticeSession",
    "QuizSet",
    "QuizSource",
    "ReviewCard",
    "available_sources",
    "blueprint",
    "build_mock_exam",
    "build_quiz",
    "check_item",
    "gate_items",
    "generate",
    "grade",
    "match_targets",
    "new_mock_exam",
    "next_card",
    "parse_answer",
    "practice_quiz",
    "scaled_score",
    "selection_tasks",
]
