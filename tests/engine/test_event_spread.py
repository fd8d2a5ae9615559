"""Questions relating two events: both events' sessions reach the first results.

"How long had I been bird watching when I attended the workshop?" needs the session where
bird watching began and the one about the workshop. The chatty session about the hobby
matches the question's words turn after turn and, ranked turn by turn, fills the first results;
the stage (:mod:`cml.engine.read.events`, on by default) discounts each further turn of a
session already ranked, for such questions only.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from cml.engine import Engine, EngineConfig, open_engine
from cml.engine.read.retrieval import RankingWeights
from cml.models import ReadRequest, WriteRequest

HOBBY = [
    "user: I started bird watching in January, bird watching has been so relaxing",
    "assistant: bird watching is a lovely hobby; for bird watching start with a field guide",
    "user: which binoculars are good for bird watching beginners?",
    "assistant: for bird watching, 8x42 binoculars are the usual choice",
    "user: I keep a bird watching journal of every bird I see",
    "assistant: a bird watching journal helps you notice each bird's habits",
    "user: I saw a heron while bird watching at the lake",
    "user: bird watching at dawn has become my favourite part of the week",
]
WORKSHOP = [
    "user: today I went to a workshop at the nature centre on spotting warblers",
    "assistant: warblers are small and quick, so that sounds useful",
]
EVENT = WORKSHOP[0]
QUESTION = "How long had I been bird watching when I attended the bird watching workshop?"
PLAIN = "Which binoculars are good for bird watching at the workshop?"
OFF = dataclasses.replace(RankingWeights(), event_spread=0.0)


def _ranked(engine: Engine, query: str, results: int) -> list[str]:
    texts = {}
    for session, lines in (("hobby", HOBBY), ("workshop", WORKSHOP)):
        for line in lines:
            request = WriteRequest(content=line, session_id=session, namespace="chat")
            memory_id = engine.memories.write("acme", request).memory_id
            assert memory_id is not None
            texts[memory_id] = line
    for i in range(30):
        note = f"user: note {i} about the garden and the weather"
        engine.memories.write(
            "acme", WriteRequest(content=note, session_id=f"notes-{i // 5}", namespace="chat")
        )
    response = engine.memories.read(
        "acme", ReadRequest(query=query, max_results=results, namespace="chat")
    )
    return [texts.get(m.id, "") for m in response.memories]


def _read(
    tmp_path: Path, name: str, weights: RankingWeights, query: str, results: int
) -> list[str]:
    config = EngineConfig(database_url=f"sqlite:///{tmp_path}/{name}.db", embedding_provider="hash")
    with open_engine(config, weights=weights) as engine:
        return _ranked(engine, query, results)


def test_the_second_event_reaches_the_first_results(tmp_path: Path) -> None:
    ranked = _read(tmp_path, "on", RankingWeights(), QUESTION, 4)
    assert EVENT in ranked


def test_without_the_stage_one_session_fills_them(tmp_path: Path) -> None:
    # The same store and question: the hobby's turns take every place.
    ranked = _read(tmp_path, "off", OFF, QUESTION, 4)
    assert EVENT not in ranked
    assert set(ranked) <= set(HOBBY)


def test_a_question_about_one_thing_ranks_as_before(tmp_path: Path) -> None:
    on = _read(tmp_path, "plain-on", RankingWeights(), PLAIN, 10)
    off = _read(tmp_path, "plain-off", OFF, PLAIN, 10)
    assert on == off
