"""A query that names a time finds what was stored then, seen from the read's reference time."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from cml.engine import Engine, EngineConfig, open_engine
from cml.engine.read.retrieval import RankingWeights
from cml.models import ReadRequest, WriteRequest

THURSDAY = datetime(2023, 3, 9, 12, tzinfo=UTC)
SATURDAY_BEFORE = datetime(2023, 3, 4, 18, tzinfo=UTC)
A_MONTH_EARLIER = datetime(2023, 2, 11, 18, tzinfo=UTC)


def _diary(engine: Engine) -> dict[str, str]:
    """Two museum visits a month apart among unrelated notes; ids by name."""
    ids = {}
    for name, content, when in [
        ("march", "user: went to the museum with my sister Ana", SATURDAY_BEFORE),
        ("february", "user: went to the museum with my colleague Tom", A_MONTH_EARLIER),
    ]:
        written = engine.memories.write(
            "acme", WriteRequest(content=content, timestamp=when, namespace="diary")
        )
        assert written.memory_id is not None
        ids[name] = written.memory_id
    for day in range(40):
        engine.memories.write(
            "acme",
            WriteRequest(
                content=f"user: note {day} about groceries and the weather",
                timestamp=A_MONTH_EARLIER + timedelta(days=day),
                namespace="diary",
            ),
        )
    return ids


def _top(engine: Engine, query: str, reference: datetime | None) -> str:
    request = ReadRequest(
        query=query, max_results=5, namespace="diary", format="list", reference_time=reference
    )
    return engine.memories.read("acme", request).memories[0].id


def test_last_saturday_is_the_saturday_before_the_reference_time(engine: Engine) -> None:
    ids = _diary(engine)
    question = "Who did I go to the museum with last Saturday?"
    assert _top(engine, question, THURSDAY) == ids["march"]
    # Asked a month earlier, "last Saturday" is the day of the other visit.
    assert _top(engine, question, datetime(2023, 2, 16, tzinfo=UTC)) == ids["february"]


def test_an_explicit_date_needs_no_reference_time(engine: Engine) -> None:
    ids = _diary(engine)
    assert _top(engine, "Who was at the museum on February 11, 2023?", None) == ids["february"]
    assert _top(engine, "Who was at the museum on 4 March 2023?", None) == ids["march"]


def test_without_a_date_in_the_query_the_reference_time_changes_nothing(engine: Engine) -> None:
    _diary(engine)
    request = ReadRequest(query="museum visit", max_results=10, namespace="diary")
    plain = [m.id for m in engine.memories.read("acme", request).memories]
    dated = request.model_copy(update={"reference_time": THURSDAY})
    assert [m.id for m in engine.memories.read("acme", dated).memories] == plain


def test_the_stage_can_be_switched_off(config: EngineConfig) -> None:
    weights = dataclasses.replace(RankingWeights(), dates=0.0)
    with open_engine(config, weights=weights) as engine:
        _diary(engine)
        question = "Who did I go to the museum with last Saturday?"
        tops = {
            _top(engine, question, THURSDAY),
            _top(engine, question, datetime(2023, 2, 16, tzinfo=UTC)),
        }
    assert len(tops) == 1  # the same answer whatever day it is asked
