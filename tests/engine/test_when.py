"""A question asking *when* prefers the memories that say when it happened."""

from __future__ import annotations

import dataclasses

import pytest

from cml.engine import EngineConfig, open_engine
from cml.engine.read.retrieval import RankingWeights
from cml.engine.read.when import asks_when
from cml.models import ReadRequest, WriteRequest

TALKS_ABOUT_IT = "Melanie: the pottery class! sign up for a pottery class, any pottery class"
TELLS_WHEN = "Melanie: I signed up for a pottery class yesterday"


def _ranked(when_share: float, config: EngineConfig, query: str) -> list[str]:
    weights = dataclasses.replace(RankingWeights(), when=when_share)
    with open_engine(config, weights=weights) as engine:
        for line in (TALKS_ABOUT_IT, TELLS_WHEN):
            engine.memories.write("acme", WriteRequest(content=line, namespace="chat"))
        for i in range(30):
            engine.memories.write(
                "acme", WriteRequest(content=f"Caroline: note {i} on painting", namespace="chat")
            )
        request = ReadRequest(query=query, max_results=3, namespace="chat", format="list")
        return [m.text for m in engine.memories.read("acme", request).memories]


def test_the_memory_that_names_a_time_answers_a_when_question(config: EngineConfig) -> None:
    ranked = _ranked(RankingWeights().when, config, "When did Melanie sign up for a pottery class?")
    assert ranked[0] == TELLS_WHEN


def test_without_the_stage_the_wordier_match_comes_first(config: EngineConfig) -> None:
    # What the stage is for: the memory sharing more of the question's words wins otherwise.
    ranked = _ranked(0.0, config, "When did Melanie sign up for a pottery class?")
    assert ranked[0] == TALKS_ABOUT_IT


def test_a_question_that_does_not_ask_when_ranks_as_before(config: EngineConfig) -> None:
    query = "Did Melanie sign up for a pottery class?"
    assert _ranked(RankingWeights().when, config, query) == _ranked(0.0, config, query)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("When did Nate win his first tournament?", True),
        ("when was the last time I called mom", True),
        ("On what date did Tim finish the book?", True),
        ("How long ago did I move here?", True),
        ("What did Nate do when he won?", False),
        ("How long is the drive?", False),
        ("In which month did John visit Italy?", True),
        ("What year did John start surfing?", True),
    ],
)
def test_which_questions_ask_when(query: str, expected: bool) -> None:
    assert asks_when(query) is expected
