"""A turn is found through the reply that names what it shows (the replies stage)."""

from __future__ import annotations

import dataclasses

import pytest

from cml.engine import EngineConfig, open_engine
from cml.engine.read.replies import lend_to_replied
from cml.engine.read.retrieval import RankingWeights, read_filter
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


def _recall(
    config: EngineConfig,
    turns: tuple[str, str] = (SHOWS, REPLY),
    session_id: str | None = "s1",
    weights: RankingWeights | None = None,
) -> list[str]:
    with open_engine(config, weights=weights or RankingWeights()) as engine:
        for line in turns:
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
    assert _recall(config) == [REPLY, SHOWS]


def test_without_the_stage_the_turn_is_not_recalled(config: EngineConfig) -> None:
    # What the stage is for: SHOWS shares no word with the query.
    off = dataclasses.replace(RankingWeights(), replied=0.0)
    assert SHOWS not in _recall(config, weights=off)


def test_turns_of_different_sessions_lend_nothing(config: EngineConfig) -> None:
    assert SHOWS not in _recall(config, session_id=None)


def test_an_assistant_reply_lends_nothing_to_the_message_it_answers(
    config: EngineConfig,
) -> None:
    # In a user/assistant history the reply's matching words are its own, not the message's.
    asked = "user: Here's what I finished for the show last night!"
    answer = "assistant: Wow, that painting of the lake is gorgeous!"
    recalled = _recall(config, turns=(asked, answer))
    assert recalled[0] == answer
    assert asked not in recalled


def test_a_speaker_continuing_their_own_turn_lends_nothing(config: EngineConfig) -> None:
    more = "Ann: Wow, that painting of the lake took me weeks!"
    recalled = _recall(config, turns=(SHOWS, more))
    assert recalled[0] == more
    assert SHOWS not in recalled


def test_successors_known_from_session_context_lend_as_a_fresh_lookup(
    config: EngineConfig,
) -> None:
    # The read passes the successors session context looked up; the lending must not change.
    lines = ["Ann: the show was last night", "Ben: that painting is gorgeous", "Ann: thanks!"]
    with open_engine(config) as engine:
        for line in lines:
            engine.memories.write("acme", WriteRequest(content=line, session_id="s1"))
        store = engine.store
        filt = read_filter("acme", ReadRequest(query="painting"))
        records = sorted(store.list_memories(filt), key=lambda r: r.created_at)
        shows, reply, thanks = (r.id for r in records)
        fused = {shows: 0.2, reply: 0.9, thanks: 0.5}
        fresh = lend_to_replied(store, filt, records, fused, 0.4)
        known = store.session_successors(filt, [shows, reply, thanks], 2)
        reused = lend_to_replied(
            store, filt, records, fused, 0.4, {i: known.get(i, []) for i in fused}
        )
    assert fresh == reused
    assert fresh[shows] == pytest.approx(0.2 + 0.4 * 0.9)  # lifted by Ben's reply
    assert fresh[reply] == 0.9  # Ann's "thanks" scores lower: nothing to borrow
    assert fresh[thanks] == 0.5  # no successor
