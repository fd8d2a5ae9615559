"""Turns made only of questions and exclamations yield to the turns that tell something."""

from __future__ import annotations

import dataclasses

import pytest

from cml.engine import EngineConfig, open_engine
from cml.engine.read.asking import only_asks
from cml.engine.read.retrieval import RankingWeights
from cml.models import ReadRequest, WriteRequest

ASKS = "Joanna: Wow, that painting looks awesome! What inspired the painting?"
TELLS = "Nate: The sunsets by the lake inspired it, I painted it last week"


def _top(asking_share: float, config: EngineConfig) -> str:
    weights = dataclasses.replace(RankingWeights(), asking=asking_share)
    with open_engine(config, weights=weights) as engine:
        for line in (ASKS, TELLS):
            engine.memories.write("acme", WriteRequest(content=line, namespace="chat"))
        for i in range(30):
            engine.memories.write(
                "acme", WriteRequest(content=f"Nate: note {i} on cooking", namespace="chat")
            )
        request = ReadRequest(
            query="What inspired the painting?", max_results=3, namespace="chat", format="list"
        )
        return engine.memories.read("acme", request).memories[0].text


def test_the_turn_that_tells_comes_before_the_turn_that_asks(config: EngineConfig) -> None:
    # The default configuration has the stage on.
    assert _top(RankingWeights().asking, config) == TELLS


def test_without_the_stage_the_question_wins(config: EngineConfig) -> None:
    # What the stage is for: worded like the query, the question turn ranks first otherwise.
    assert _top(0.0, config) == ASKS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Joanna: Wow, Nate! What inspired you?", True),
        ("Gina: When are you opening the studio?", True),
        ("Tim: Love it! Walking or running? [image: a photo of purple shoes]", True),
        ("user: I moved to Denver last week. Any tips?", False),
        ("Caroline: The kids look cute! I bet they love it. How did they take it?", False),
        ("Nate: See you!", False),
        ("What now?", True),
        ("Nate: Really? Which one?  [image: a photo of two dogs] ", True),
        ("Mel: Hi. Ok?", False),
        ("Nate: [laughs] ok?", True),
        ("Nate: Did you see it? [link]", False),
    ],
)
def test_which_turns_only_ask(text: str, expected: bool) -> None:
    assert only_asks(text) is expected
