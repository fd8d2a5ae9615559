"""Session context in recall: a reply is found through the question it answers."""

from __future__ import annotations

import dataclasses

from cml.engine import Engine, EngineConfig, open_engine
from cml.engine.read.retrieval import RankingWeights
from cml.models import ReadRequest, WriteRequest

CHAT = [
    "Ann: what was the name of the bakery you found in Lisbon?",
    "Ben: Padaria Portuguesa, right by the river",
    "Ann: nice, I will go there",
]


def _chat(engine: Engine, session_id: str | None) -> list[str]:
    ids = []
    for line in CHAT:
        response = engine.memories.write(
            "acme", WriteRequest(content=line, session_id=session_id, namespace="chat")
        )
        assert response.memory_id is not None
        ids.append(response.memory_id)
    for i in range(20):
        engine.memories.write(
            "acme", WriteRequest(content=f"unrelated note number {i}", namespace="chat")
        )
    return ids


def _recall(engine: Engine, query: str) -> list[str]:
    request = ReadRequest(query=query, max_results=3, namespace="chat")
    return [m.id for m in engine.memories.read("acme", request).memories]


def test_the_answer_after_a_matching_question_is_recalled(engine: Engine) -> None:
    question, answer, _ = _chat(engine, "s1")
    found = _recall(engine, "bakery in Lisbon")
    # The answer holds no query word; it borrows from the question before it, which only asks
    # and so yields to it.
    assert found[:2] == [answer, question]


def test_without_a_session_there_is_no_context(engine: Engine) -> None:
    question, answer, _ = _chat(engine, None)
    found = _recall(engine, "bakery in Lisbon")
    assert found[0] == question
    assert answer not in found[:2]


def test_session_context_can_be_switched_off(config: EngineConfig) -> None:
    weights = dataclasses.replace(RankingWeights(), context=0.0)
    with open_engine(config, weights=weights) as engine:
        question, answer, _ = _chat(engine, "s1")
        found = _recall(engine, "bakery in Lisbon")
    assert found[0] == question
    assert answer not in found[:2]
