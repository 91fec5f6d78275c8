"""Practice questions: generation (offline and LLM), quality gate, grading, spaced review,
mock exam and practice sessions. The public API is re-exported here."""

from tutor.quiz.gate import GateResult, GateStats, check_item, gate_items
from tutor.quiz.grade import GradeResult, grade, match_targets, parse_answer
from tutor.quiz.mock import MockExam, MockResult, blueprint, build_mock_exam, scaled_score
from tutor.quiz.offline import ALL_TYPES, EXAM_TYPES, OfflineGenerator, generate
from tutor.quiz.plan import selection_tasks
from tutor.quiz.review import INTERVAL_DAYS, ReviewCard, next_card
from tutor.quiz.session import PracticeSession, QuizSet, build_quiz

__all__ = [
    "ALL_TYPES",
    "EXAM_TYPES",
    "INTERVAL_DAYS",
    "GateResult",
    "GateStats",
    "GradeResult",
    "MockExam",
    "MockResult",
    "OfflineGenerator",
    "PracticeSession",
    "QuizSet",
    "ReviewCard",
    "blueprint",
    "build_mock_exam",
    "build_quiz",
    "check_item",
    "gate_items",
    "generate",
    "grade",
    "match_targets",
    "next_card",
    "parse_answer",
    "scaled_score",
    "selection_tasks",
]
