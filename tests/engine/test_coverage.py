"""A question that gathers over sessions gets its top results from more than one session."""

from __future__ import annotations

import dataclasses

from cml.engine import EngineConfig, open_engine
from cml.engine.read.coverage import gathers
from cml.engine.read.retrieval import RankingWeights
from cml.models import ReadRequest, WriteRequest

LONG_SESSION = [f"I bought bird seed and a bird feeder for the garden, part {i}" for i in range(6)]
OTHER_SESSION = "Back from the shop: a bird bath for the garden, cheaper than the feeder"


def _top_sessions(coverage: float, config: EngineConfig, query: str) -> list[str | None]:
    weights = dataclasses.replace(RankingWeights(), coverage=coverage, context=0.0)
    with open_engine(config, weights=weights) as engine:
        for line in LONG_SESSION:
            engine.memories.write(
                "acme", WriteRequest(content=line, namespace="chat", session_id="s1")
            )
        engine.memories.write(
            "acme", WriteRequest(content=OTHER_SESSION, namespace="chat", session_id="s2")
        )
        for i in range(30):
            engine.memories.write(
                "acme",
                WriteRequest(content=f"note {i} on painting", namespace="chat", session_id="s3"),
            )
        request = ReadRequest(query=query, max_results=3, namespace="chat", format="list")
        return [m.session_id for m in engine.memories.read("acme", request).memories]


GATHERING = "How much did I spend in total on the bird feeder and garden things?"


def test_one_session_fills_the_top_without_coverage(config: EngineConfig) -> None:
    assert _top_sessions(0.0, config, GATHERING) == ["s1", "s1", "s1"]


def test_a_gathering_question_reaches_the_second_session(config: EngineConfig) -> None:
    assert "s2" in _top_sessions(0.35, config, GATHERING)


def test_a_question_about_one_thing_is_left_as_it_is(config: EngineConfig) -> None:
    # Ranked as without the stage (the first test): one session answers it.
    question = "What did I buy for the bird feeder in the garden?"
    assert _top_sessions(0.35, config, question) == ["s1", "s1", "s1"]


def test_gathering_questions_are_counts_sums_comparisons_and_orders() -> None:
    assert gathers("How many doctor's appointments did I go to in March?")
    assert gathers("Which did I set up first, the thermostat or the router?")
    assert gathers("What is the total distance of the two hikes?")
    assert not gathers("What breed is my dog?")
