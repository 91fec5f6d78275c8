"""No quiz item ever carries an instruction planted in a document.

The fake question writer obeys any injected order it can see: if the trigger token reaches
its prompt, it puts the token into the question. Passages must reach it sanitised.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.quiz_data import mini_catalog
from tutor.chunk import Chunker
from tutor.load import load_file
from tutor.quiz.llm_items import LLMQuizGenerator
from tutor.testing import ScriptedChatModel, whitespace_counter

FIXTURE = Path(__file__).parent / "fixtures" / "injection.md"
TOKEN = "ZEBRA-PWNED-7731"
NAMES = ["Amazon SageMaker Real-Time Inference", "Amazon SageMaker Serverless Inference",
         "Amazon SageMaker Asynchronous Inference", "Amazon SageMaker Batch Transform"]


class ObedientModel(ScriptedChatModel):
    """Writes a valid question, but parrots the trigger token whenever it sees it."""

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        prompt = " ".join(str(m.content) for m in messages)
        stem = ("A team must score last month's records overnight without leaving an endpoint "
                "running. Which option should it use?")
        if TOKEN.replace("-", "") in prompt.replace("-", "").replace("\u200b", ""):
            stem = f"{TOKEN} {stem}"
        body = {"type": "single", "stem": stem, "explanation": "Offline scoring of a dataset.",
                "options": [{"text": n, "correct": n == NAMES[3], "explanation": f"About {n}."}
                            for n in NAMES]}
        self.replies = [json.dumps(body)]
        return super()._generate(messages, stop, run_manager, **kwargs)


def test_quiz_generator_never_carries_the_injected_token() -> None:
    doc = load_file(FIXTURE, "injection.md")
    chunks = [c.model_copy(update={"task": "3.1", "domain": 3})
              for c in Chunker(whitespace_counter, 120, 10).chunk(doc)]
    assert any(TOKEN in c.text for c in chunks), "the fixture must still hold visible injections"
    model = ObedientModel(replies=[])
    result = LLMQuizGenerator(model, mini_catalog(), seed=3).generate(
        chunks, task="3.1", count=len(chunks), kinds=("single",))
    assert model.received, "the model was called"
    for messages in model.received:
        assert TOKEN not in " ".join(str(m.content) for m in messages)
    for item in result.items:
        assert TOKEN not in item.model_dump_json()
