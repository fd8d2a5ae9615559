"""Idempotency keys on every mutation."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cml.engine import Engine, IdempotencyConflictError, SecretRefusedError
from cml.models import ForgetRequest, RestoreRequest, UpdateRequest, WriteRequest
from cml.storage.base import EventRecord

EventLog = Callable[..., list[EventRecord]]


def test_same_key_same_write_returns_first_response_and_stores_once(
    engine: Engine, events: EventLog
) -> None:
    request = WriteRequest(content="Standup moved to 9:30")
    first = engine.memories.write("acme", request, idempotency_key="k1")
    again = engine.memories.write("acme", request, idempotency_key="k1")
    assert again == first
    assert not again.deduplicated  # replayed, not reinforced
    assert engine.memories.stats("acme").total_memories == 1
    assert len(events("acme")) == 1
    record = engine.store.get("acme", first.memory_id or "")
    assert record is not None
    assert record.confidence == 0.8  # not reinforced by the retry


def test_same_key_different_body_conflicts(engine: Engine) -> None:
    engine.memories.write("acme", WriteRequest(content="Standup at 9:30"), idempotency_key="k1")
    with pytest.raises(IdempotencyConflictError) as caught:
        engine.memories.write(
            "acme", WriteRequest(content="Standup at 10:00"), idempotency_key="k1"
        )
    assert "different request" in caught.value.message
    assert engine.memories.stats("acme").total_memories == 1


def test_same_key_on_another_operation_conflicts(engine: Engine) -> None:
    write = engine.memories.write("acme", WriteRequest(content="Pick up the parcel"))
    assert write.memory_id is not None
    engine.memories.forget("acme", ForgetRequest(memory_ids=[write.memory_id]), idempotency_key="x")
    with pytest.raises(IdempotencyConflictError):
        engine.memories.update(
            "acme", UpdateRequest(memory_id=write.memory_id, confidence=0.5), idempotency_key="x"
        )


def test_keys_are_per_tenant(engine: Engine) -> None:
    a = engine.memories.write("acme", WriteRequest(content="Lunch at noon"), idempotency_key="k")
    b = engine.memories.write(
        "globex", WriteRequest(content="Dinner at eight"), idempotency_key="k"
    )
    assert a.memory_id != b.memory_id
    assert engine.memories.stats("globex").total_memories == 1


def test_update_replay_does_not_bump_the_version_twice(engine: Engine) -> None:
    write = engine.memories.write("acme", WriteRequest(content="Office on floor 3"))
    assert write.memory_id is not None
    request = UpdateRequest(memory_id=write.memory_id, text="Office on floor 4")
    first = engine.memories.update("acme", request, idempotency_key="u1")
    again = engine.memories.update("acme", request, idempotency_key="u1")
    assert first.version == again.version == 2
    assert len(engine.store.versions("acme", write.memory_id)) == 1


def test_forget_replay_returns_the_first_count(engine: Engine) -> None:
    write = engine.memories.write("acme", WriteRequest(content="Old wifi name"))
    assert write.memory_id is not None
    request = ForgetRequest(memory_ids=[write.memory_id])
    first = engine.memories.forget("acme", request, idempotency_key="f1")
    again = engine.memories.forget("acme", request, idempotency_key="f1")
    assert first.affected_count == again.affected_count == 1


def test_restore_replay_returns_the_first_answer_and_logs_once(
    engine: Engine, events: EventLog
) -> None:
    write = engine.memories.write("acme", WriteRequest(content="Spare key under the mat"))
    assert write.memory_id is not None
    engine.memories.forget("acme", ForgetRequest(memory_ids=[write.memory_id]))
    request = RestoreRequest(memory_ids=[write.memory_id])
    first = engine.admin.restore("acme", request, idempotency_key="r1")
    engine.memories.forget("acme", ForgetRequest(memory_ids=[write.memory_id]))
    again = engine.admin.restore("acme", request, idempotency_key="r1")
    assert again == first
    assert first.affected_count == 1
    # The replay changed nothing: the memory stays forgotten, with one restore in the log.
    assert engine.memories.stats("acme").total_memories == 0
    assert [e.event_type for e in events("acme")].count("memory.restore") == 1
    with pytest.raises(IdempotencyConflictError):
        engine.admin.restore("acme", RestoreRequest(memory_ids=["other"]), idempotency_key="r1")


def test_refused_request_does_not_take_the_key(engine: Engine) -> None:
    with pytest.raises(SecretRefusedError):
        engine.memories.write("acme", WriteRequest(content="pwd=abc12345"), idempotency_key="k")
    assert engine.store.get_idempotency("acme", "k") is None
    fixed = engine.memories.write(
        "acme", WriteRequest(content="The router password is in the vault"), idempotency_key="k"
    )
    assert fixed.success
    assert engine.memories.stats("acme").total_memories == 1
