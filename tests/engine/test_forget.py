"""Forgetting: selectors ANDed, soft vs hard, counts, events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from cml.engine import Engine
from cml.models import ForgetRequest, ReadRequest, WriteRequest
from cml.storage.base import EventRecord

EventLog = Callable[..., list[EventRecord]]


def _write(engine: Engine, content: str, tenant: str = "acme", **fields: object) -> str:
    response = engine.memories.write(tenant, WriteRequest(content=content, **fields))
    assert response.memory_id is not None
    return response.memory_id


def test_soft_forget_by_ids(engine: Engine, events: EventLog) -> None:
    keep = _write(engine, "Keep this note about apples")
    drop = _write(engine, "Drop this note about pears")
    response = engine.memories.forget("acme", ForgetRequest(memory_ids=[drop, "unknown-id"]))
    assert response.success
    assert (response.affected_count, response.memory_ids, response.hard) == (1, [drop], False)
    record = engine.store.get("acme", drop)
    assert record is not None
    assert record.status == "deleted"  # soft: still there, restorable
    assert record.deleted_at is not None
    assert (
        engine.memories.read("acme", ReadRequest(query="note about pears")).memories[0].id == keep
    )
    (event,) = events("acme", "memory.forget")
    assert event.memory_ids == [drop]
    assert event.payload["hard"] is False


def test_already_deleted_is_not_counted_again(engine: Engine) -> None:
    drop = _write(engine, "Temporary parking spot B12")
    assert engine.memories.forget("acme", ForgetRequest(memory_ids=[drop])).affected_count == 1
    again = engine.memories.forget("acme", ForgetRequest(memory_ids=[drop]))
    assert again.affected_count == 0
    assert again.memory_ids == []


def test_hard_forget_removes_rows_and_history(engine: Engine) -> None:
    drop = _write(engine, "Old gym locker code location")
    response = engine.memories.forget("acme", ForgetRequest(memory_ids=[drop], hard=True))
    assert (response.affected_count, response.hard) == (1, True)
    assert engine.store.get("acme", drop) is None
    assert engine.store.versions("acme", drop) == []


def test_hard_forget_purges_soft_deleted(engine: Engine) -> None:
    drop = _write(engine, "Outdated shopping list")
    engine.memories.forget("acme", ForgetRequest(memory_ids=[drop]))
    purge = engine.memories.forget("acme", ForgetRequest(memory_ids=[drop], hard=True))
    assert purge.affected_count == 1
    assert engine.store.get("acme", drop) is None


def test_forget_by_query_uses_the_threshold(engine: Engine) -> None:
    close = _write(engine, "My old phone number was disconnected last year")
    far = _write(engine, "Bought fresh bread at the bakery")
    response = engine.memories.forget(
        "acme", ForgetRequest(query="old phone number disconnected", threshold=0.5)
    )
    assert response.memory_ids == [close]
    assert engine.store.get("acme", far) is not None
    assert engine.memories.stats("acme").active_memories == 1


def test_forget_before_a_time(engine: Engine) -> None:
    old = _write(engine, "Lived in Leeds", timestamp=datetime(2019, 5, 1, tzinfo=UTC))
    edge = _write(engine, "Moved to York", timestamp=datetime(2021, 1, 1, tzinfo=UTC))
    new = _write(engine, "Started a new job", timestamp=datetime(2023, 3, 1, tzinfo=UTC))
    response = engine.memories.forget(
        "acme", ForgetRequest(before=datetime(2021, 1, 1, tzinfo=UTC))
    )
    assert response.memory_ids == [old]  # strictly before: the edge case stays
    assert {engine.store.get("acme", i).status for i in (edge, new)} == {"active"}  # type: ignore[union-attr]


def test_selectors_combine_with_and(engine: Engine) -> None:
    a = _write(engine, "Session note one about the budget", session_id="s1", namespace="work")
    b = _write(engine, "Session note two about the budget", session_id="s2", namespace="work")
    c = _write(engine, "Session note three about the budget", session_id="s1", namespace="home")
    response = engine.memories.forget(
        "acme", ForgetRequest(memory_ids=[a, b, c], session_id="s1", namespace="work")
    )
    assert response.memory_ids == [a]
    by_session = engine.memories.forget("acme", ForgetRequest(session_id="s2"))
    assert by_session.memory_ids == [b]


def test_nothing_matched_writes_no_event(engine: Engine, events: EventLog) -> None:
    response = engine.memories.forget("acme", ForgetRequest(memory_ids=["missing"]))
    assert response.affected_count == 0
    assert events("acme", "memory.forget") == []
