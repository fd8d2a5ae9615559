"""Writing memories: the gate, deduplication, events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from cml.engine import Engine, SecretRefusedError
from cml.models import MemoryType, WriteRequest
from cml.storage.base import EventRecord

EventLog = Callable[..., list[EventRecord]]


def test_write_stores_a_memory_with_inferred_type(engine: Engine) -> None:
    response = engine.memories.write("acme", WriteRequest(content="I prefer window seats"))
    assert response.success
    assert response.chunks_created == 1
    assert not response.deduplicated
    assert response.memory_type == "preference"
    assert response.memory_id is not None
    record = engine.store.get("acme", response.memory_id)
    assert record is not None
    assert record.content == "I prefer window seats"
    assert record.memory_type == "preference"
    assert 0.0 <= record.importance <= 1.0
    assert record.embedding is not None


def test_write_keeps_every_given_field(engine: Engine) -> None:
    when = datetime(2023, 7, 1, 12, 0, tzinfo=UTC)
    response = engine.memories.write(
        "acme",
        WriteRequest(
            content="Team offsite in Porto",
            context_tags=["work", "travel"],
            session_id="s1",
            memory_type=MemoryType.EPISODIC_EVENT,
            namespace="team/events",
            metadata={"source": "calendar"},
            agent_id="planner",
            timestamp=when,
            importance=0.9,
            confidence=0.6,
        ),
    )
    assert response.memory_id is not None
    record = engine.store.get("acme", response.memory_id)
    assert record is not None
    assert record.created_at == when
    assert (record.namespace, record.session_id, record.agent_id) == (
        "team/events",
        "s1",
        "planner",
    )
    assert record.context_tags == ["work", "travel"]
    assert record.metadata == {"source": "calendar"}
    assert (record.importance, record.confidence) == (0.9, 0.6)


def test_pii_is_redacted_and_reported(engine: Engine) -> None:
    response = engine.memories.write(
        "acme", WriteRequest(content="Reach Ann at ann@example.com or +44 20 7946 0958")
    )
    assert response.redactions == ["email", "phone"]
    assert response.memory_id is not None
    record = engine.store.get("acme", response.memory_id)
    assert record is not None
    assert record.content == "Reach Ann at [REDACTED_EMAIL] or [REDACTED_PHONE]"


def test_secret_is_refused_and_nothing_is_stored(engine: Engine, events: EventLog) -> None:
    with pytest.raises(SecretRefusedError) as caught:
        engine.memories.write(
            "acme", WriteRequest(content="prod api_key=sk_live_abcdefghijklmnopqrstu")
        )
    assert caught.value.field == "content"
    assert engine.memories.stats("acme").total_memories == 0
    assert events("acme") == []


def test_exact_repeat_reinforces_instead_of_storing(engine: Engine, events: EventLog) -> None:
    first = engine.memories.write("acme", WriteRequest(content="I prefer green tea"))
    assert first.memory_id is not None
    before = engine.store.get("acme", first.memory_id)
    assert before is not None
    again = engine.memories.write("acme", WriteRequest(content="  i prefer GREEN tea "))
    assert again.deduplicated
    assert again.memory_id == first.memory_id
    assert again.chunks_created == 0
    assert "reinforced" in again.message
    after = engine.store.get("acme", first.memory_id)
    assert after is not None
    assert after.confidence > before.confidence
    assert after.access_count == before.access_count + 1
    assert engine.memories.stats("acme").total_memories == 1
    assert [e.operation for e in events("acme", "memory.write")] == ["write", "reinforce"]


def test_near_duplicate_by_vector_reinforces(engine: Engine) -> None:
    first = engine.memories.write(
        "acme", WriteRequest(content="The user prefers green tea in the morning, every day!")
    )
    again = engine.memories.write(
        "acme", WriteRequest(content="The user prefers green tea in the morning every day")
    )
    assert again.deduplicated
    assert again.memory_id == first.memory_id


def test_distinct_content_is_stored_separately(engine: Engine) -> None:
    a = engine.memories.write("acme", WriteRequest(content="I prefer green tea"))
    b = engine.memories.write("acme", WriteRequest(content="I prefer strong black coffee"))
    assert not b.deduplicated
    assert a.memory_id != b.memory_id
    assert engine.memories.stats("acme").total_memories == 2


def test_same_content_in_other_scope_is_not_a_duplicate(engine: Engine) -> None:
    text = "Had lunch with Maria"
    base = engine.memories.write("acme", WriteRequest(content=text, session_id="s1"))
    other_session = engine.memories.write("acme", WriteRequest(content=text, session_id="s2"))
    other_namespace = engine.memories.write(
        "acme", WriteRequest(content=text, session_id="s1", namespace="personal")
    )
    other_type = engine.memories.write(
        "acme", WriteRequest(content=text, session_id="s1", memory_type=MemoryType.SEMANTIC_FACT)
    )
    other_tenant = engine.memories.write("globex", WriteRequest(content=text, session_id="s1"))
    ids = {r.memory_id for r in (base, other_session, other_namespace, other_type, other_tenant)}
    assert len(ids) == 5
    assert not any(
        r.deduplicated for r in (other_session, other_namespace, other_type, other_tenant)
    )


def test_non_episodic_facts_dedupe_across_sessions(engine: Engine) -> None:
    first = engine.memories.write("acme", WriteRequest(content="My name is Ann", session_id="s1"))
    again = engine.memories.write("acme", WriteRequest(content="My name is Ann", session_id="s2"))
    assert again.deduplicated
    assert again.memory_id == first.memory_id


def test_write_event_names_the_actor_not_the_content(engine: Engine, events: EventLog) -> None:
    response = engine.memories.write(
        "acme", WriteRequest(content="I prefer window seats"), actor="key-123"
    )
    (event,) = events("acme")
    assert event.event_type == "memory.write"
    assert event.actor == "key-123"
    assert event.memory_ids == [response.memory_id]
    assert "window" not in str(event.payload)
