"""The session stage (opt-in): a turn in the session about the question outranks a look-alike.

The stage is off by default (``docs/benchmarks.md``: it wins on LoCoMo and loses on LongMemEval,
whose questions need turns of several sessions); these tests switch it on.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from cml.engine import Engine, EngineConfig, open_engine
from cml.engine.read.retrieval import RankingWeights
from cml.models import ReadRequest, WriteRequest

TRIP = [
    "Ann: we spent a week in Lisbon in May",
    "Ben: how was the food in Lisbon?",
    "Ann: the custard tarts from the bakery by the river, I liked them a lot",
    "Ben: and the tram up to the castle in Lisbon?",
    "Ann: the tram was packed but the view from the castle was worth it",
]
OFFICE = [
    "Ben: my sister moved house last week",
    "Ann: I liked the tarts at the office party",
    "Ben: the printer is broken again",
    "Ben: I will call the plumber tomorrow",
]
ANSWER = TRIP[2]
LOOK_ALIKE = OFFICE[1]
QUESTION = "Which tarts did Ann like in Lisbon?"
STAGE = dataclasses.replace(RankingWeights(), session_prior=0.5)


def _write(engine: Engine, *, sessions: bool) -> dict[str, str]:
    texts = {}
    for session, lines in (("trip", TRIP), ("office", OFFICE)):
        for line in lines:
            request = WriteRequest(
                content=line, session_id=session if sessions else None, namespace="chat"
            )
            memory_id = engine.memories.write("acme", request).memory_id
            assert memory_id is not None
            texts[memory_id] = line
    for i in range(30):
        note = f"note {i} about the garden and the weather"
        engine.memories.write(
            "acme", WriteRequest(content=note, session_id=f"notes-{i // 5}", namespace="chat")
        )
    return texts


def _ranked(config: EngineConfig, weights: RankingWeights, *, sessions: bool = True) -> list[str]:
    with open_engine(config, weights=weights) as engine:
        texts = _write(engine, sessions=sessions)
        response = engine.memories.read(
            "acme", ReadRequest(query=QUESTION, max_results=50, namespace="chat")
        )
    return [texts.get(m.id, "") for m in response.memories]


def _sqlite(tmp_path: Path, name: str) -> EngineConfig:
    return EngineConfig(database_url=f"sqlite:///{tmp_path}/{name}.db", embedding_provider="hash")


def test_the_answer_in_the_right_session_outranks_a_look_alike(tmp_path: Path) -> None:
    ranked = _ranked(_sqlite(tmp_path, "on"), STAGE)
    assert ranked.index(ANSWER) < ranked.index(LOOK_ALIKE)


def test_by_default_the_look_alike_wins(tmp_path: Path) -> None:
    # The same store and question: the words alone favour the short office line.
    ranked = _ranked(_sqlite(tmp_path, "off"), RankingWeights())
    assert ranked.index(LOOK_ALIKE) < ranked.index(ANSWER)


def test_memories_without_a_session_are_ranked_by_their_own_words(tmp_path: Path) -> None:
    # No session to lend evidence: each memory is a session of its own, as with the stage off.
    ranked = _ranked(_sqlite(tmp_path, "bare"), STAGE, sessions=False)
    assert ranked.index(LOOK_ALIKE) < ranked.index(ANSWER)


def test_the_order_inside_a_session_is_its_turns_own(tmp_path: Path) -> None:
    # Every turn of a session gets the same prior: no turn overtakes a better one beside it.
    on = [t for t in _ranked(_sqlite(tmp_path, "on"), STAGE) if t in TRIP]
    plain = [t for t in _ranked(_sqlite(tmp_path, "off"), RankingWeights()) if t in TRIP]
    assert on == plain
