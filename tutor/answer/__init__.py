"""Answer: question + hits -> Answer with citations. The Answerer protocol, the extractive
(offline) and generative (chat model) answerers, the prompt-injection guard, the follow-up
rewriter and suggested follow-up questions."""

from tutor.answer.base import Answerer

__all__ = ["Answerer"]
