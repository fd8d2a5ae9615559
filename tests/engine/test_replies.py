"""A turn is found through the reply that names what it shows (the replies stage)."""

from __future__ import annotations

import dataclasses

from cml.engine import EngineConfig, open_engine
from cml.engine.read.retrieval import RankingWeights
from cml.models import ReadRequest, WriteRequest

SHOWS = "Ann: Here's what I finished for the show last night!"
REPLY = "Ben: Wow, that painting of the lake is gorgeous!"
NOTES = [
    "Nate: the new recipe needs more garlic",
    "Nate: my turtles ate early today",
    "Joanna: movie night went late again",
    "Nate: the tournament starts on Friday",
    "Joanna: I wrote two pages of my script",
    "Nate: bought a controller for the console",
    "Joanna: the hike up the hill was steep",
    "Nate: coconut milk ice cream again",
]


def _recall(replied: float, config: EngineConfig, session_id: str | None = "s1") -> list[str]:
    weights = dataclasses.replace(RankingWeights(), replied=replied)
    with open_engine(config, weights=weights) as engine:
        for line in (SHOWS, REPLY):
            engine.memories.write(
                "acme", WriteRequest(content=line, session_id=session_id, namespace="chat")
            )
        for line in NOTES:
            engine.memories.write(
                "acme", WriteRequest(content=line, session_id="other", namespace="chat")
            )
        request = ReadRequest(
            query="the painting of the lake", max_results=2, namespace="chat", format="list"
        )
        return [m.text for m in engine.memories.read("acme", request).memories]


def test_the_turn_a_matching_reply_answers_is_recalled_behind_it(config: EngineConfig) -> None:
    assert _recall(0.4, config) == [REPLY, SHOWS]


def test_without_the_stage_the_turn_is_not_recalled(config: EngineConfig) -> None:
    # What the stage is for: SHOWS shares no word with the query.
    assert SHOWS not in _recall(0.0, config)


def test_turns_of_different_sessions_lend_nothing(config: EngineConfig) -> None:
    assert SHOWS not in _recall(0.4, config, session_id=None)
