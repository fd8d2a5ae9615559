"""A question about one speaker of a conversation prefers that speaker's own turns."""

from __future__ import annotations

import dataclasses

import pytest

from cml.engine import EngineConfig, open_engine
from cml.engine.read.retrieval import RankingWeights
from cml.engine.read.speakers import speaker_of
from cml.models import ReadRequest, WriteRequest

CHAT = [
    "Melanie: what did we get from the shelter last week? a dog from the shelter",
    "Caroline: I came home with a cat from the shelter, she is called Luna",
    "Melanie: did you get anything from the shelter too?",
]


def _top(speaker_share: float, config: EngineConfig, query: str) -> str:
    weights = dataclasses.replace(RankingWeights(), speaker=speaker_share)
    with open_engine(config, weights=weights) as engine:
        for line in CHAT:
            engine.memories.write("acme", WriteRequest(content=line, namespace="chat"))
        for i in range(30):
            speaker = "Caroline" if i % 2 else "Melanie"
            engine.memories.write(
                "acme", WriteRequest(content=f"{speaker}: note {i} on painting", namespace="chat")
            )
        request = ReadRequest(query=query, max_results=3, namespace="chat", format="list")
        return engine.memories.read("acme", request).memories[0].text


def test_the_named_speaker_s_turn_comes_first(config: EngineConfig) -> None:
    question = "What did Caroline get from the shelter?"
    assert _top(RankingWeights().speaker, config, question) == CHAT[1]


def test_without_the_stage_another_speaker_s_turn_can_win(config: EngineConfig) -> None:
    # The same question, ranked without speaker awareness: the other speaker's turns, which
    # share more words with it, come first (what the stage is for).
    assert _top(0.0, config, "What did Caroline get from the shelter?") != CHAT[1]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Caroline: hi", "Caroline"),
        ("Mary Ann: hello there", "Mary Ann"),
        ("user: what is the time", None),
        ("Note to self: call Ann", None),
        ("Buy milk", None),
    ],
)
def test_the_speaker_is_the_leading_name(text: str, speaker: str | None) -> None:
    assert speaker_of(text) == speaker
