"""Calibrated relevance, ``min_relevance`` and the context floor of every prompt block."""

from __future__ import annotations

from pathlib import Path

import pytest

from cml.engine import Engine, EngineConfig, open_engine
from cml.engine.read.relevance import DEFAULT_CALIBRATION, Calibration, descending
from cml.models import ReadFormat, ReadRequest, TurnRequest, WriteRequest

MEMORIES = [
    "I prefer green tea over coffee",
    "I am allergic to peanuts and tree nuts",
    "Visited the Colosseum in Rome with my sister",
    "My car is a red hatchback from 2015",
    "I work as a nurse at the city hospital",
]


def _seed(engine: Engine, tenant: str = "acme") -> list[str]:
    ids = []
    for content in MEMORIES:
        memory_id = engine.memories.write(tenant, WriteRequest(content=content)).memory_id
        assert memory_id is not None
        ids.append(memory_id)
    return ids


def _engine(tmp_path: Path, provider: str = "hash", **fields: object) -> Engine:
    url = f"sqlite:///{tmp_path}/cml.db"
    return open_engine(EngineConfig(database_url=url, embedding_provider=provider, **fields))  # type: ignore[arg-type]


def test_the_calibration_rises_with_score_and_similarity_and_stays_bounded() -> None:
    steps = [i / 20 for i in range(21)]
    by_score = [DEFAULT_CALIBRATION.probability(s, 0.3) for s in steps]
    by_similarity = [DEFAULT_CALIBRATION.probability(0.5, c) for c in steps]
    assert by_score == sorted(by_score)
    assert by_similarity == sorted(by_similarity)
    assert all(0.0 <= r <= 1.0 for r in [*by_score, *by_similarity])
    extreme = Calibration(score=1e6, similarity=1e6, intercept=-1e6)
    assert extreme.probability(0.0, 0.0) == 0.0  # no overflow
    assert extreme.probability(1.0, 1.0) == 1.0


def test_relevance_keeps_the_ranked_order() -> None:
    assert descending([0.9, 0.2, 0.6, 0.1]) == pytest.approx([0.9, 0.4, 0.4, 0.1])
    assert descending([0.1, 0.5]) == pytest.approx([0.3, 0.3])
    assert descending([]) == []


def test_min_relevance_drops_weaker_results_and_keeps_the_order(engine: Engine) -> None:
    _seed(engine)
    request = ReadRequest(query="green tea coffee peanuts", format=ReadFormat.LIST)
    everything = engine.memories.read("acme", request).memories
    assert len(everything) == len(MEMORIES)  # no min_relevance: the top k, as before
    cut = everything[1].relevance
    kept = engine.memories.read("acme", request.model_copy(update={"min_relevance": cut})).memories
    assert [m.id for m in kept] == [m.id for m in everything if m.relevance >= cut]
    assert 1 <= len(kept) < len(everything)


@pytest.mark.parametrize(("floor", "in_block"), [(0.0, len(MEMORIES)), (1.0, 0)])
def test_the_context_floor_shapes_every_block_but_not_the_list(
    tmp_path: Path, floor: float, in_block: int
) -> None:
    with _engine(tmp_path, context_min_relevance=floor) as engine:
        _seed(engine)
        read = engine.memories.read("acme", ReadRequest(query="tea", format=ReadFormat.PACKET))
        assert len(read.memories) == len(MEMORIES)
        assert read.context_min_relevance == floor
        assert read.context.count("\n- [") == in_block
        turn = engine.memories.turn("acme", TurnRequest(user_message="tea"))
        assert turn.memory_context.count("\n- [") == in_block
        assert turn.memories_retrieved == in_block


@pytest.mark.slow
def test_an_unrelated_question_gets_an_empty_block_a_related_one_its_memory(
    tmp_path: Path,
) -> None:
    with _engine(tmp_path, provider="local") as engine:
        ids = dict(zip(["tea", "nuts", "rome", "car", "job"], _seed(engine), strict=True))
        _seed(engine, "turns")  # turns store their exchange: they get a tenant of their own
        for question in (
            "What is the capital of Peru?",
            "How many moons does Jupiter have?",
            "What is the boiling point of water?",
        ):
            read = engine.memories.read("acme", ReadRequest(query=question))
            assert read.context == "", question
            assert read.memories  # the ranked list still holds its top k
            strict = ReadRequest(query=question, min_relevance=read.context_min_relevance)
            assert engine.memories.read("acme", strict).memories == []
            assert (
                engine.memories.turn("turns", TurnRequest(user_message=question)).memory_context
                == ""
            )
        for question, key in (
            ("What does the user like to drink?", "tea"),
            ("Does the user have any food allergies?", "nuts"),
            ("What vehicle do they drive?", "car"),
            ("What is their profession?", "job"),
            ("Which city did they visit with their sister?", "rome"),
        ):
            read = engine.memories.read("acme", ReadRequest(query=question))
            assert read.memories[0].id == ids[key], question
            assert MEMORIES[list(ids).index(key)] in read.context, question
